import packaging

import common_core


def main() -> None:
    print(f"worker up: {common_core.describe()}; packaging {packaging.__version__}")
