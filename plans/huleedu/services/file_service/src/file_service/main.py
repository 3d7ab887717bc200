def main() -> None:
    print("file_service: ok")


if __name__ == "__main__":
    main()
