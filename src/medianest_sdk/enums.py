"""Service enums shared by more than one layer (an adapter and the webhook parsers).

They are *open*: a value a newer server sends that is not listed here is kept as a pseudo-member
(``UNKNOWN_<n>``) rather than failing to decode.
"""

from __future__ import annotations

from .decoding import OpenIntEnum

__all__ = ["MonitorStatus"]


class MonitorStatus(OpenIntEnum):
    """Uptime Kuma's heartbeat/monitor status (``server/model/heartbeat.js``):
    0 down, 1 up, 2 pending, 3 maintenance."""

    DOWN = 0
    UP = 1
    PENDING = 2
    MAINTENANCE = 3

    def __bool__(self) -> bool:
        """Refused: as an int, ``DOWN`` (0) would be false and every other status true, so
        ``if status:`` reads as "is up" and is wrong for ``PENDING`` and ``MAINTENANCE``.

        Raises:
            TypeError: always; compare instead (``status is MonitorStatus.UP``).
        """
        raise TypeError(
            "MonitorStatus has no truth value (DOWN is 0): compare, e.g. status is MonitorStatus.UP"
        )
