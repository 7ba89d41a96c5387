"""Redaction of httpx's own log lines (``HTTP Request: GET url "HTTP/1.1 200 OK"``).

httpx logs each request's URL at INFO on the ``httpx`` logger. A filter on that logger replaces
secret query values and the secrets of the request in flight, in every encoded form
(:func:`medianest_sdk.secrets.encoded_forms`). httpx logs inside the task that sends, so the
secrets of that request reach the filter through a context variable.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

from ..secrets import Secret, redact_text

__all__ = ["IN_FLIGHT", "RedactingFilter", "install_httpx_log_redaction"]

IN_FLIGHT: ContextVar[tuple[Secret, ...]] = ContextVar("medianest_in_flight", default=())
"""The secrets of the request this task is sending (set and reset around each send)."""


class RedactingFilter(logging.Filter):
    """Redacts secrets in the records of the logger it is attached to."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite ``record`` with secrets masked; always keep it."""
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's to report, not ours
            return True
        redacted = redact_text(message, IN_FLIGHT.get())
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install_httpx_log_redaction() -> None:
    """Attach :class:`RedactingFilter` to the ``httpx`` logger once (idempotent)."""
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(f, RedactingFilter) for f in httpx_logger.filters):
        httpx_logger.addFilter(RedactingFilter())
