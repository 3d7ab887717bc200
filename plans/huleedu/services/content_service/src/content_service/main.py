def main() -> None:
    print("content_service: ok")


if __name__ == "__main__":
    main()
