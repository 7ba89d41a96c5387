"""Secrets that never print, a Fernet token vault, and the redaction helpers used for logging.

- :class:`Secret` wraps a credential so that ``repr``, ``str`` and f-strings show ``***``.
- :class:`TokenVault` encrypts credentials at rest with Fernet (AES-128-CBC + HMAC-SHA256,
  the `Fernet spec <https://github.com/fernet/spec/blob/master/Spec.md>`_), over
  :class:`cryptography.fernet.MultiFernet` so keys can be rotated.
- :func:`redact_url`, :func:`redact_headers` and :func:`redact_text` are applied to every URL,
  header set and body excerpt before it reaches a log record, an event or an exception.
"""

from __future__ import annotations

import functools
import hmac
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import quote, quote_plus, unquote, urlsplit, urlunsplit

from .errors import TokenVaultError

__all__ = [
    "MASK",
    "SENSITIVE_HEADERS",
    "SENSITIVE_QUERY_PARAMS",
    "Secret",
    "TokenVault",
    "encoded_forms",
    "redact_headers",
    "redact_text",
    "redact_url",
]

MASK = "***"
"""What a redacted value is replaced with."""

SENSITIVE_QUERY_PARAMS = frozenset({"x-plex-token", "apikey", "api_key", "token"})
"""Query parameter names (compared case-insensitively) whose values are redacted."""

SENSITIVE_HEADERS = frozenset(
    {"authorization", "x-api-key", "x-plex-token", "cookie", "set-cookie", "proxy-authorization"}
)
"""Header names (compared case-insensitively) whose values are redacted."""


class Secret:
    """A credential that shows ``***`` wherever it is printed.

    ``repr(s)``, ``str(s)`` and ``f"{s}"`` never reveal the value; :meth:`reveal` does, and
    only code that puts the value on the wire should call it. Equality with another
    :class:`Secret` runs in constant time (:func:`hmac.compare_digest`).

    Args:
        value: The secret text (an API key, a token, a password).

    Raises:
        TypeError: ``value`` is not a ``str``.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"Secret holds a str, not {type(value).__name__}")
        self._value = value

    @classmethod
    def coerce(cls, value: str | Secret) -> Secret:
        """Return ``value`` as a :class:`Secret` (wrapping a plain ``str``)."""
        return value if isinstance(value, Secret) else cls(value)

    def reveal(self) -> str:
        """Return the secret value itself. Never log what this returns."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __format__(self, format_spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __bool__(self) -> bool:
        return bool(self._value)


def _as_text(value: str | bytes | Secret) -> str:
    if isinstance(value, Secret):
        return value.reveal()
    return value.decode() if isinstance(value, bytes) else value


class TokenVault:
    """Encrypts tokens at rest with Fernet, under one or more keys (newest first).

    ``encrypt`` always uses the first (newest) key; ``decrypt`` tries every key, so tokens
    written under an older key keep working while you rotate. ``rotate`` re-encrypts a token
    under the newest key, keeping its original timestamp.

    Args:
        keys: One or more url-safe base64 32-byte Fernet keys (from :meth:`generate_key`),
            newest first, as ``str``, ``bytes`` or :class:`Secret`.

    Raises:
        ValueError: no key was given, or a key is not a valid Fernet key (the message
            names its position, never its value).

    Example::

        vault = TokenVault([TokenVault.generate_key()])
        stored = vault.encrypt("plex-token")
        assert vault.decrypt(stored).reveal() == "plex-token"
    """

    __slots__ = ("_fernet",)

    def __init__(self, keys: Sequence[str | bytes | Secret]) -> None:
        if isinstance(keys, (str, bytes, Secret)):
            keys = [keys]
        if not keys:
            raise ValueError("TokenVault needs at least one key; make one with generate_key()")
        from cryptography.fernet import Fernet, MultiFernet  # on first use: ~8 ms to import

        fernets = []
        for position, key in enumerate(keys):
            try:
                fernets.append(Fernet(_as_text(key)))
            except (ValueError, TypeError):
                raise ValueError(
                    f"TokenVault key #{position} is not a url-safe base64 32-byte Fernet key; "
                    "make one with TokenVault.generate_key()"
                ) from None
        self._fernet = MultiFernet(fernets)

    def __repr__(self) -> str:
        return f"TokenVault(keys=[{MASK}])"

    @staticmethod
    def generate_key() -> str:
        """Return a new random Fernet key (44 url-safe base64 characters). Keep it secret."""
        from cryptography.fernet import Fernet

        return Fernet.generate_key().decode("ascii")

    def encrypt(self, plaintext: str | Secret) -> str:
        """Encrypt ``plaintext`` (UTF-8) under the newest key; returns a Fernet token (ASCII)."""
        return self._fernet.encrypt(_as_text(plaintext).encode()).decode("ascii")

    def decrypt(self, token: str, *, ttl: float | None = None) -> Secret:
        """Decrypt a token made by :meth:`encrypt` or :meth:`rotate`.

        Args:
            token: The Fernet token.
            ttl: Maximum age in seconds; an older token is refused. ``None``: no age limit.

        Raises:
            TokenVaultError: ``reason="expired"`` when the token is older than ``ttl``;
                ``reason="invalid"`` when it was tampered with, truncated, or made under a key
                this vault does not hold.
        """
        from cryptography.fernet import InvalidToken

        data = token.encode("ascii", "replace")
        try:
            if ttl is None:
                return Secret(self._fernet.decrypt(data).decode())
            return Secret(self._fernet.decrypt(data, ttl=int(ttl)).decode())
        except InvalidToken:
            pass
        except UnicodeDecodeError:
            raise TokenVaultError("token does not hold UTF-8 text", reason="invalid") from None
        if ttl is not None:
            try:
                self._fernet.decrypt(data)
            except InvalidToken:
                pass
            else:
                raise TokenVaultError(f"token is older than {ttl} s", reason="expired")
        raise TokenVaultError(
            "token is invalid: tampered with, truncated, or encrypted under a key this vault "
            "does not hold",
            reason="invalid",
        )

    def rotate(self, token: str) -> str:
        """Re-encrypt ``token`` under the newest key, keeping its timestamp.

        Raises:
            TokenVaultError: ``reason="invalid"`` as for :meth:`decrypt`.
        """
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.rotate(token.encode("ascii", "replace")).decode("ascii")
        except InvalidToken:
            raise TokenVaultError(
                "token is invalid: tampered with, truncated, or encrypted under a key this "
                "vault does not hold",
                reason="invalid",
            ) from None


