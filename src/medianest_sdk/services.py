"""The adapters a host app uses, built from one mapping: a dict, a TOML file or the environment.

::

    async with Services.from_env() as services:   # PLEX_URL, PLEX_TOKEN, OVERSEERR_URL, ...
        if services.plex is not None:
            sections = await services.plex.library_sections()
        monitor = services.health_monitor()

Each service gets its own :class:`~medianest_sdk.ResiliencePipeline` from its settings, with the
defaults below (every one overridable per service):

============  =======  =======================  ==================  ===========
service       timeout  retries (first wait)     breaker             rate limit
============  =======  =======================  ==================  ===========
plex          5 s      2 (1 s)                  at 50 % failures    none
overseerr     10 s     3 (2 s)                  at 30 % failures    none
uptime_kuma   10 s     2 (1 s)                  at 50 % failures    none
qbittorrent   10 s     2 (1 s)                  after 3 in a row    none
prowlarr      100 s    2 (1 s)                  after 5 in a row    60/minute
============  =======  =======================  ==================  ===========

``timeout`` bounds each attempt; the breaker samples 30 s and breaks for 30 s (Prowlarr's
60 s).
"""

from __future__ import annotations

import functools
import os
import tomllib
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar, Self, TypeVar

import attrs
import cattrs
import limits
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError

from .errors import ConfigError
from .events import EventHooks
from .health import HealthCheck, HealthMonitor
from .http import AsyncHTTPClient, ServiceAdapter
from .overseerr import OverseerrAdapter
from .plex import PlexAdapter
from .prowlarr import ProwlarrAdapter
from .qbittorrent import QBittorrentAdapter
from .resilience import CircuitBreaker, ResiliencePipeline, RetryPolicy
from .resilience.limiter import RateLimiter
from .secrets import Secret, redact_url
from .uptime_kuma import UptimeKumaAdapter

__all__ = [
    "OverseerrSettings",
    "PlexSettings",
    "ProwlarrSettings",
    "QBittorrentSettings",
    "ServiceSettings",
    "Services",
    "UptimeKumaSettings",
]

S = TypeVar("S", bound="ServiceSettings")


def _invalid(field: str, rule: str) -> ConfigError:
    """A field validator's refusal: ``"{field} {rule}"``, naming the field, never the value."""
    return ConfigError(f"{field} {rule}", key=field)


