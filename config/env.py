"""Tiny helpers to read settings from the environment."""

import os
from collections.abc import Callable
from typing import Any


def env(name: str, default: Any = None, cast: Callable[[str], Any] = str) -> Any:
    value = os.environ.get(name)
    return default if value in (None, "") else cast(value)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return [item.strip() for item in value.split(",") if item.strip()]
