"""Errors raised by services; views turn them into messages or status codes."""


class ServiceError(Exception):
    """A change refused, with a message for the user (already translated)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PermissionDenied(ServiceError):
    pass


class InvalidInput(ServiceError):
    pass
