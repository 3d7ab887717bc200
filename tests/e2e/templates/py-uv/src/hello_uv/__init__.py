def main() -> None:
    print("py-uv: ok")
