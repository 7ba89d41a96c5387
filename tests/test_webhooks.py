from __future__ import annotations

import base64
import contextlib
import json
import os
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

import anyio
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

import medianest_sdk as mn
from medianest_sdk import WebhookFailure, WebhookVerifier
from medianest_sdk.enums import MonitorStatus
from medianest_sdk.testing import ManualClock
from medianest_sdk.webhooks import (
    GitHubPing,
    GitHubPullRequest,
    GitHubPush,
    GitHubRelease,
    GitHubWebhook,
    GitHubWorkflowRun,
    OverseerrNotification,
    PlexEvent,
    parse_github,
    parse_overseerr,
    parse_plex,
    parse_uptime_kuma,
)

from .recorded import DATA, recorded_json

NOW = 1_763_700_000


def fixed_now() -> float:
    return float(NOW)


def verify(
    verifier: WebhookVerifier, headers: dict[str, str], body: bytes, **kw: object
) -> mn.VerifiedWebhook:
    return anyio.run(lambda: verifier.verify(headers, body, **kw))  # type: ignore[arg-type]


def reason_of(
    verifier: WebhookVerifier, headers: dict[str, str], body: bytes, **kw: object
) -> WebhookFailure:
    with pytest.raises(mn.WebhookVerificationError) as info:
        verify(verifier, headers, body, **kw)
    reason: WebhookFailure = info.value.reason
    return reason


# -- GitHub -----------------------------------------------------------------------------------


