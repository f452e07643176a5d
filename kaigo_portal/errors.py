"""The one domain error besides Django's ValidationError and PermissionDenied, and how to tell the database or
Redis being away from a bug."""

import logging
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
logger = logging.getLogger(__name__)


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


def is_unavailable(error: BaseException | None) -> bool:
    """The database or Redis cannot be reached now (as opposed to a bug, or a statement the database
    refused): the caller answers 503, keeps its work for a retry, or goes on without what Redis holds."""
    from django.db import DatabaseError, InterfaceError, OperationalError

    if isinstance(error, OperationalError | InterfaceError):
        return True
    if isinstance(error, DatabaseError) and isinstance(error.__cause__, OperationalError | InterfaceError):
        return True
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis is a dependency
        return False
    return isinstance(error, RedisConnectionError | RedisTimeoutError)


def unless_away(call: Callable[[], T], default: T = None, *, note: str = "") -> T:
    """call(), or `default` when the database or Redis cannot be reached (with a warning saying `note`).

    For what may fail safe: import progress, cached figures, the API keys' cache generation. Never for a
    rule or a rate limit, which must refuse instead (they let the error reach the 503 answer)."""
    try:
        return call()
    except Exception as error:
        if not is_unavailable(error):
            raise
        if note:
            logger.warning("%s: the cache or database is away", note)
        return default
