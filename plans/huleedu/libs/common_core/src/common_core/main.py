def main() -> None:
    print("common_core: ok")


if __name__ == "__main__":
    main()