def test_github_documented_example() -> None:
    verifier = WebhookVerifier.github("It's a Secret to Everybody")
    headers = {
        "X-Hub-Signature-256": (
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        ),
        "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    }
    delivery = verify(verifier, headers, b"Hello, World!")
    assert delivery.scheme == "github"
    assert delivery.id == "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    assert verifier.sign(b"Hello, World!")["X-Hub-Signature-256"] == headers["X-Hub-Signature-256"]
    assert reason_of(verifier, headers, b"Hello, World?") is WebhookFailure.BAD_SIGNATURE
    assert reason_of(verifier, {}, b"x") is WebhookFailure.MISSING_HEADER
    assert (
        reason_of(verifier, {"X-Hub-Signature-256": "md5=abc"}, b"x")
        is WebhookFailure.MALFORMED_HEADER
    )


def test_rotation_accepts_any_listed_secret() -> None:
    old = WebhookVerifier.github("old-secret")
    both = WebhookVerifier.github(["new-secret", "old-secret"])
    headers = old.sign(b"{}", id="d1")
    assert verify(both, headers, b"{}").id == "d1"


def test_github_replay_is_keyed_on_what_the_signature_covers() -> None:
    cache = mn.MemoryCache()
    verifier = WebhookVerifier.github("s3cret", cache=cache)
    headers = verifier.sign(b"{}", id="delivery-1")
    verify(verifier, headers, b"{}")
    assert reason_of(verifier, headers, b"{}") is WebhookFailure.REPLAYED
    # the delivery id is not signed: a new one (or none) does not make a replay new
    renamed = {**headers, "X-GitHub-Delivery": "delivery-2"}
    assert reason_of(verifier, renamed, b"{}") is WebhookFailure.REPLAYED
    bare = {"X-Hub-Signature-256": headers["X-Hub-Signature-256"]}
    assert reason_of(verifier, bare, b"{}") is WebhookFailure.REPLAYED
    # a forged delivery burns nothing: another body still passes
    forged = {"X-Hub-Signature-256": "sha256=" + "0" * 64, "X-GitHub-Delivery": "delivery-3"}
    assert reason_of(verifier, forged, b"[]") is WebhookFailure.BAD_SIGNATURE
    verify(verifier, verifier.sign(b"[]", id="delivery-3"), b"[]")


def test_standard_replay_is_remembered_until_the_timestamp_expires() -> None:
    clock = ManualClock(NOW)
    cache = mn.MemoryCache(clock=clock)
    verifier = WebhookVerifier.standard(WHSEC, cache=cache, now=clock.now)
    headers = verifier.sign(b"{}", id="msg_future", timestamp=NOW + 299)
    verify(verifier, headers, b"{}")
    clock.advance(301)
    # 301 s later the stamp (now 2 s old) still passes: so the id must still be remembered
    assert reason_of(verifier, headers, b"{}") is WebhookFailure.REPLAYED
    clock.advance(300)
    assert reason_of(verifier, headers, b"{}") is WebhookFailure.TIMESTAMP_TOO_OLD


def test_svix_header_names_are_accepted() -> None:
    verifier = WebhookVerifier.standard(WHSEC, now=fixed_now)
    signed = verifier.sign(b'{"a":1}', id="msg_svix", timestamp=NOW)
    svix = {name.replace("webhook-", "svix-"): value for name, value in signed.items()}
    assert verify(verifier, svix, b'{"a":1}').id == "msg_svix"
    assert reason_of(verifier, svix, b'{"a":2}') is WebhookFailure.BAD_SIGNATURE


def test_unpadded_whsec_secrets_work() -> None:
    raw = b"sixteen byte key"
    padded = "whsec_" + base64.b64encode(raw).decode()
    unpadded = padded.rstrip("=")
    assert padded != unpadded
    a = WebhookVerifier.standard(padded, now=fixed_now)
    b = WebhookVerifier.standard(unpadded, now=fixed_now)
    assert verify(b, a.sign(b"x", id="m", timestamp=NOW), b"x").id == "m"


def test_stripe_style_checks_only_the_past_and_takes_no_tolerance() -> None:
    stripe = WebhookVerifier.hmac("key", header="Stripe-Signature", style="stripe", now=fixed_now)
    future = stripe.sign(b"b", timestamp=NOW + 10_000)
    assert verify(stripe, future, b"b").timestamp == NOW + 10_000  # as stripe-python
    anytime = WebhookVerifier.hmac(
        "key", header="Stripe-Signature", style="stripe", tolerance=None, now=fixed_now
    )
    assert verify(anytime, stripe.sign(b"b", timestamp=1), b"b").timestamp == 1
    # a plain timestamped HMAC still refuses the future
    plain = WebhookVerifier.hmac("key", header="X-Sig", timestamp_header="X-Ts", now=fixed_now)
    ahead = plain.sign(b"b", timestamp=NOW + 10_000)
    assert reason_of(plain, ahead, b"b") is WebhookFailure.TIMESTAMP_IN_FUTURE


def test_a_lone_surrogate_in_a_delivery_id_is_not_a_crash() -> None:
    verifier = WebhookVerifier.standard(WHSEC, cache=mn.MemoryCache(), now=fixed_now)
    headers = {
        "webhook-id": "msg_\udc80",
        "webhook-timestamp": str(NOW),
        "webhook-signature": "v1," + base64.b64encode(b"x" * 32).decode(),
    }
    assert reason_of(verifier, headers, b"{}") is WebhookFailure.BAD_SIGNATURE


def test_body_size_is_checked_first() -> None:
    verifier = WebhookVerifier.github("s", max_body_size=10)
    assert reason_of(verifier, {}, b"x" * 11) is WebhookFailure.BODY_TOO_LARGE


def test_messages_hold_no_secret() -> None:
    secret = "super-secret-value-123"
    verifier = WebhookVerifier.shared_secret(f"Bearer {secret}")
    with pytest.raises(mn.WebhookVerificationError) as info:
        verify(verifier, {"Authorization": f"Bearer {secret}x"}, b"{}")
    assert secret not in str(info.value)
    assert secret not in repr(verifier)
    for scheme in (  # nor in what a debugger shows of any verifier's attributes
        verifier,
        WebhookVerifier.github(secret),
        WebhookVerifier.hmac(secret, header="X-Sig"),
        WebhookVerifier.url_token(secret),
        WebhookVerifier.standard("whsec_" + base64.b64encode(secret.encode()).decode()),
    ):
        shown = repr(vars(scheme))
        assert secret not in shown
        assert base64.b64encode(secret.encode()).decode() not in shown
        assert secret.encode().hex() not in shown


# -- Standard Webhooks ------------------------------------------------------------------------

WHSEC = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


def test_standard_hmac_round_trip_and_timestamps() -> None:
    verifier = WebhookVerifier.standard(WHSEC, now=fixed_now)
    headers = verifier.sign(b'{"type":"x"}', id="msg_1", timestamp=NOW)
    assert headers["webhook-signature"].startswith("v1,")
    delivery = verify(verifier, headers, b'{"type":"x"}')
    assert (delivery.id, delivery.timestamp) == ("msg_1", NOW)
    old = verifier.sign(b"{}", id="m", timestamp=NOW - 301)
    assert reason_of(verifier, old, b"{}") is WebhookFailure.TIMESTAMP_TOO_OLD
    future = verifier.sign(b"{}", id="m", timestamp=NOW + 301)
    assert reason_of(verifier, future, b"{}") is WebhookFailure.TIMESTAMP_IN_FUTURE
    bad_ts = {**headers, "webhook-timestamp": "soon"}
    assert reason_of(verifier, bad_ts, b'{"type":"x"}') is WebhookFailure.MALFORMED_HEADER


def test_standard_known_vector() -> None:
    # The Standard Webhooks specification's published example vector.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    headers = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    verifier = WebhookVerifier.standard(secret, now=lambda: 1614265330.0)
    assert verify(verifier, headers, body).id == "msg_p5jXN8AQM9LWM0D4loKWxJek"


def test_standard_ed25519_v1a() -> None:
    private = Ed25519PrivateKey.generate()
    raw_public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    raw_private = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    signer = WebhookVerifier.standard(
        "whsk_" + base64.b64encode(raw_private).decode(), now=fixed_now
    )
    checker = WebhookVerifier.standard(
        "whpk_" + base64.b64encode(raw_public).decode(), now=fixed_now
    )
    headers = signer.sign(b"payload", id="msg_2", timestamp=NOW)
    assert headers["webhook-signature"].startswith("v1a,")
    assert verify(checker, headers, b"payload").id == "msg_2"
    assert reason_of(checker, headers, b"payloaD") is WebhookFailure.BAD_SIGNATURE
    with pytest.raises(ValueError, match="signing needs"):
        checker.sign(b"x")


def test_standard_rejects_bad_secrets() -> None:
    with pytest.raises(ValueError, match="whsec_"):
        WebhookVerifier.standard("whsec_***not base64***")


# -- generic HMAC, Stripe style, shared secret, URL token ---------------------------------------


def test_generic_hmac_variants() -> None:
    for kwargs in (
        {"header": "X-Signature"},
        {"header": "X-Signature", "encoding": "base64", "prefix": "sha256="},
        {"header": "X-Sig", "algorithm": "sha512", "timestamp_header": "X-Timestamp"},
        {"header": "Stripe-Signature", "style": "stripe"},
    ):
        verifier = WebhookVerifier.hmac("key", now=fixed_now, **kwargs)  # type: ignore[arg-type]
        headers = verifier.sign(b"body", timestamp=NOW)
        assert verify(verifier, headers, b"body").scheme == "hmac"
        assert reason_of(verifier, headers, b"bodY") is WebhookFailure.BAD_SIGNATURE
    stripe = WebhookVerifier.hmac("key", header="Stripe-Signature", style="stripe", now=fixed_now)
    stale = stripe.sign(b"b", timestamp=NOW - 1000)
    assert reason_of(stripe, stale, b"b") is WebhookFailure.TIMESTAMP_TOO_OLD
    with pytest.raises(ValueError, match="algorithm"):
        WebhookVerifier.hmac("k", header="X", algorithm="nope")


def test_shared_secret_and_url_token() -> None:
    overseerr = WebhookVerifier.shared_secret("Bearer abc")
    assert verify(overseerr, {"authorization": "Bearer abc"}, b"{}").scheme == "shared_secret"
    assert (
        reason_of(overseerr, {"Authorization": "Bearer abd"}, b"{}") is WebhookFailure.BAD_SIGNATURE
    )
    plex = WebhookVerifier.url_token("t0ken")
    assert verify(plex, {}, b"", query={"token": "t0ken"}).scheme == "url_token"
    assert reason_of(plex, {}, b"", query={"token": "nope"}) is WebhookFailure.BAD_SIGNATURE
    assert reason_of(plex, {}, b"") is WebhookFailure.MISSING_HEADER


def test_asgi_style_header_pairs() -> None:
    verifier = WebhookVerifier.github("s")
    pairs = [(k.lower().encode(), v.encode()) for k, v in verifier.sign(b"{}", id="x").items()]
    assert anyio.run(lambda: verifier.verify(pairs, b"{}")).id == "x"


# -- properties ---------------------------------------------------------------------------------

SCHEMES = {
    "github": lambda secrets: WebhookVerifier.github(secrets, now=fixed_now),
    "standard": lambda secrets: WebhookVerifier.standard(
        ["whsec_" + base64.b64encode(s.encode()).decode() for s in secrets], now=fixed_now
    ),
    "hmac": lambda secrets: WebhookVerifier.hmac(
        secrets, header="X-Sig", timestamp_header="X-Ts", now=fixed_now
    ),
    "stripe": lambda secrets: WebhookVerifier.hmac(
        secrets, header="Stripe-Signature", style="stripe", now=fixed_now
    ),
}
secret_lists = st.lists(
    st.text("abcdefghijklmnop0123456789", min_size=8, max_size=20),
    min_size=1,
    max_size=3,
    unique=True,
)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(SCHEMES)), secret_lists, st.binary(max_size=300), st.data())
def test_sign_verify_round_trip_and_any_flipped_byte_fails(
    scheme: str, secrets: list[str], body: bytes, data: st.DataObject
) -> None:
    signer = SCHEMES[scheme](secrets)
    headers = signer.sign(body, id="msg_abc", timestamp=NOW)
    # rotation: the order of the secrets does not matter
    shuffled = data.draw(st.permutations(secrets))
    verify(SCHEMES[scheme](shuffled), headers, body)
    # flip one byte of the body
    if body:
        i = data.draw(st.integers(0, len(body) - 1))
        flipped = body[:i] + bytes([body[i] ^ data.draw(st.integers(1, 255))]) + body[i + 1 :]
        with pytest.raises(mn.WebhookVerificationError):
            verify(signer, headers, flipped)
    # flip one character of any signed header value (GitHub does not sign the delivery id)
    name = data.draw(st.sampled_from(sorted(set(headers) - {"X-GitHub-Delivery"})))
    value = headers[name]
    j = data.draw(st.integers(0, len(value) - 1))
    replacement = data.draw(st.sampled_from("0123456789abcdefXYZ+/=,"))
    if replacement != value[j]:
        tampered = {**headers, name: value[:j] + replacement + value[j + 1 :]}
        with pytest.raises(mn.WebhookVerificationError):
            verify(signer, tampered, body)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([*sorted(SCHEMES), "shared", "url"]),
    st.dictionaries(
        st.sampled_from(
            [
                "X-Hub-Signature-256",
                "webhook-id",
                "webhook-timestamp",
                "webhook-signature",
                "X-Sig",
                "X-Ts",
                "Stripe-Signature",
                "Authorization",
                "x-other",
            ]
        ),
        st.text(max_size=80),
    ),
    st.binary(max_size=200),
)
def test_junk_only_ever_raises_verification_errors(
    scheme: str, headers: dict[str, str], body: bytes
) -> None:
    verifier = {
        "shared": lambda: WebhookVerifier.shared_secret("Bearer x"),
        "url": lambda: WebhookVerifier.url_token("tok"),
    }.get(scheme, lambda: SCHEMES[scheme](["secret-one"]))()
    with pytest.raises(mn.WebhookVerificationError):
        verify(verifier, headers, body, query={"token": "junk"})


