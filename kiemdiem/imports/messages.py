"""Problem messages kept without a language and rendered in the reader's.

A validation report is read later, possibly by someone using the other language, so a problem
stores what its message is made of, not the words:

* the import's own messages: the untranslated msgid and its parameters
  (``_("Unit “%(code)s” is outside the scope of this import.") % {"code": "X1"}`` with ``_``
  imported from here: the call marks the msgid for ``makemessages`` as ``gettext`` does, and
  defers the translation);
* legacy-encoding findings: the ``encodings.Problem`` code and fields (its messages are in
  ``encodings.MESSAGES``, one per language);
* messages of the services' and Django's own checks (``ValidationError``): rendered once per
  configured language when the problem is found (their msgids are not ours to keep).

``str(message)`` renders it in the active language; ``as_dict`` / ``from_dict`` store it.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language, gettext


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


class Message:
    """A message to be rendered when read. Immutable; ``%`` gives one with parameters."""

    __slots__ = ("msgid", "params", "encoding", "texts")

    def __init__(self, msgid: str = "", params: dict | None = None, *, encoding=None, texts=None):
        self.msgid = msgid
        self.params = params or {}
        self.encoding = encoding  # {"code", "cells", "original", "suggestion", "encoding"}
        self.texts = texts  # {language: text}

    def __mod__(self, params: dict) -> Message:
        return Message(self.msgid, dict(params))

    def __str__(self) -> str:
        if self.texts is not None:
            texts = self.texts
            return texts.get(_language()) or texts.get(settings.LANGUAGE_CODE) or ""
        if self.encoding is not None:
            from kiemdiem.imports.encodings import Problem

            found = dict(self.encoding)
            found["cells"] = tuple(found.get("cells") or ())
            return Problem(**found).message(_language())
        text = gettext(self.msgid)
        return text % self.params if self.params else text

    def __repr__(self) -> str:
        return f"Message({self.as_dict()!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Message) and self.as_dict() == other.as_dict()

    def __hash__(self) -> int:
        return hash(repr(self))

    # storing
    def as_dict(self) -> dict:
        if self.texts is not None:
            return {"texts": dict(self.texts)}
        if self.encoding is not None:
            return {"encoding": dict(self.encoding)}
        return {"id": self.msgid, "params": self.params} if self.params else {"id": self.msgid}

    @classmethod
    def from_dict(cls, data: dict) -> Message:
        if "texts" in data:
            return cls(texts=data["texts"])
        if "encoding" in data:
            return cls(encoding=data["encoding"])
        return cls(data.get("id", ""), data.get("params"))

    # the other sources
    @classmethod
    def from_encoding(cls, problem) -> Message:
        """An ``encodings.Problem`` (its cells already named)."""
        return cls(
            encoding={
                "code": problem.code,
                "cells": list(problem.cells),
                "original": problem.original,
                "suggestion": problem.suggestion,
                "encoding": problem.encoding,
            }
        )

    @classmethod
    def rendered(cls, texts: dict[str, str]) -> Message:
        return cls(texts=texts)


def _(msgid: str) -> Message:
    """Mark ``msgid`` for translation and defer it to when the message is read."""
    return Message(msgid)


deferred = _


def render(stored: dict) -> str:
    """The message of a stored problem (``Problem.as_dict()``) in the active language."""
    if "msg" in stored:
        return str(Message.from_dict(stored["msg"]))
    return stored.get("message", "")  # a job stored before messages were deferred
