"""Refusals of the outages app: str() is a Ukrainian message for a person, `code` a stable English code."""


class OutageError(Exception):
    """Base refusal (HTTP 400 unless a subclass says otherwise)."""

    code = "outage_error"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code


class InvalidArea(OutageError):
    code = "invalid_area"


class UnknownBuilding(OutageError):
    code = "unknown_building"


class InvalidTransition(OutageError):
    code = "invalid_transition"


class OutageNotFound(OutageError):
    """HTTP 404."""

    code = "not_found"
