from __future__ import annotations

import pytest

import medianest_sdk as mn
from medianest_sdk import errors


def test_tree_matches_design() -> None:
    parents = {
        mn.TransportError: mn.MediaNestError,
        mn.ConnectError: mn.TransportError,
        mn.RequestTimeout: mn.TransportError,
        mn.HTTPStatusError: mn.MediaNestError,
        mn.AuthenticationError: mn.HTTPStatusError,
        mn.NotFoundError: mn.HTTPStatusError,
        mn.RateLimitedError: mn.HTTPStatusError,
        mn.ServerError: mn.HTTPStatusError,
        mn.CircuitOpenError: mn.MediaNestError,
        mn.RateLimitExceeded: mn.MediaNestError,
        mn.BulkheadFullError: mn.MediaNestError,
        mn.DecodeError: mn.MediaNestError,
        mn.WebhookVerificationError: mn.MediaNestError,
        mn.DownloadError: mn.MediaNestError,
        mn.DownloadCancelled: mn.DownloadError,
    }
    for child, parent in parents.items():
        assert issubclass(child, parent), child
    assert errors.__doc__ is not None
    for cls in parents:
        assert cls.__name__ in errors.__doc__


def _status(cls: type[mn.HTTPStatusError], status: int) -> mn.HTTPStatusError:
    return cls("m", service="svc", method="GET", url="http://h/", status=status)


@pytest.mark.parametrize(
    ("cls", "status", "transient", "retry_safe"),
    [
        (mn.AuthenticationError, 401, False, False),
        (mn.NotFoundError, 404, False, False),
        (mn.HTTPStatusError, 400, False, False),
        (mn.HTTPStatusError, 408, True, False),
        (mn.RateLimitedError, 429, True, True),
        (mn.ServerError, 500, True, False),
        (mn.ServerError, 503, True, False),
    ],
)
def test_http_meaning(
    cls: type[mn.HTTPStatusError], status: int, transient: bool, retry_safe: bool
) -> None:
    exc = _status(cls, status)
    assert exc.transient is transient
    assert exc.retry_safe is retry_safe


def test_transport_meaning() -> None:
    connect = mn.ConnectError("x", service="s", method="POST", url="u")
    assert connect.transient and connect.retry_safe
    for phase, safe in [("connect", True), ("pool", True), ("read", False), ("write", False)]:
        timeout = mn.RequestTimeout("x", service="s", method="POST", url="u", phase=phase)
        assert timeout.transient and timeout.retry_safe is safe
    lost = mn.TransportError("x", service="s", method="POST", url="u")
    assert lost.transient and not lost.retry_safe


def test_every_error_carries_its_service_in_str() -> None:
    exc = _status(mn.NotFoundError, 404)
    assert str(exc) == "svc: m"
    assert exc.service == "svc"


def test_body_excerpt_is_bounded() -> None:
    exc = mn.ServerError(
        "m", service="s", method="GET", url="u", status=500, body_excerpt="x" * 5000
    )
    assert len(exc.body_excerpt) == 500


def test_retry_after_attributes() -> None:
    assert mn.CircuitOpenError("open", breaker="b", retry_after=2.5).retry_after == 2.5
    assert (
        mn.RateLimitExceeded("no", limit="1/second", key="k", retry_after=None).retry_after is None
    )
    assert _status(mn.RateLimitedError, 429).retry_after is None
