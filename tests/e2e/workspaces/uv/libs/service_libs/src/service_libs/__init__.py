import six

import common_core

NAME = "service_libs"


def describe() -> str:
    return f"{NAME} (six {six.__version__}) -> {common_core.describe()}"
