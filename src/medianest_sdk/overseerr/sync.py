"""Seeing every request change on Overseerr and Seerr: a cursor that remembers what it saw.

``updatedAt`` alone cannot be trusted for this: Seerr never moves it on approve or decline (its
column updates only on MySQL), and Overseerr stores it to the whole second, so a change in the
same second as the last sync is invisible to an ``updatedAt > since`` test. So a
:class:`RequestCursor` carries, for every request it saw, a *fingerprint* of what a client
cares about (request status, media status and 4K status, the seasons' statuses, ``updatedAt``),
and a sync reports every request whose fingerprint differs:

- on **Seerr** a sync reads every request (its timestamps do not move) and compares; a request
  no longer listed is reported as removed;
- on **Overseerr** a sync reads ``sort=modified`` pages only until ``updatedAt`` is older than
  the last sync minus an overlap window (``overlap``, 60 s by default: it absorbs whole-second
  timestamps and clock skew), and the fingerprints drop the duplicates the overlap brings.

The cursor serializes to JSON (:meth:`RequestCursor.to_json`), so a sync survives restarts.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

import attrs

from ..decoding import parse_datetime
from .models import MediaRequest

__all__ = ["RequestChange", "RequestCursor", "RequestSync", "fingerprint"]


def fingerprint(request: MediaRequest) -> str:
    """What a change is made of: request status, media statuses, seasons, ``updatedAt``."""
    media = request.media
    seasons = ",".join(f"{s.season_number}:{int(s.status)}" for s in request.seasons)
    return "|".join(
        [
            str(int(request.status)),
            str(int(media.status)) if media else "",
            str(int(media.status4k)) if media else "",
            seasons,
            request.updated_at.isoformat() if request.updated_at else "",
        ]
    )


@attrs.frozen(kw_only=True)
class RequestCursor:
    """Where a request sync left off: the time of the last sync and the fingerprint of every
    request seen (id -> fingerprint). Immutable; each sync returns the next cursor.

    Attributes:
        synced_at: When the last sync read the server (aware UTC), or ``None`` before the first.
        seen: Request id -> fingerprint (see :func:`fingerprint`).
    """

    synced_at: datetime | None = None
    seen: dict[int, str] = attrs.field(factory=dict)

    def to_json(self) -> str:
        """The cursor as JSON text (store it; :meth:`from_json` reads it back)."""
        return json.dumps(
            {
                "version": 1,
                "synced_at": self.synced_at.isoformat() if self.synced_at else None,
                "seen": {str(k): v for k, v in self.seen.items()},
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> RequestCursor:
        """Read a cursor written by :meth:`to_json`.

        Raises:
            ValueError: the text is not such a cursor.
        """
        try:
            data: Any = json.loads(text)
            synced = data["synced_at"]
            seen = {int(k): str(v) for k, v in data["seen"].items()}
            return cls(synced_at=parse_datetime(synced) if synced else None, seen=seen)
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise ValueError(f"not a request cursor ({type(exc).__name__})") from None


@attrs.frozen(kw_only=True)
class RequestChange:
    """One request that is new, changed or gone since the cursor.

    Attributes:
        kind: ``"new"`` (not seen before), ``"changed"`` (its fingerprint differs) or
            ``"removed"`` (no longer listed: deleted; reported on Seerr, which is read whole).
        request_id: The request's id.
        request: The request as it is now (``None`` when removed).
        previous: Its fingerprint at the last sync (``None`` when new).
    """

    kind: Literal["new", "changed", "removed"]
    request_id: int
    request: MediaRequest | None
    previous: str | None = None


@attrs.frozen(kw_only=True)
class RequestSync:
    """What a sync found and the cursor to pass next time."""

    changes: list[RequestChange]
    cursor: RequestCursor


def now_utc() -> datetime:
    """The current time, aware UTC."""
    return datetime.now(UTC)