def _between(
    low: float, high: float, *, above: bool = False
) -> Callable[[object, attrs.Attribute[Any], float | None], None]:
    """A validator: ``low <= value <= high`` (``low < value`` with ``above``); ``None``
    passes, NaN and infinities never do."""
    rule = f"must be {'>' if above else '>='} {low:g} and <= {high:g}"

    def check(instance: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
        if value is None:
            return
        if not ((value > low if above else value >= low) and value <= high):
            raise _invalid(attribute.name, rule)

    return check


_SECONDS = _between(0, 3600, above=True)
_RETRIES = _between(0, 10)


def _url(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    try:
        parts = urllib.parse.urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # a malformed IPv6 literal, an out-of-range port
        ok = False
    if not ok:
        raise _invalid(attribute.name, "must be an http:// or https:// URL with a host")


def _rate(instance: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None:
        try:
            limits.parse(value)
        except ValueError:
            raise _invalid(attribute.name, "is not a rate such as '60/minute'") from None


def _ratio(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not 0 < value <= 1:
        raise _invalid(attribute.name, "must be in (0, 1]")


def _secret(value: str | Secret) -> Secret:
    return Secret.coerce(value)


def _optional_secret(value: str | Secret | None) -> Secret | None:
    return None if value is None else Secret.coerce(value)


@attrs.frozen(kw_only=True)
class ServiceSettings:
    """What every service's settings hold: where it is and how resilient calls to it are.

    Attributes:
        url: The service's base URL.
        timeout: Seconds each attempt may take (the pipeline's ``attempt_timeout``; 0-3600].
        retries: Retries after the first try (``0``: none; at most 10) for transient failures.
        retry_wait: Seconds of the first backoff (0-3600]; it doubles, up to 30 s, with up to
            1 s jitter.
        failure_ratio: Share of failed calls (0-1] in 30 s that opens the breaker.
        consecutive_failures: Open the breaker after this many failures in a row (1-1000)
            instead.
        break_duration: Seconds (0-86400] the breaker stays open before a trial call.
        rate_limit: A ``limits`` string (``"60/minute"``) or ``None`` for no limit.
    """

    service: ClassVar[str] = ""
    env_prefix: ClassVar[str] = ""

    url: str = attrs.field(validator=_url, repr=lambda url: repr(redact_url(url)))
    timeout: float = attrs.field(default=10.0, validator=_SECONDS)
    retries: int = attrs.field(default=2, validator=_RETRIES)
    retry_wait: float = attrs.field(default=1.0, validator=_SECONDS)
    failure_ratio: float = attrs.field(default=0.5, validator=_ratio)
    consecutive_failures: int | None = attrs.field(default=None, validator=_between(1, 1000))
    break_duration: float = attrs.field(default=30.0, validator=_between(0, 86400, above=True))
    rate_limit: str | None = attrs.field(default=None, validator=_rate)

    def pipeline(self, *, hooks: EventHooks | None = None) -> ResiliencePipeline:
        """The :class:`~medianest_sdk.ResiliencePipeline` these settings describe (a breaker named
        after the service; the pipeline names the limiter's bucket)."""
        limiter = None if self.rate_limit is None else RateLimiter(self.rate_limit)
        return ResiliencePipeline(
            attempt_timeout=self.timeout,
            retry=RetryPolicy(
                attempts=self.retries + 1, wait_initial=self.retry_wait, wait_max=30.0
            )
            if self.retries
            else None,
            breaker=CircuitBreaker(
                self.service,
                failure_ratio=self.failure_ratio,
                consecutive_failures=self.consecutive_failures,
                break_duration=self.break_duration,
            ),
            limiter=limiter,
            name=self.service,
            hooks=hooks,
        )

    def adapter(
        self, *, hooks: EventHooks | None = None, http_client: AsyncHTTPClient | None = None
    ) -> ServiceAdapter:
        """The adapter for this service, with :meth:`pipeline`."""
        raise NotImplementedError  # pragma: no cover - every concrete settings class has one


@attrs.frozen(kw_only=True)
class PlexSettings(ServiceSettings):
    """A Plex Media Server (``PLEX_URL``, ``PLEX_TOKEN``, ``PLEX_CLIENT_IDENTIFIER``).

    Attributes:
        token: The ``X-Plex-Token``.
        client_identifier: A stable ``X-Plex-Client-Identifier`` (else a new one per process,
            which Plex lists as a new device each time).
    """

    service: ClassVar[str] = "plex"
    env_prefix: ClassVar[str] = "PLEX_"

    token: Secret = attrs.field(converter=_secret)
    client_identifier: str | None = None
    timeout: float = attrs.field(default=5.0, validator=_SECONDS)

    def adapter(
        self, *, hooks: EventHooks | None = None, http_client: AsyncHTTPClient | None = None
    ) -> PlexAdapter:
        """A :class:`~medianest_sdk.PlexAdapter` with :meth:`pipeline`."""
        return PlexAdapter(
            self.url,
            self.token,
            client_identifier=self.client_identifier,
            pipeline=self.pipeline(hooks=hooks),
            http_client=http_client,
            hooks=hooks,
        )


@attrs.frozen(kw_only=True)
class OverseerrSettings(ServiceSettings):
    """Overseerr, Jellyseerr or Seerr (``OVERSEERR_URL``, ``OVERSEERR_API_KEY``,
    ``OVERSEERR_ACT_AS_USER``).

    Attributes:
        api_key: The ``X-Api-Key``.
        act_as_user: Send requests as this user id (``X-API-User``).
    """

    service: ClassVar[str] = "overseerr"
    env_prefix: ClassVar[str] = "OVERSEERR_"

    api_key: Secret = attrs.field(converter=_secret)
    act_as_user: int | None = None
    retries: int = attrs.field(default=3, validator=_RETRIES)
    retry_wait: float = attrs.field(default=2.0, validator=_SECONDS)
    failure_ratio: float = attrs.field(default=0.3, validator=_ratio)

    def adapter(
        self, *, hooks: EventHooks | None = None, http_client: AsyncHTTPClient | None = None
    ) -> OverseerrAdapter:
        """An :class:`~medianest_sdk.OverseerrAdapter` with :meth:`pipeline`."""
        return OverseerrAdapter(
            self.url,
            self.api_key,
            act_as_user=self.act_as_user,
            pipeline=self.pipeline(hooks=hooks),
            http_client=http_client,
            hooks=hooks,
        )


@attrs.frozen(kw_only=True)
class UptimeKumaSettings(ServiceSettings):
    """Uptime Kuma's HTTP surface (``UPTIME_KUMA_URL``, optional ``UPTIME_KUMA_API_KEY`` for
    ``/metrics``).

    Attributes:
        api_key: An Uptime Kuma API key, or ``None``.
    """

    service: ClassVar[str] = "uptime_kuma"
    env_prefix: ClassVar[str] = "UPTIME_KUMA_"

    api_key: Secret | None = attrs.field(default=None, converter=_optional_secret)

    def adapter(
        self, *, hooks: EventHooks | None = None, http_client: AsyncHTTPClient | None = None
    ) -> UptimeKumaAdapter:
        """An :class:`~medianest_sdk.UptimeKumaAdapter` with :meth:`pipeline`."""
        return UptimeKumaAdapter(
            self.url,
            api_key=self.api_key,
            pipeline=self.pipeline(hooks=hooks),
            http_client=http_client,
            hooks=hooks,
        )


@attrs.frozen(kw_only=True)
class QBittorrentSettings(ServiceSettings):
    """qBittorrent's WebUI (``QBITTORRENT_URL``, ``QBITTORRENT_USERNAME``,
    ``QBITTORRENT_PASSWORD``, or ``QBITTORRENT_API_KEY`` on 5.2+; neither for the
    localhost-bypass mode). The breaker opens after 3 failures in a row for 30 s: a WebUI that
    stops answering is usually restarting.

    Attributes:
        username, password: WebUI credentials (both or neither).
        api_key: A qBittorrent 5.2+ API key, or ``None``.
    """

    service: ClassVar[str] = "qbittorrent"
    env_prefix: ClassVar[str] = "QBITTORRENT_"

    username: str | None = None
    password: Secret | None = attrs.field(default=None, converter=_optional_secret)
    api_key: Secret | None = attrs.field(default=None, converter=_optional_secret)
    consecutive_failures: int | None = attrs.field(default=3, validator=_between(1, 1000))

    def __attrs_post_init__(self) -> None:
        if (self.username is None) != (self.password is None):
            raise _invalid("password", "and username must be given together")
        if self.password is not None and self.api_key is not None:
            raise _invalid("api_key", "cannot be given with a username and password")

    def adapter(
        self, *, hooks: EventHooks | None = None, http_client: AsyncHTTPClient | None = None
    ) -> QBittorrentAdapter:
        """A :class:`~medianest_sdk.QBittorrentAdapter` with :meth:`pipeline`."""
        return QBittorrentAdapter(
            self.url,
            username=self.username,
            password=self.password,
            api_key=self.api_key,
            pipeline=self.pipeline(hooks=hooks),
            http_client=http_client,
            hooks=hooks,
        )


@attrs.frozen(kw_only=True)
class ProwlarrSettings(ServiceSettings):
    """Prowlarr (``PROWLARR_URL``, ``PROWLARR_API_KEY``). Defaults from the seed system's
    Prowlarr client: 60 requests a minute, a breaker after 5 failures in a row open 60 s, and
    100 s per attempt (a search waits for the slowest indexer).

    Attributes:
        api_key: The ``X-Api-Key``.
    """

    service: ClassVar[str] = "prowlarr"
    env_prefix: ClassVar[str] = "PROWLARR_"

    api_key: Secret = attrs.field(converter=_secret)
    timeout: float = attrs.field(default=100.0, validator=_SECONDS)
    consecutive_failures: int | None = attrs.field(default=5, validator=_between(1, 1000))
    break_duration: float = attrs.field(default=60.0, validator=_between(0, 86400, above=True))
    rate_limit: str | None = attrs.field(default="60/minute", validator=_rate)

    def adapter(
        self, *, hooks: EventHooks | None = None, http_client: AsyncHTTPClient | None = None
    ) -> ProwlarrAdapter:
        """A :class:`~medianest_sdk.ProwlarrAdapter` with :meth:`pipeline`."""
        return ProwlarrAdapter(
            self.url,
            self.api_key,
            pipeline=self.pipeline(hooks=hooks),
            http_client=http_client,
            hooks=hooks,
        )


KINDS: tuple[type[ServiceSettings], ...] = (
    PlexSettings,
    OverseerrSettings,
    UptimeKumaSettings,
    QBittorrentSettings,
    ProwlarrSettings,
)

_converter = cattrs.Converter(forbid_extra_keys=True)


def _structure_secret(value: object, _: object) -> Secret:
    if isinstance(value, Secret):
        return value
    if not isinstance(value, str) or not value:
        raise ValueError("a secret must be a non-empty string")
    return Secret(value)


_converter.register_structure_hook(Secret, _structure_secret)


def _structure_str(value: object, _: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


_converter.register_structure_hook(str, _structure_str)


_SWITCH = {"true": True, "yes": True, "on": True, "1": True}
_SWITCH |= {"false": False, "no": False, "off": False, "0": False}


def _enabled(value: object, key: str) -> bool:
    """``enabled`` as a bool or a switch word (``true``/``false``, ``yes``/``no``, ``1``/``0``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _SWITCH:
        return _SWITCH[value.strip().lower()]
    raise ConfigError(f"{key} must be true or false", key=key)


def _rekeyed(exc: ConfigError, key: Callable[[str], str]) -> ConfigError:
    """A validator's error with its field named as the source spells it (``PLEX_TIMEOUT``)."""
    rule = exc.message.removeprefix(exc.key + " ")
    return ConfigError(f"{key(exc.key)} {rule}", key=key(exc.key))


def _settings(kind: type[S], data: Mapping[str, object], key: Callable[[str], str]) -> S:
    """Structure one service's mapping; every failure names its key, never its value."""
    try:
        return _converter.structure(dict(data), kind)
    except ConfigError as exc:
        raise _rekeyed(exc, key) from None
    except ClassValidationError as exc:
        for inner in exc.exceptions:
            if isinstance(inner, ConfigError):
                raise _rekeyed(inner, key) from None
            if isinstance(inner, ForbiddenExtraKeysError):
                extra = key(sorted(inner.extra_fields)[0])
                raise ConfigError(
                    f"{extra} is not a setting of {kind.service}", key=extra
                ) from None
            names = [n.name for n in getattr(inner, "__notes__", []) if hasattr(n, "name")]
            if names:
                where = key(str(names[0]))
                what = "is missing" if isinstance(inner, KeyError) else "is malformed"
                raise ConfigError(f"{where} {what}", key=where) from None
        raise ConfigError(f"{key('')} is malformed", key=key("")) from None


def _dotted(service: str, key: str) -> str:
    return f"{service}.{key}" if key else service


class Services:
    """The adapters a host app uses, built from settings; closes them all.

    Attributes:
        settings: ``{service: settings}`` of the configured services (secrets as ``Secret``).

    Args:
        plex, overseerr, uptime_kuma, qbittorrent, prowlarr: Each service's settings; ``None``:
            not used.
        hooks: Receive every event of every adapter and its pipeline.
        http_client: One ``httpx.AsyncClient`` shared by every adapter (the caller closes it).

    Build it with :meth:`from_env`, :meth:`from_mapping` or :meth:`from_toml`, or from settings
    objects. Use it as an async context manager, or call :meth:`aclose`.
    """

    def __init__(
        self,
        *,
        plex: PlexSettings | None = None,
        overseerr: OverseerrSettings | None = None,
        uptime_kuma: UptimeKumaSettings | None = None,
        qbittorrent: QBittorrentSettings | None = None,
        prowlarr: ProwlarrSettings | None = None,
        hooks: EventHooks | None = None,
        http_client: AsyncHTTPClient | None = None,
    ) -> None:
        self.settings: dict[str, ServiceSettings] = {
            s.service: s
            for s in (plex, overseerr, uptime_kuma, qbittorrent, prowlarr)
            if s is not None
        }
        self._plex = plex.adapter(hooks=hooks, http_client=http_client) if plex else None
        self._overseerr = (
            overseerr.adapter(hooks=hooks, http_client=http_client) if overseerr else None
        )
        self._uptime_kuma = (
            uptime_kuma.adapter(hooks=hooks, http_client=http_client) if uptime_kuma else None
        )
        self._qbittorrent = (
            qbittorrent.adapter(hooks=hooks, http_client=http_client) if qbittorrent else None
        )
        self._prowlarr = (
            prowlarr.adapter(hooks=hooks, http_client=http_client) if prowlarr else None
        )

    @property
    def plex(self) -> PlexAdapter | None:
        """The Plex adapter, or ``None`` when Plex is not configured."""
        return self._plex

    @property
    def overseerr(self) -> OverseerrAdapter | None:
        """The Overseerr/Jellyseerr/Seerr adapter, or ``None``."""
        return self._overseerr

    @property
    def uptime_kuma(self) -> UptimeKumaAdapter | None:
        """The Uptime Kuma adapter, or ``None``."""
        return self._uptime_kuma

    @property
    def qbittorrent(self) -> QBittorrentAdapter | None:
        """The qBittorrent adapter, or ``None``."""
        return self._qbittorrent

    @property
    def prowlarr(self) -> ProwlarrAdapter | None:
        """The Prowlarr adapter, or ``None``."""
        return self._prowlarr

    def __repr__(self) -> str:
        return f"Services({', '.join(self.settings) or 'none'})"

    def _adapters(
        self,
    ) -> Iterator[
        tuple[
            str,
            PlexAdapter
            | OverseerrAdapter
            | UptimeKumaAdapter
            | QBittorrentAdapter
            | ProwlarrAdapter,
        ]
    ]:
        adapters = (
            ("plex", self._plex),
            ("overseerr", self._overseerr),
            ("uptime_kuma", self._uptime_kuma),
            ("qbittorrent", self._qbittorrent),
            ("prowlarr", self._prowlarr),
        )
        for name, adapter in adapters:
            if adapter is not None:
                yield name, adapter

    def names(self) -> list[str]:
        """The configured services, e.g. ``["plex", "overseerr"]``."""
        return [name for name, _ in self._adapters()]

    def health_monitor(self, *, interval: float = 30.0, timeout: float = 5.0) -> HealthMonitor:
        """A :class:`~medianest_sdk.HealthMonitor` over every configured adapter's ``health()``
        (``interval`` and ``timeout`` in seconds, as there).

        Raises:
            ConfigError: no service is configured.
        """
        checks: dict[str, HealthCheck] = dict(self._adapters())
        if not checks:
            raise ConfigError("no service is configured", key="")
        return HealthMonitor(checks, interval=interval, timeout=timeout)

    async def aclose(self) -> None:
        """Close every adapter (each one even when another fails; the first error is raised)."""
        first: BaseException | None = None
        for _, adapter in self._adapters():
            try:
                await adapter.aclose()
            except Exception as exc:
                first = first or exc
        if first is not None:
            raise first

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @classmethod
    def from_mapping(
        cls,
        config: Mapping[str, Mapping[str, object]],
        *,
        hooks: EventHooks | None = None,
        http_client: AsyncHTTPClient | None = None,
    ) -> Self:
        """Build from ``{"plex": {"url": ..., "token": ...}, "overseerr": {...}}``.

        A service is used when its table is present and ``enabled`` is not false. Keys are the
        settings classes' attribute names (:class:`PlexSettings` and so on).

        Raises:
            ConfigError: an unknown service or key, or a missing or malformed value (the message
                names ``section.key``, never the value).
        """
        return cls._build(config, _dotted, hooks, http_client)

    @classmethod
    def from_toml(
        cls,
        path: str | Path,
        *,
        hooks: EventHooks | None = None,
        http_client: AsyncHTTPClient | None = None,
    ) -> Self:
        """Build from a TOML file with one table per service (``[plex]``, ``[overseerr]``,
        ``[uptime_kuma]``), keys as in :meth:`from_mapping`.

        Raises:
            ConfigError: the file cannot be read or is not TOML, or as :meth:`from_mapping`.
        """
        name = Path(path).name
        try:
            config = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(
                f"{name} cannot be read as TOML ({type(exc).__name__})", key=name
            ) from None
        return cls._build(config, _dotted, hooks, http_client)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        hooks: EventHooks | None = None,
        http_client: AsyncHTTPClient | None = None,
    ) -> Self:
        """Build from environment variables: ``{PREFIX}URL`` turns a service on, and each
        setting is ``{PREFIX}{KEY}`` in upper case: ``PLEX_URL``, ``PLEX_TOKEN``,
        ``PLEX_TIMEOUT``; ``OVERSEERR_URL``, ``OVERSEERR_API_KEY``; ``UPTIME_KUMA_URL``,
        ``UPTIME_KUMA_API_KEY``. ``{PREFIX}ENABLED=false`` turns a configured service off.
        Other variables are ignored.

        Args:
            environ: The variables; default ``os.environ``.

        Raises:
            ConfigError: a required variable is missing or one is malformed (the message names
                the variable, never its value).
        """
        env = os.environ if environ is None else environ
        config: dict[str, dict[str, object]] = {}
        for kind in KINDS:
            if not env.get(kind.env_prefix + "URL"):
                continue
            table: dict[str, object] = {}
            for field in attrs.fields(kind):
                value = env.get(kind.env_prefix + field.name.upper())
                if value is not None and value != "":
                    table[field.name] = value
            if kind.env_prefix + "ENABLED" in env:
                table["enabled"] = env[kind.env_prefix + "ENABLED"]
            config[kind.service] = table
        by_service = {kind.service: kind.env_prefix for kind in KINDS}
        return cls._build(
            config,
            lambda service, key: (
                (by_service[service] + key.upper()) if key else by_service[service]
            ),
            hooks,
            http_client,
        )

    @classmethod
    def _build(
        cls,
        config: Mapping[str, Mapping[str, object]],
        key: Callable[[str, str], str],
        hooks: EventHooks | None,
        http_client: AsyncHTTPClient | None,
    ) -> Self:
        kinds = {kind.service: kind for kind in KINDS}
        found: dict[str, ServiceSettings] = {}
        for service, table in config.items():
            if service not in kinds:
                raise ConfigError(
                    f"{service!r} is not a service; known: {', '.join(kinds)}", key=service
                )
            if not isinstance(table, Mapping):
                raise ConfigError(f"{key(service, '')} must be a table", key=key(service, ""))
            data = dict(table)
            enabled = data.pop("enabled", True)
            if not _enabled(enabled, key(service, "enabled")):
                continue
            found[service] = _settings(kinds[service], data, functools.partial(key, service))
        return cls(**found, hooks=hooks, http_client=http_client)  # type: ignore[arg-type]
