"""Plex Media Server (``PlexAdapter``) and plex.tv PIN sign-in (``PlexPinAuth``)."""

from __future__ import annotations

from .adapter import PlexAdapter
from .models import (
    LibrarySection,
    MediaItem,
    MediaPart,
    Metadata,
    PlexConnection,
    PlexIdentity,
    PlexMediaType,
    PlexPin,
    PlexResource,
    PlexSession,
    PlexUser,
    SearchHub,
    SectionLocation,
    SectionPage,
    ServerInfo,
)
from .signin import PlexPinAuth

__all__ = [
    "LibrarySection",
    "MediaItem",
    "MediaPart",
    "Metadata",
    "PlexAdapter",
    "PlexConnection",
    "PlexIdentity",
    "PlexMediaType",
    "PlexPin",
    "PlexPinAuth",
    "PlexResource",
    "PlexSession",
    "PlexUser",
    "SearchHub",
    "SectionLocation",
    "SectionPage",
    "ServerInfo",
]