def redact_url(url: str) -> str:
    """Return ``url`` with secret query values and any userinfo password replaced by ``***``.

    Parameter names in :data:`SENSITIVE_QUERY_PARAMS` are matched case-insensitively; every
    other part of the URL is kept byte for byte.
    """
    if "?" not in url and "@" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{MASK}@{host}" if ":" in userinfo else f"{MASK}@{host}"
    query = parts.query
    if query:
        pieces = []
        for piece in query.split("&"):
            name, eq, _value = piece.partition("=")
            if eq and unquote(name).lower() in SENSITIVE_QUERY_PARAMS:
                pieces.append(f"{name}={MASK}")
            else:
                pieces.append(piece)
        query = "&".join(pieces)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """Return a copy of ``headers`` with the values of :data:`SENSITIVE_HEADERS` as ``***``."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {k: (MASK if k.lower() in SENSITIVE_HEADERS else v) for k, v in items}


_QUERY_SECRET = re.compile(
    r"(?i)(?P<name>x-plex-token|apikey|api_key|token)(?P<sep>=|%3D)(?P<value>[^&\s\"'<>]+)"
)


# The characters httpx leaves unencoded in a path and in a query (RFC 3986 sub-delims and
# ":@/?"); together with quote(safe="") and quote_plus they give every form a URL can carry.
_URL_SAFE_SETS = ("", "/", "!$&'()*+,;=:@/", "!$&'()*+,;=:@/?")


@functools.lru_cache(maxsize=512)
def encoded_forms(value: str) -> frozenset[str]:
    """Every form in which ``value`` may appear in a URL, a log line or a JSON body: raw,
    percent-encoded (as httpx encodes paths and queries, with upper- and lower-case hex,
    ``+`` for spaces) and JSON-escaped. Redacting them all means a token with reserved,
    non-ASCII or control characters cannot slip through in an encoded form."""
    forms = {value, quote_plus(value, errors="surrogatepass")}
    for safe in _URL_SAFE_SETS:
        encoded = quote(value, safe=safe, errors="surrogatepass")
        forms.add(encoded)
        forms.add(re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), encoded))
    forms.add(json.dumps(value)[1:-1])
    forms.add(json.dumps(value, ensure_ascii=False)[1:-1])
    return frozenset(f for f in forms if f)


def redact_text(text: str, secrets: Iterable[str | Secret] = ()) -> str:
    """Return ``text`` with every occurrence of the given secrets, and the values of secret
    query parameters (``X-Plex-Token=...``, ``apikey=...``), replaced by ``***``.

    Each secret is matched in every form of :func:`encoded_forms` (raw, percent-encoded,
    JSON-escaped). Used on URLs, response bodies, reason phrases and messages. Replacement is
    repeated until no secret remains, so a secret can never be re-formed from the pieces
    around a mask.
    """
    raw = {_as_text(s) for s in secrets}
    values = sorted({form for v in raw if v for form in encoded_forms(v)}, key=len, reverse=True)
    text = _QUERY_SECRET.sub(lambda m: f"{m['name']}{m['sep']}{MASK}", text)
    if any(value in MASK and value in text for value in values):
        # A secret made of mask characters would re-form around every mask: keep nothing.
        return ""
    # Each pass removes at least one non-mask character, so this ends; the bound is a guard.
    for _ in range(len(text) + 1):
        before = text
        for value in values:
            if value in text:
                text = text.replace(value, MASK)
        if text == before:
            return text
    return ""
