def main() -> None:
    print("py-pdm: ok")
