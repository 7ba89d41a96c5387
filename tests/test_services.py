"""Services from configuration: the adapters a host app uses, built from env, a dict or TOML."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import medianest_sdk as mn
import medianest_sdk.sync as sync_api
from medianest_sdk.testing import FakePlex, FakeSeerr, FakeUptimeKuma, fake_http_client

from .servers import LoopbackServer, Reply
from .twins import either
from .twins import fixture as twins_fixture

api = twins_fixture()

TOKEN = "plex-token-s3cret"
KEY = "seerr-key-s3cret"


def _env(plex: str, seerr: str, kuma: str) -> dict[str, str]:
    return {
        "PLEX_URL": plex,
        "PLEX_TOKEN": TOKEN,
        "OVERSEERR_URL": seerr,
        "OVERSEERR_API_KEY": KEY,
        "UPTIME_KUMA_URL": kuma,
        "HOME": "/root",  # unrelated variables are ignored
    }


def _fakes() -> tuple[FakePlex, FakeSeerr, FakeUptimeKuma, dict[str, str]]:
    plex, seerr, kuma = FakePlex(movies=2, token=TOKEN), FakeSeerr(api_key=KEY), FakeUptimeKuma()
    return plex, seerr, kuma, _env(plex.base_url, seerr.base_url, kuma.base_url)


async def test_from_env_builds_the_configured_adapters_that_work() -> None:
    plex, seerr, kuma, env = _fakes()
    client = fake_http_client(plex, seerr, kuma)
    async with client, either(mn.Services.from_env, env, http_client=client) as services:
        assert services.names() == ["plex", "overseerr", "uptime_kuma"]
        assert services.plex is not None
        sections = await services.plex.library_sections()
        assert [s.title for s in sections] == ["Movies", "TV Shows"]
        monitor = services.health_monitor()
        health = await monitor.check_all()
    assert {name: h.status for name, h in health.items()} == {
        "plex": "healthy",
        "overseerr": "healthy",
        "uptime_kuma": "healthy",
    }
    assert plex.requests[0] == ("GET", "/library/sections/all")  # the token was accepted


async def test_leaving_closes_every_adapter(loopback: LoopbackServer) -> None:
    loopback.routes["GET /identity"] = Reply.json(
        {"MediaContainer": {"machineIdentifier": "m1", "version": "1.41.0"}}
    )
    services = either(mn.Services.from_env, _env(loopback.url, loopback.url, loopback.url))
    async with services:
        assert services.plex is not None
        await services.plex.identity()
    with pytest.raises(RuntimeError, match="closed"):
        await services.plex.identity()


def test_each_service_gets_its_seed_defaults_and_overrides_apply() -> None:
    env = {
        "PLEX_URL": "http://127.0.0.1:9",
        "PLEX_TOKEN": TOKEN,
        "OVERSEERR_URL": "http://127.0.0.1:9",
        "OVERSEERR_API_KEY": KEY,
        "OVERSEERR_RETRIES": "0",
        "OVERSEERR_RATE_LIMIT": "60/minute",
    }
    services = mn.Services.from_env(env)
    assert services.plex is not None and services.overseerr is not None
    plex = services.plex.http.pipeline
    assert isinstance(plex, mn.ResiliencePipeline)
    assert plex.describe() == [
        "retry(3 attempts, backoff 1.0..30.0 s)",
        "breaker(plex)",
        "attempt_timeout(5s)",
    ]
    assert plex.breaker is not None and plex.breaker.policy.failure_ratio == 0.5
    seerr = services.overseerr.http.pipeline
    assert isinstance(seerr, mn.ResiliencePipeline)
    assert seerr.breaker is not None and seerr.breaker.policy.failure_ratio == 0.3
    assert seerr.retry is None  # OVERSEERR_RETRIES=0
    assert seerr.attempt_timeout == 10.0
    assert seerr.limiter is not None and seerr.limiter.describe().startswith("60 per 1 minute")


def test_a_service_without_its_url_or_switched_off_is_absent() -> None:
    only_seerr = mn.Services.from_env(
        {"OVERSEERR_URL": "http://127.0.0.1:9", "OVERSEERR_API_KEY": KEY}
    )
    assert only_seerr.names() == ["overseerr"] and only_seerr.plex is None
    off = mn.Services.from_env(
        {"PLEX_URL": "http://127.0.0.1:9", "PLEX_TOKEN": TOKEN, "PLEX_ENABLED": "false"}
    )
    assert off.names() == [] and off.plex is None
    with pytest.raises(mn.ConfigError, match="no service is configured"):
        off.health_monitor()


@pytest.mark.parametrize(
    ("env", "key", "what"),
    [
        ({"PLEX_URL": "http://h"}, "PLEX_TOKEN", "is missing"),
        (
            {"PLEX_URL": "http://h", "PLEX_TOKEN": TOKEN, "PLEX_TIMEOUT": "inf"},
            "PLEX_TIMEOUT",
            "<= 3600",
        ),
        ({"PLEX_URL": "http://[::1", "PLEX_TOKEN": TOKEN}, "PLEX_URL", "http:// or https://"),
        ({"PLEX_URL": "plex.local:32400", "PLEX_TOKEN": TOKEN}, "PLEX_URL", "http:// or https://"),
        (
            {"PLEX_URL": "http://h", "PLEX_TOKEN": TOKEN, "PLEX_TIMEOUT": "soon"},
            "PLEX_TIMEOUT",
            "malformed",
        ),
        (
            {"PLEX_URL": "http://h", "PLEX_TOKEN": TOKEN, "PLEX_TIMEOUT": "-1"},
            "PLEX_TIMEOUT",
            "> 0",
        ),
        (
            {"PLEX_URL": "http://h", "PLEX_TOKEN": TOKEN, "PLEX_RETRIES": "1.5"},
            "PLEX_RETRIES",
            "malformed",
        ),
        (
            {"PLEX_URL": "http://h", "PLEX_TOKEN": TOKEN, "PLEX_ENABLED": "perhaps"},
            "PLEX_ENABLED",
            "true or false",
        ),
        (
            {
                "OVERSEERR_URL": "http://h",
                "OVERSEERR_API_KEY": KEY,
                "OVERSEERR_FAILURE_RATIO": "1.5",
            },
            "OVERSEERR_FAILURE_RATIO",
            "(0, 1]",
        ),
        (
            {"OVERSEERR_URL": "http://h", "OVERSEERR_API_KEY": KEY, "OVERSEERR_RATE_LIMIT": "lots"},
            "OVERSEERR_RATE_LIMIT",
            "60/minute",
        ),
        (
            {"OVERSEERR_URL": "http://h", "OVERSEERR_API_KEY": KEY, "OVERSEERR_ACT_AS_USER": "me"},
            "OVERSEERR_ACT_AS_USER",
            "malformed",
        ),
    ],
)
def test_a_bad_variable_is_named_never_shown(env: dict[str, str], key: str, what: str) -> None:
    with pytest.raises(mn.ConfigError) as caught:
        mn.Services.from_env(env)
    assert caught.value.key == key
    assert what in str(caught.value)
    assert TOKEN not in str(caught.value) and KEY not in str(caught.value)
    assert isinstance(caught.value, ValueError)


@given(
    secret=st.text(string.ascii_letters + string.digits + "-_.~%+/", min_size=6, max_size=40),
    timeout=st.text(min_size=1, max_size=12),
)
def test_no_config_error_or_settings_repr_holds_the_secret(secret: str, timeout: str) -> None:
    env = {"PLEX_URL": "http://127.0.0.1:9", "PLEX_TOKEN": secret, "PLEX_TIMEOUT": timeout}
    error: mn.ConfigError | None = None
    try:
        services = mn.Services.from_env(env)
    except mn.ConfigError as exc:
        error = exc
    if error is not None:
        assert error.key == "PLEX_TIMEOUT"
        assert secret not in str(error) and secret not in repr(error)
    else:
        assert secret not in repr(services.settings) and secret not in repr(services)


def test_from_mapping_names_unknown_services_and_keys() -> None:
    with pytest.raises(mn.ConfigError, match=r"plex\.tmeout is not a setting of plex"):
        mn.Services.from_mapping({"plex": {"url": "http://h", "token": TOKEN, "tmeout": 3}})
    with pytest.raises(mn.ConfigError, match="'plx' is not a service"):
        mn.Services.from_mapping({"plx": {"url": "http://h"}})
    with pytest.raises(mn.ConfigError, match=r"prowlarr\.api_key is missing"):
        mn.Services.from_mapping({"prowlarr": {"url": "http://h"}})
    with pytest.raises(mn.ConfigError, match=r"qbittorrent\.password and username must be"):
        mn.Services.from_mapping({"qbittorrent": {"url": "http://h", "username": "admin"}})
    with pytest.raises(mn.ConfigError, match=r"plex\.url is malformed"):
        mn.Services.from_mapping({"plex": {"url": 5, "token": TOKEN}})
    with pytest.raises(mn.ConfigError, match=r"plex\.token is malformed"):
        mn.Services.from_mapping({"plex": {"url": "http://h", "token": ""}})
    with pytest.raises(mn.ConfigError, match=r"plex must be a table"):
        mn.Services.from_mapping({"plex": "http://h"})  # type: ignore[dict-item]


def test_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "services.toml"
    path.write_text(
        f'[plex]\nurl = "http://127.0.0.1:9"\ntoken = "{TOKEN}"\ntimeout = 3\n\n'
        f'[overseerr]\nurl = "http://127.0.0.1:9"\napi_key = "{KEY}"\nenabled = false\n'
    )
    services = mn.Services.from_toml(path)
    assert services.names() == ["plex"]
    assert services.settings["plex"] == mn.PlexSettings(
        url="http://127.0.0.1:9", token=TOKEN, timeout=3
    )
    path.write_text("[plex\nurl=")
    with pytest.raises(mn.ConfigError, match="cannot be read as TOML"):
        mn.Services.from_toml(path)
    with pytest.raises(mn.ConfigError, match="cannot be read"):
        mn.Services.from_toml(tmp_path / "absent.toml")


def test_a_password_in_the_url_stays_out_of_reprs() -> None:
    settings = mn.PlexSettings(url="http://bob:hunter22-pw@127.0.0.1:9", token=TOKEN)
    services = mn.Services(plex=settings)
    assert "hunter22-pw" not in repr(settings) and "hunter22-pw" not in repr(services.settings)
    assert "bob:***@127.0.0.1:9" in repr(settings)


def test_settings_objects_validate_on_their_own() -> None:
    with pytest.raises(mn.ConfigError, match="failure_ratio must be in"):
        mn.PlexSettings(url="http://h", token=TOKEN, failure_ratio=3)
    settings = mn.OverseerrSettings(url="http://h", api_key=KEY, act_as_user=2)
    assert isinstance(settings.api_key, mn.Secret) and KEY not in repr(settings)


def test_the_blocking_form_hands_out_blocking_adapters() -> None:
    plex, seerr, kuma, env = _fakes()
    client = fake_http_client(plex, seerr, kuma)
    with sync_api.Services.from_env(env, http_client=client) as services:
        assert isinstance(services.plex, sync_api.PlexAdapter)
        assert [s.title for s in services.plex.library_sections()] == ["Movies", "TV Shows"]
        assert isinstance(services.health_monitor(), sync_api.HealthMonitor)


def test_hostile_configuration_ends_in_config_error(tmp_path: Path) -> None:
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe[plex]\x00")
    with pytest.raises(mn.ConfigError, match="cannot be read as TOML"):
        mn.Services.from_toml(binary)
    nested = tmp_path / "nested.toml"
    nested.write_text('[plex]\nurl = "http://h"\ntoken = "t"\ntimeout = { a = { b = 1 } }\n')
    with pytest.raises(mn.ConfigError, match=r"plex\.timeout is malformed"):
        mn.Services.from_toml(nested)
    huge = "9" * 400
    with pytest.raises(mn.ConfigError) as caught:
        mn.Services.from_env({"PLEX_URL": "http://h", "PLEX_TOKEN": TOKEN, "PLEX_RETRIES": huge})
    assert caught.value.key == "PLEX_RETRIES" and huge not in str(caught.value)
