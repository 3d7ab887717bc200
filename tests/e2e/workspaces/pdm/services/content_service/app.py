import idna

import service_libs
from handlers import greeting


def main() -> None:
    print(f"content_service up: {greeting()} {service_libs.describe()}; idna {idna.__version__}")


if __name__ == "__main__":
    main()