@settings(max_examples=80, deadline=None)
@given(
    secret=st.binary(min_size=1, max_size=200),  # shorter and longer than SHA-256's block
    body=st.binary(max_size=2000),
    spelling=st.sampled_from(
        ["X-Hub-Signature-256", "x-hub-signature-256", "X-HUB-SIGNATURE-256", "x-Hub-Signature-256"]
    ),
    container=st.sampled_from(["dict", "httpx.Headers", "asgi pairs", "bytes dict"]),
    flip=st.integers(0, 63),
)
def test_github_agrees_with_the_standard_library_in_any_header_container(
    secret: bytes, body: bytes, spelling: str, container: str, flip: int
) -> None:
    """Signed by ``hmac.new`` as GitHub's docs do, sent in any spelling and any container a
    framework hands over: it verifies, and one changed hex digit does not."""
    import hashlib
    import hmac

    import httpx

    digest = hmac.new(secret, body, hashlib.sha256).hexdigest()

    def headers(signature: str) -> Any:
        sent = {
            "Content-Type": "application/json",
            spelling: f"sha256={signature}",
            "x-GITHUB-delivery": "d-1",
            "User-Agent": "GitHub-Hookshot/1",
        }
        if container == "httpx.Headers":
            return httpx.Headers(sent)
        if container == "asgi pairs":
            return [(k.lower().encode(), v.encode()) for k, v in sent.items()]
        if container == "bytes dict":
            return {k.encode(): v.encode() for k, v in sent.items()}
        return sent

    verifier = WebhookVerifier.github(secret)
    delivery = anyio.run(lambda: verifier.verify(headers(digest), body))
    assert (delivery.scheme, delivery.id, delivery.body) == ("github", "d-1", body)
    changed = digest[:flip] + ("0" if digest[flip] != "0" else "1") + digest[flip + 1 :]
    with pytest.raises(mn.WebhookVerificationError) as info:
        anyio.run(lambda: verifier.verify(headers(changed), body))
    assert info.value.reason is WebhookFailure.BAD_SIGNATURE


