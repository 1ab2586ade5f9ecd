"""Errors raised by services; views turn them into messages or status codes."""


class ServiceError(Exception):
    """A change refused, with a message for the user (already translated)."""

    def __init__(self, message: str, field_errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class PermissionDenied(ServiceError):
    pass


class InvalidInput(ServiceError):
    """The input breaks a rule; `field_errors` says which field, where there is one."""


class StaleEdit(ServiceError):
    """Someone else changed the object since the user loaded it; nothing was overwritten."""
