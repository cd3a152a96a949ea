"""Domain errors raised by services; the API and the pages turn them into answers a person can act on."""

from typing import Any


class DomainError(Exception):
    """A business rule said no. `code` is stable (partners switch on it); `detail` is for people."""

    status_code = 400

    def __init__(self, detail: str, *, code: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        return {"detail": self.detail, "code": self.code, **self.extra}


class Conflict(DomainError):
    """The request clashes with the current state: a duplicate, a full slot, a wrong status."""

    status_code = 409
