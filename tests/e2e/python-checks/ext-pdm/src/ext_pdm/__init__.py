import six


def main() -> None:
    print(f"ext-pdm: ok six {six.__version__}")