@settings(max_examples=60, deadline=None)
@given(
    key=st.binary(min_size=1, max_size=100),
    body=st.binary(max_size=2000),
    prefix=st.sampled_from(["webhook", "svix", "Webhook", "SVIX"]),
    msg_id=st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=40),
)
def test_standard_agrees_with_the_standard_library(
    key: bytes, body: bytes, prefix: str, msg_id: str
) -> None:
    """A ``v1`` signature computed by ``hmac.new`` over ``{id}.{timestamp}.{body}`` (the spec's
    content), under either header family in any case, verifies; another entry first does not
    stop it."""
    import hashlib
    import hmac

    signed = f"{msg_id}.{NOW}.".encode() + body
    signature = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    secret = "whsec_" + base64.b64encode(key).decode().rstrip("=")
    headers = {
        f"{prefix}-Id": msg_id,
        f"{prefix}-Timestamp": str(NOW),
        f"{prefix}-Signature": f"v1,{base64.b64encode(bytes(32)).decode()} v1,{signature}",
    }
    delivery = verify(WebhookVerifier.standard(secret, now=fixed_now), headers, body)
    assert (delivery.id, delivery.timestamp) == (msg_id, NOW)


def test_a_header_whose_value_is_none_is_missing() -> None:
    verifier = WebhookVerifier.github("s")
    headers: Any = {"X-Hub-Signature-256": None, "x-hub-signature-256": None}
    assert reason_of(verifier, headers, b"{}") is WebhookFailure.MISSING_HEADER


def test_a_verified_delivery_is_immutable_and_its_repr_hides_the_body() -> None:
    verifier = WebhookVerifier.github("s")
    delivery = verify(verifier, verifier.sign(b'{"secret": 1}', id="d-9"), b'{"secret": 1}')
    assert repr(delivery) == (
        "VerifiedWebhook(scheme='github', id='d-9', timestamp=None, body=<13 bytes>)"
    )
    with pytest.raises(AttributeError):
        delivery.id = "other"  # type: ignore[misc]


# -- parsers ----------------------------------------------------------------------------------

PLEX_PAYLOAD = {
    "event": "media.play",
    "user": True,
    "owner": True,
    "Account": {"id": 1, "thumb": "https://plex.tv/users/1/avatar", "title": "admin"},
    "Server": {"title": "Living Room", "uuid": "abc123"},
    "Player": {"local": True, "publicAddress": "203.0.113.7", "title": "TV", "uuid": "p1"},
    "Metadata": {
        "librarySectionType": "show",
        "ratingKey": "1936",
        "key": "/library/metadata/1936",
        "grandparentTitle": "The Expanse",
        "type": "episode",
        "title": "Dulcinea",
        "librarySectionID": 2,
        "addedAt": 1700000000,
    },
}


