"""Tour a Plex library: sections, item counts, what was added lately, a search.

Run: ``PLEX_URL=http://127.0.0.1:32400 PLEX_TOKEN=... python examples/plex_library.py [query]``.
Exits 1 with a one-line reason when the server cannot be read.
"""

from __future__ import annotations

import sys

import anyio

import medianest_sdk as mn


async def main(query: str) -> None:
    async with mn.Services.from_env() as services:  # PLEX_URL, PLEX_TOKEN, PLEX_TIMEOUT, ...
        plex = services.plex
        if plex is None:
            sys.exit("set PLEX_URL and PLEX_TOKEN")
        info = await plex.server_info()
        print(f"{info.friendly_name} (Plex {info.version}, {info.platform})")
        for section in await plex.library_sections():
            page = await plex.section_items(section.key, size=1)
            count = "?" if page.total_size is None else page.total_size
            print(f"  [{section.key}] {section.title:<20} {section.type:<7} {count} items")
        for item in (await plex.recently_added())[:5]:
            print(f"  new: {item.title} ({item.year or '-'})")
        for hub in await plex.search(query, limit=3):
            print(f"  search {query!r} / {hub.title}: {', '.join(i.title for i in hub.items)}")


if __name__ == "__main__":
    try:
        anyio.run(main, sys.argv[1] if len(sys.argv) > 1 else "the")
    except mn.MediaNestError as exc:
        sys.exit(f"error: {exc}")
