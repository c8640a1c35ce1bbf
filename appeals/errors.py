"""The refusals of the appeals app. Each str() is a message for a person; the API maps them to HTTP codes."""


class AppealError(Exception):
    """Base of the refusals of the appeals app (400 unless a subclass says otherwise)."""


class Conflict(AppealError):
    """Someone changed the appeal since the caller read it (stale version). The API answers 409."""


class AddressNotFound(AppealError):
    """The address, building or point gives no place to put the appeal."""


class AppealNotFound(AppealError):
    """No such appeal, or not one this user may see (we do not say which). The API answers 404."""


class NotAllowed(AppealError):
    """The user's role may not do this at all. The API answers 403."""