def plex_multipart(payload: dict[str, object], thumb: bytes | None) -> tuple[bytes, str]:
    boundary = "------------------------0f2a6b3c9d1e"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="payload"\r\n'
        f"Content-Type: application/json\r\n\r\n{json.dumps(payload)}\r\n".encode()
    ]
    if thumb is not None:
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; "
            'name="thumb"; filename="image.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n".encode()
            + thumb
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_parse_plex_with_and_without_thumb() -> None:
    jpeg = b"\xff\xd8\xff\xe0" + os.urandom(2000) + b"\xff\xd9"
    body, content_type = plex_multipart(PLEX_PAYLOAD, jpeg)
    hook = parse_plex(body, content_type)
    assert hook.event is PlexEvent.MEDIA_PLAY
    assert (hook.account_title, hook.server_uuid, hook.player_local) == ("admin", "abc123", True)
    assert (hook.rating_key, hook.media_type, hook.grandparent_title) == (
        "1936",
        "episode",
        "The Expanse",
    )
    assert hook.section_id == 2
    assert hook.thumb == jpeg
    assert "bytes>" in repr(hook)
    body, content_type = plex_multipart({**PLEX_PAYLOAD, "event": "library.new"}, None)
    hook = parse_plex(body, content_type)
    assert hook.event is PlexEvent.LIBRARY_NEW
    assert hook.thumb is None


def test_parse_plex_keeps_unknown_events() -> None:
    body, content_type = plex_multipart({"event": "media.future"}, None)
    assert parse_plex(body, content_type).event == "media.future"


OVERSEERR_BODY: dict[str, object] = {
    "notification_type": "MEDIA_PENDING",
    "event": "New Movie Request",
    "subject": "Dune (2021)",
    "message": "A spice saga.",
    "image": "https://image.tmdb.org/t/p/w600_and_h900_bestv2/x.jpg",
    "media": {
        "media_type": "movie",
        "tmdbId": "438631",
        "tvdbId": "",
        "status": "PENDING",
        "status4k": "UNKNOWN",
    },
    "request": {
        "request_id": "12",
        "requestedBy_email": "u@example.org",
        "requestedBy_username": "u",
    },
    "issue": None,
    "comment": None,
    "extra": [],
}


def test_parse_overseerr_default_template() -> None:
    hook = parse_overseerr(json.dumps(OVERSEERR_BODY).encode())
    assert hook.notification_type is OverseerrNotification.MEDIA_PENDING
    assert (hook.tmdb_id, hook.tvdb_id, hook.request_id) == (438631, None, 12)
    assert hook.media_status == "PENDING"
    assert hook.requested_by_username == "u"
    edited = {"notification_type": "TEST_NOTIFICATION", "subject": "Test", "mine": 1}
    assert parse_overseerr(json.dumps(edited).encode()).media_type is None
    assert parse_overseerr(b'{"notification_type":"NEW_KIND"}').notification_type == "NEW_KIND"


KUMA_BODY = {
    "heartbeat": {
        "monitorID": 1,
        "status": 0,
        "time": "2026-11-21 06:00:00.123",
        "msg": "timeout",
        "ping": None,
        "important": True,
    },
    "monitor": {
        "id": 1,
        "name": "Plex",
        "type": "http",
        "url": "http://127.0.0.1:32400",
        "hostname": None,
        "port": None,
    },
    "msg": "[Plex] [🔴 Down] timeout",
}


def test_parse_uptime_kuma_json_and_form() -> None:
    hook = parse_uptime_kuma(json.dumps(KUMA_BODY).encode(), "application/json")
    assert hook.heartbeat is not None and hook.monitor is not None
    assert hook.heartbeat.status is MonitorStatus.DOWN
    assert hook.heartbeat.time is not None and hook.heartbeat.time.utcoffset() is not None
    assert hook.heartbeat.time.isoformat() == "2026-11-21T06:00:00.123000+00:00"
    assert hook.monitor.name == "Plex"
    boundary = "XyZ"
    form = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="data"\r\n\r\n'
        f"{json.dumps(KUMA_BODY)}\r\n--{boundary}--\r\n"
    ).encode()
    assert (
        parse_uptime_kuma(form, f"multipart/form-data; boundary={boundary}").msg == KUMA_BODY["msg"]
    )
    test_note = parse_uptime_kuma(
        b'{"heartbeat":null,"monitor":null,"msg":"Test"}', "application/json"
    )
    assert test_note.heartbeat is None


GITHUB = DATA / "webhooks" / "github"


@pytest.mark.parametrize("path", sorted(GITHUB.glob("*.json")), ids=lambda p: p.stem)
def test_github_payloads_structure(path: Path) -> None:
    event = path.stem.split(".")[0]
    hook = parse_github({"X-GitHub-Event": event, "X-GitHub-Delivery": "d-1"}, path.read_bytes())
    assert hook.event == event and hook.delivery_id == "d-1"
    assert hook.data is not None
    assert type(hook.data).__name__.lower().replace("_", "") == "github" + event.replace("_", "")


