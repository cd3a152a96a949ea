"""The one family of errors services raise (ServiceError). The API answers each with its status
and body; pages show a DomainError's detail beside the form, and a NotPermitted as the 403 page.
A service never raises Django's ValidationError or PermissionDenied itself."""

from typing import Any

from django.core.exceptions import PermissionDenied


class ServiceError(Exception):
    """What a service refuses. `code` is stable (partners switch on it); `detail` is for people."""

    status_code = 400
    headers: dict[str, str] | None = None  # response headers the answer carries, e.g. Retry-After

    def __init__(self, detail: str, *, code: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        return {"detail": self.detail, "code": self.code, **self.extra}


class DomainError(ServiceError):
    """A business rule said no."""


class Conflict(DomainError):
    """The request clashes with the current state: a duplicate, a full slot, a wrong status."""

    status_code = 409


class InvalidInput(DomainError):
    """Bad values, keyed by field as API.md's "field errors keyed by field": {"field": ["..."]}."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self.fields = {name: [str(message) for message in messages] for name, messages in fields.items()}
        super().__init__(" ".join(m for messages in self.fields.values() for m in messages), code="invalid")

    def as_dict(self) -> dict[str, Any]:
        return dict(self.fields)


class NotPermitted(ServiceError, PermissionDenied):
    """The caller's role, or its relation to the object, does not allow the action: 403.

    Also a Django PermissionDenied, so a page that does not catch it answers with the 403 page."""

    status_code = 403

    def __init__(self, detail: str, *, code: str = "permission_denied") -> None:
        super().__init__(detail, code=code)


def model_validate(instance: Any, **options: Any) -> None:
    """`instance.full_clean(**options)`, its errors raised as InvalidInput keyed by field, so a
    service's caller meets one family of errors."""
    from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

    try:
        instance.full_clean(**options)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        raise InvalidInput(
            {
                ("non_field_errors" if name == NON_FIELD_ERRORS else name): list(m)
                for name, m in errors.items()
            }
        ) from exc
