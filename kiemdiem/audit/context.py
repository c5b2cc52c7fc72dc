"""A request id shared by every audit entry one user action writes."""

import uuid
from contextvars import ContextVar

_request_id: ContextVar[uuid.UUID | None] = ContextVar("kiemdiem_request_id", default=None)


def current_request_id() -> uuid.UUID | None:
    return _request_id.get()


def bind_request_id(value: uuid.UUID | None = None):
    """Bind a new request id; returns the token to reset it with."""
    return _request_id.set(value or uuid.uuid4())


def reset_request_id(token) -> None:
    _request_id.reset(token)