def test_github_typed_fields() -> None:
    def load(event: str) -> object:
        body = (GITHUB / f"{event}.json").read_bytes()
        return parse_github({"X-GitHub-Event": event}, body).data

    push = load("push")
    assert isinstance(push, GitHubPush)
    assert push.ref == "refs/heads/main" and push.commits[0].message.startswith("Fix")
    assert push.repository is not None and push.repository.full_name == "example-org/medianest"
    release = load("release")
    assert isinstance(release, GitHubRelease) and release.release.tag_name == "v0.2.0"
    run = load("workflow_run")
    assert isinstance(run, GitHubWorkflowRun) and run.workflow_run.conclusion == "success"
    pr = load("pull_request")
    assert isinstance(pr, GitHubPullRequest) and pr.number == 17 and pr.action == "opened"
    hook = parse_github({"X-GitHub-Event": "star"}, b'{"action":"created"}')
    assert (hook.data, hook.action) == (None, "created")  # unknown events stay untyped
    with pytest.raises(mn.DecodeError):
        parse_github({}, b"{}")
    with pytest.raises(mn.DecodeError, match="release"):
        parse_github({"X-GitHub-Event": "release"}, b'{"action":"published"}')


@pytest.mark.parametrize("value", ["--1", "\u00b2", "9" * 5000, {"a": 1}, [1]])
def test_hostile_field_values_end_in_decode_error(value: object) -> None:
    bodies = {
        "overseerr": {"notification_type": "MEDIA_PENDING", "media": {"tmdbId": value}},
        "kuma status": {"heartbeat": {"status": value}},
        "kuma monitor": {"heartbeat": {"monitorID": value}},
        "plex": {"event": "media.play", "Account": {"id": value}},
        "github": {"ref": "r", "commits": [{"id": "c", "timestamp": value}]},
    }
    parsers: dict[str, Callable[[bytes], object]] = {
        "overseerr": parse_overseerr,
        "kuma status": lambda b: parse_uptime_kuma(b, "application/json"),
        "kuma monitor": lambda b: parse_uptime_kuma(b, "application/json"),
        "plex": lambda b: parse_plex(b, "application/json"),
        "github": lambda b: parse_github({"X-GitHub-Event": "push"}, b),
    }
    for name, data in bodies.items():
        with pytest.raises(mn.DecodeError):
            parsers[name](json.dumps(data).encode())


def test_deep_json_ends_in_decode_error_in_every_parser() -> None:
    deep = b"[" * 100_000
    form = b"data=" + deep
    for parse in (
        lambda: parse_overseerr(deep),
        lambda: parse_plex(deep, "application/json"),
        lambda: parse_uptime_kuma(deep, "application/json"),
        lambda: parse_uptime_kuma(form, "application/x-www-form-urlencoded"),
        lambda: parse_github({"X-GitHub-Event": "push"}, deep),
    ):
        with pytest.raises(mn.DecodeError, match="nested too deeply"):
            parse()


def test_template_numbers_as_strings_and_empties() -> None:
    body = json.dumps(
        {"notification_type": "MEDIA_AVAILABLE", "media": {"tmdbId": "603", "tvdbId": ""}}
    ).encode()
    hook = parse_overseerr(body)
    assert (hook.tmdb_id, hook.tvdb_id) == (603, None)


def test_uptime_kuma_get_method_reads_the_query() -> None:
    query = {
        "msg": "[site] [Up] 200 - OK",
        "heartbeat": json.dumps({"monitorID": 3, "status": 1, "time": "2026-11-21 10:00:00.000"}),
        "monitor": json.dumps({"id": 3, "name": "site", "type": "http"}),
    }
    hook = parse_uptime_kuma(b"", "", query=query)
    assert hook.msg == "[site] [Up] 200 - OK"
    assert hook.heartbeat is not None and hook.heartbeat.status is MonitorStatus.UP
    assert hook.monitor is not None and hook.monitor.name == "site"
    test_message = parse_uptime_kuma(b"", "", query={"msg": "Uptime Kuma test"})
    assert test_message.heartbeat is None and test_message.monitor is None


async def test_unwrap_verifies_then_parses_in_one_call() -> None:
    verifier = WebhookVerifier.github("s")
    body = (GITHUB / "ping.json").read_bytes()
    event = await verifier.unwrap({**verifier.sign(body), "X-GitHub-Event": "ping"}, body)
    assert isinstance(event, mn.webhooks.GitHubWebhook) and isinstance(event.data, GitHubPing)
    seerr = WebhookVerifier.shared_secret("Bearer x", source="overseerr")
    body = json.dumps(OVERSEERR_BODY).encode()
    parsed = await seerr.unwrap({"Authorization": "Bearer x"}, body)
    assert isinstance(parsed, mn.webhooks.OverseerrWebhook)
    with pytest.raises(mn.WebhookVerificationError):
        await seerr.unwrap({"Authorization": "Bearer y"}, body)
    with pytest.raises(mn.DecodeError):
        await seerr.unwrap({"Authorization": "Bearer x"}, b"[]")
    assert seerr.unwrap_sync({"Authorization": "Bearer x"}, body) == parsed


