import six


def main() -> None:
    print(f"ext-uv: ok six {six.__version__}")
