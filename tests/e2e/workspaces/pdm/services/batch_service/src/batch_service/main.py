import packaging

import common_core


def main() -> None:
    print(f"batch_service up: {common_core.describe()}; packaging {packaging.__version__}")
