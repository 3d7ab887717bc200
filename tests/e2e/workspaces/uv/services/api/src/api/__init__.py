import idna

import service_libs


def main() -> None:
    print(f"api up: {service_libs.describe()}; idna {idna.__version__}")
