"""Follow a Plex Media Server live: items added and removed, scans, playback, one line each.

Run: ``PLEX_URL=http://127.0.0.1:32400 PLEX_TOKEN=... python examples/plex_notifications.py
[COUNT]``: stops after COUNT notifications (default: never; Ctrl-C ends it). The socket
reconnects by itself after a drop. Exits 1 with a one-line reason when the server cannot be
reached or refuses the token.
"""

from __future__ import annotations

import sys

import anyio

import medianest_sdk as mn
from medianest_sdk.plex import (
    ActivityNotification,
    PlaySessionStateNotification,
    PlexNotification,
    StatusNotification,
    TimelineEntry,
    TimelineState,
)


def describe(event: PlexNotification) -> str:
    match event:
        case TimelineEntry(state=TimelineState.CREATED):
            return f"added: {event.title} (item {event.item_id}, section {event.section_id})"
        case TimelineEntry(state=TimelineState.DELETED):
            return f"removed: item {event.item_id}"
        case TimelineEntry():
            state = "?" if event.state is None else event.state.name.lower()
            return f"item {event.item_id} {event.title or ''}: {state}"
        case ActivityNotification():
            return f"{event.activity.title}: {event.event} ({event.activity.progress:.0f} %)"
        case PlaySessionStateNotification():
            return f"session {event.session_key}: {event.state} item {event.rating_key}"
        case StatusNotification():
            return f"status: {event.title}"
        case _:
            return f"({type(event).__name__})"


async def main(count: int | None) -> None:
    async with mn.Services.from_env() as services:  # PLEX_URL, PLEX_TOKEN
        plex = services.plex
        if plex is None:
            sys.exit("set PLEX_URL and PLEX_TOKEN")
        seen = 0
        async with plex.notifications() as stream:
            print("listening", flush=True)
            async for event in stream:
                print(describe(event), flush=True)
                seen += 1
                if count is not None and seen >= count:
                    return


if __name__ == "__main__":
    try:
        anyio.run(main, int(sys.argv[1]) if len(sys.argv) > 1 else None)
    except mn.MediaNestError as exc:
        sys.exit(f"error: {exc}")
    except KeyboardInterrupt:
        pass
