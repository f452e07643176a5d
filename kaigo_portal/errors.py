"""The one domain error besides Django's ValidationError and PermissionDenied."""


class ApplicationError(Exception):
    """A rule of the domain refused the action. `message` is Japanese, for people; `code` is for machines."""

    def __init__(
        self, message: str, *, code: str, fields: dict[str, list[str]] | None = None, status: int = 400
    ):
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields = fields or {}
        self.status = status