def test_unwrap_sync_keeps_replay_protection_in_memory() -> None:
    verifier = WebhookVerifier.github("s", cache=mn.MemoryCache())
    body = (GITHUB / "ping.json").read_bytes()
    headers = {**verifier.sign(body), "X-GitHub-Event": "ping"}
    verifier.unwrap_sync(headers, body)
    with pytest.raises(mn.WebhookVerificationError) as info:
        verifier.unwrap_sync(headers, body)
    assert info.value.reason is WebhookFailure.REPLAYED


# -- the ASGI endpoint ------------------------------------------------------------------------


class AsgiCall:
    """Drive an ASGI app by hand: chunks in, status and body out, chunks actually read."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.read = 0
        self.sent: list[MutableMapping[str, Any]] = []

    async def receive(self) -> MutableMapping[str, Any]:
        chunk = self.chunks[self.read]
        self.read += 1
        return {"type": "http.request", "body": chunk, "more_body": self.read < len(self.chunks)}

    async def send(self, message: MutableMapping[str, Any]) -> None:
        self.sent.append(message)

    @property
    def status(self) -> object:
        return self.sent[0]["status"]

    @property
    def json(self) -> object:
        body = self.sent[1]["body"]
        assert isinstance(body, bytes)
        return json.loads(body) if body else None


def scope(method: str = "POST", headers: dict[str, str] | None = None) -> dict[str, object]:
    pairs = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return {"type": "http", "method": method, "path": "/", "headers": pairs, "query_string": b""}


async def test_webhook_endpoint_answers_without_leaking_and_stops_reading_early() -> None:
    got: list[object] = []

    async def handler(event: object) -> None:
        got.append(event)

    verifier = WebhookVerifier.shared_secret("Bearer x", source="overseerr", max_body_size=100)
    endpoint = mn.WebhookEndpoint(verifier, handler)
    body = json.dumps({"notification_type": "TEST_NOTIFICATION"}).encode()
    ok = AsgiCall([body])
    await endpoint(scope(headers={"Authorization": "Bearer x"}), ok.receive, ok.send)
    assert ok.status == 204 and len(got) == 1
    forged = AsgiCall([body])
    await endpoint(
        scope(headers={"Authorization": "Bearer s3cr3t-guess"}), forged.receive, forged.send
    )
    assert (forged.status, forged.json) == (401, {"error": "bad_signature"})
    junk = AsgiCall([b"[1]"])
    await endpoint(scope(headers={"Authorization": "Bearer x"}), junk.receive, junk.send)
    assert (junk.status, junk.json) == (400, {"error": "body_not_understood"})
    huge = AsgiCall([b"x" * 60] * 1000)
    await endpoint(scope(headers={"Authorization": "Bearer x"}), huge.receive, huge.send)
    assert huge.status == 413 and huge.read == 2  # stopped at the chunk that passed the limit
    declared = AsgiCall([b""])
    await endpoint(scope(headers={"Content-Length": "999999"}), declared.receive, declared.send)
    assert declared.status == 413 and declared.read == 0
    wrong = AsgiCall([b""])
    await endpoint(scope("PUT"), wrong.receive, wrong.send)
    assert wrong.status == 405
    assert len(got) == 1


@settings(max_examples=100, deadline=None)
@given(
    st.binary(max_size=300),
    st.sampled_from(
        [
            "application/json",
            "multipart/form-data; boundary=XyZ",
            "multipart/form-data",
            "application/x-www-form-urlencoded",
            "text/plain",
            "",
        ]
    ),
)
def test_parsers_raise_only_decode_errors_on_junk(body: bytes, content_type: str) -> None:
    for parse in (
        lambda: parse_plex(body, content_type),
        lambda: parse_overseerr(body),
        lambda: parse_uptime_kuma(body, content_type),
        lambda: parse_github({"X-GitHub-Event": "push", "Content-Type": content_type}, body),
    ):
        with contextlib.suppress(mn.DecodeError):
            parse()


@settings(max_examples=60, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=15,
    )
)
def test_parsers_survive_odd_json_shapes(value: object) -> None:
    for key in ("event", "notification_type", "heartbeat", "monitor", "Metadata", "media"):
        body = json.dumps({key: value, "event": "x", "notification_type": "X"}).encode()
        for parse in (
            lambda b: parse_plex(b, "application/json"),
            parse_overseerr,
            lambda b: parse_uptime_kuma(b, "application/json"),
        ):
            with contextlib.suppress(mn.DecodeError):
                parse(body)


# -- third-party artefacts: the senders' own formats ---------------------------------------


def _render_overseerr(template: Any, values: dict[str, str], present: set[str]) -> Any:
    """Render the webhook template as Overseerr's webhook agent does (``parseKeys``): a
    ``"{{media}}"``-style key becomes ``"media"`` when the notification has that object and is
    dropped otherwise; ``"{{var}}"`` in a value becomes the variable's text."""
    if isinstance(template, dict):
        out: dict[str, Any] = {}
        for key, value in template.items():
            if key.startswith("{{") and key.endswith("}}"):
                name = key[2:-2]
                if name in present:
                    out[name] = _render_overseerr(value, values, present)
                continue
            out[key] = _render_overseerr(value, values, present)
        return out
    if isinstance(template, str):
        for name, value in values.items():
            template = template.replace("{{" + name + "}}", value)
        return template
    return template


