"""Incoming webhooks: verify signatures and tokens, then parse typed events. No network calls."""

from __future__ import annotations

from .parse import (
    GitHubWebhook,
    KumaWebhookHeartbeat,
    KumaWebhookMonitor,
    OverseerrNotification,
    OverseerrWebhook,
    PlexEvent,
    PlexWebhook,
    UptimeKumaWebhook,
    parse_github,
    parse_overseerr,
    parse_plex,
    parse_uptime_kuma,
)
from .verify import VerifiedWebhook, WebhookVerifier

__all__ = [
    "GitHubWebhook",
    "KumaWebhookHeartbeat",
    "KumaWebhookMonitor",
    "OverseerrNotification",
    "OverseerrWebhook",
    "PlexEvent",
    "PlexWebhook",
    "UptimeKumaWebhook",
    "VerifiedWebhook",
    "WebhookVerifier",
    "parse_github",
    "parse_overseerr",
    "parse_plex",
    "parse_uptime_kuma",
]
