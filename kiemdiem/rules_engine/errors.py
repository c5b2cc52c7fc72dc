"""Errors with stable codes (``rules.E0xx`` for packs, ``rules.E1xx`` for inputs)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .messages import message


class RulesError(Exception):
    """Base error: a stable ``code``, named ``params`` and messages in both languages."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params: Mapping[str, object] = MappingProxyType(dict(params))
        super().__init__(f"{code}: {self.message('en')}")

    def message(self, lang: str = "vi") -> str:
        return message(self.code, lang, self.params)

    def to_dict(self, lang: str | None = None) -> dict[str, object]:
        out: dict[str, object] = {
            "code": self.code,
            "params": {k: _jsonable(v) for k, v in self.params.items()},
            "message_vi": self.message("vi"),
            "message_en": self.message("en"),
        }
        if lang:
            out["message"] = self.message(lang)
        return out


class PackError(RulesError):
    """A rule pack is invalid (raised while loading or validating it)."""


class InputError(RulesError):
    """A subject given to the engine is invalid."""


def _jsonable(value: object) -> object:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
