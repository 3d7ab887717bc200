def greeting() -> str:
    return "hello from content_service"