@pytest.mark.parametrize("server", ["overseerr", "seerr-3.1"])
def test_the_servers_own_default_template_parses(server: str) -> None:
    """The default JSON template recorded from the real servers' settings, rendered as their
    agent renders it, for a movie request and for a test notification."""
    raw = recorded_json(server, "settings_notifications_webhook")["options"]["jsonPayload"]
    template = json.loads(raw)
    values = {
        "notification_type": "MEDIA_PENDING",
        "event": "New Movie Request",
        "subject": "The Matrix (1999)",
        "message": "A new request",
        "image": "",
        "media_type": "movie",
        "media_tmdbid": "603",
        "media_tvdbid": "",
        "media_status": "PENDING",
        "media_status4k": "UNKNOWN",
        "request_id": "12",
        "requestedBy_email": "friend@seerr.test",
        "requestedBy_username": "friend",
    }
    body = json.dumps(_render_overseerr(template, values, {"media", "request"})).encode()
    hook = parse_overseerr(body)
    assert hook.notification_type is OverseerrNotification.MEDIA_PENDING
    assert (hook.tmdb_id, hook.tvdb_id, hook.request_id) == (603, None, 12)
    assert hook.requested_by_username == "friend" and hook.issue is None
    test = {**values, "notification_type": "TEST_NOTIFICATION"}
    plain = parse_overseerr(json.dumps(_render_overseerr(template, test, set())).encode())
    assert plain.notification_type is OverseerrNotification.TEST_NOTIFICATION
    assert plain.media is None and plain.tmdb_id is None


OCTOKIT = DATA / "webhooks" / "octokit"


def _octokit_payloads() -> list[Path]:
    return sorted(OCTOKIT.rglob("*.json"))


@pytest.mark.parametrize("path", _octokit_payloads(), ids=lambda p: str(p.relative_to(OCTOKIT)))
def test_octokit_published_payloads_parse_with_every_field_kept(path: Path) -> None:
    """octokit/webhooks' payload examples (MIT; see the README here) become typed events whose
    fields are the payload's own values, signed and verified end to end."""
    event = path.parent.name
    body = path.read_bytes()
    raw = json.loads(body)
    verifier = WebhookVerifier.github("It's a Secret to Everybody", source="github")
    headers = {**verifier.sign(body), "X-GitHub-Event": event}
    hook = verifier.unwrap_sync(headers, body)
    assert isinstance(hook, GitHubWebhook)
    assert hook.event == event and hook.action == raw.get("action")
    data = hook.data
    repository = raw.get("repository")
    assert data is not None
    if repository is not None:
        assert data.repository is not None
        assert data.repository.full_name == repository["full_name"]
        assert data.repository.id == repository["id"]
    assert data.sender is not None and data.sender.login == raw["sender"]["login"]
    if isinstance(data, GitHubPing):
        assert (data.zen, data.hook_id) == (raw["zen"], raw["hook_id"])
    elif isinstance(data, GitHubPush):
        assert (data.ref, data.before, data.after) == (raw["ref"], raw["before"], raw["after"])
        assert [c.id for c in data.commits] == [c["id"] for c in raw["commits"]]
        assert [c.message for c in data.commits] == [c["message"] for c in raw["commits"]]
        head = raw["head_commit"]
        assert (data.head_commit.id if data.head_commit else None) == (head and head["id"])
    elif isinstance(data, GitHubPullRequest):
        pr = raw["pull_request"]
        assert data.number == raw["number"] == pr["number"]
        assert (data.pull_request.title, data.pull_request.state) == (pr["title"], pr["state"])
        assert data.pull_request.merged == pr.get("merged")
        assert data.pull_request.user is not None
        assert data.pull_request.user.login == pr["user"]["login"]
    elif isinstance(data, GitHubRelease):
        release = raw["release"]
        assert (data.release.tag_name, data.release.prerelease, data.release.draft) == (
            release["tag_name"],
            release["prerelease"],
            release["draft"],
        )
        published = release["published_at"]
        assert (data.release.published_at is None) == (published is None)
    elif isinstance(data, GitHubWorkflowRun):
        run = raw["workflow_run"]
        got = data.workflow_run
        assert (got.id, got.name, got.status, got.conclusion, got.head_sha) == (
            run["id"],
            run["name"],
            run["status"],
            run["conclusion"],
            run["head_sha"],
        )
    else:
        raise AssertionError(f"{event}: not typed ({type(data).__name__})")


def test_octokit_payloads_cover_the_typed_events() -> None:
    assert {p.parent.name for p in _octokit_payloads()} == {
        "ping",
        "push",
        "pull_request",
        "release",
        "workflow_run",
    }
