"""Incoming webhooks: verify signatures and tokens, then parse typed events. No network calls."""

from __future__ import annotations

from .asgi import WebhookEndpoint
from .headers import HeaderInput, lower_headers
from .parse import (
    GitHubCommit,
    GitHubPing,
    GitHubPullRequest,
    GitHubPush,
    GitHubRelease,
    GitHubRepository,
    GitHubUser,
    GitHubWebhook,
    GitHubWorkflowRun,
    KumaWebhookHeartbeat,
    KumaWebhookMonitor,
    OverseerrNotification,
    OverseerrWebhook,
    PlexEvent,
    PlexWebhook,
    UptimeKumaWebhook,
    WebhookEvent,
    WebhookSource,
    parse_github,
    parse_overseerr,
    parse_plex,
    parse_uptime_kuma,
    parse_webhook,
)
from .verify import DEFAULT_REPLAY_TTL, VerifiedWebhook, WebhookVerifier

__all__ = [
    "DEFAULT_REPLAY_TTL",
    "GitHubCommit",
    "GitHubPing",
    "GitHubPullRequest",
    "GitHubPush",
    "GitHubRelease",
    "GitHubRepository",
    "GitHubUser",
    "GitHubWebhook",
    "GitHubWorkflowRun",
    "HeaderInput",
    "KumaWebhookHeartbeat",
    "KumaWebhookMonitor",
    "OverseerrNotification",
    "OverseerrWebhook",
    "PlexEvent",
    "PlexWebhook",
    "UptimeKumaWebhook",
    "VerifiedWebhook",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookSource",
    "WebhookVerifier",
    "lower_headers",
    "parse_github",
    "parse_overseerr",
    "parse_plex",
    "parse_uptime_kuma",
    "parse_webhook",
]
