"""Cache keys that hold everything that can change an answer, and no secret in clear.

A key is ``"{service}:{scope}:{path}?{query}"``, then ``"#"`` parts for what else the call
varied (method, per-call headers, per-call secrets):

- ``scope``: an HMAC-SHA256 fingerprint (32 hex digits, 128 bits) of the client's base URL
  (origin and path), its default headers (tokens, ``X-API-User``, client identifiers), its
  default query parameters, its HTTP auth and its secrets. Two servers, two users or two
  ``act_as_user`` values never share a scope.
- ``path`` and ``query``: as they go on the wire (httpx's encoding of the joined URL), the
  query items sorted by name (values of one name keep their order) and percent-encoded
  again, so ``q="a&b=1"`` and ``q="a", b="1"`` differ. Values of secret query parameters and
  per-call secrets appear only as fingerprints.

The fingerprint is keyed with a fixed, public domain key: it separates scopes and keeps
credentials out of keys (tokens are high-entropy, so a fingerprint cannot be searched back);
it is stable across processes, so a shared :class:`~medianest_sdk.RedisCache` is shared.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import parse_qsl, quote

import httpx

from ..secrets import MASK, SENSITIVE_QUERY_PARAMS, Secret, redact_text

__all__ = ["CacheScope", "fingerprint"]

_DOMAIN_KEY = b"medianest-sdk cache scope v1"


def fingerprint(parts: Iterable[str]) -> str:
    """HMAC-SHA256 (under the module's domain key) of ``parts``, as 32 hex digits.

    Parts are length-prefixed, so no two different sequences give the same input.
    """
    mac = hmac.new(_DOMAIN_KEY, digestmod=hashlib.sha256)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        mac.update(len(data).to_bytes(8, "big"))
        mac.update(data)
    return mac.hexdigest()[:32]


class CacheScope:
    """Builds the cache keys of one :class:`~medianest_sdk.ServiceClient`.

    Args:
        service: The service name (the key's readable first part).
        base_url: The client's base URL.
        headers: The client's default headers (revealed values).
        params: The client's default query parameters (revealed values).
        auth: A description of the client's HTTP auth (e.g. the basic-auth pair), or ``""``.
        secrets: Every secret of the client.
    """

    __slots__ = ("_secrets", "prefix")

    def __init__(
        self,
        service: str,
        base_url: str,
        headers: Mapping[str, str],
        params: Mapping[str, str],
        auth: str,
        secrets: Sequence[Secret],
    ) -> None:
        parts = ["url", base_url]
        for name in sorted(headers, key=str.lower):
            parts += ["h", name.lower(), headers[name]]
        for name in sorted(params):
            parts += ["p", name, params[name]]
        parts += ["auth", auth]
        parts += ["s", *sorted(s.reveal() for s in secrets)]
        self.prefix = f"{service}:{fingerprint(parts)}:"
        self._secrets = tuple(secrets)

    def key(
        self,
        url: httpx.URL,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        secrets: Sequence[Secret] = (),
    ) -> str:
        """The key of a request to ``url`` (path and query as sent)."""
        raw_path, _, raw_query = url.raw_path.decode("ascii").partition("?")
        items = parse_qsl(raw_query, keep_blank_values=True)
        items.sort(key=lambda kv: kv[0])
        query = "&".join(
            f"{quote(name, safe='')}={self._value(name, value, secrets)}" for name, value in items
        )
        key = self.prefix + self._path(raw_path, secrets) + "?" + query
        if method != "GET":
            key += f"#{method}"
        if headers:
            pairs = sorted((k.lower(), v) for k, v in headers.items())
            key += "#h=" + fingerprint(x for pair in pairs for x in pair)
        if secrets:
            key += "#s=" + fingerprint(sorted(s.reveal() for s in secrets))
        return key

    def path_prefix(self, url: httpx.URL) -> str:
        """The key prefix of every cached request whose path starts with ``url``'s path."""
        raw_path = url.raw_path.decode("ascii").partition("?")[0]
        return self.prefix + self._path(raw_path, ())

    def _path(self, raw_path: str, secrets: Sequence[Secret]) -> str:
        if secrets or self._secrets:
            return redact_text(raw_path, (*self._secrets, *secrets))
        return raw_path

    def _value(self, name: str, value: str, secrets: Sequence[Secret]) -> str:
        if name.lower() in SENSITIVE_QUERY_PARAMS or any(
            value == s.reveal() for s in (*self._secrets, *secrets)
        ):
            return MASK + fingerprint([value])[:16]
        return quote(value, safe="")
