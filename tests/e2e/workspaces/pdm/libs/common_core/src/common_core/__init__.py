import iniconfig

NAME = "common_core"


def describe() -> str:
    return f"{NAME} (iniconfig {iniconfig.__name__})"
