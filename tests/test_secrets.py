from __future__ import annotations

import base64
import binascii
import time

import pytest
from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import strategies as st

from medianest_sdk import MediaNestError, Secret, TokenVault, TokenVaultError
from medianest_sdk.secrets import MASK, redact_headers, redact_text, redact_url

from .strategies import noise, secret_text


class TestSecret:
    @given(secret_text)
    def test_value_never_shown_by_repr_str_or_format(self, value: str) -> None:
        s = Secret(value)
        for shown in (repr(s), str(s), f"{s}", f"{s!r}", f"{s:>20}", "%s" % s, str([s])):  # noqa: UP031
            assert value not in shown
        assert s.reveal() == value

    @given(secret_text, secret_text)
    def test_equality_follows_value(self, a: str, b: str) -> None:
        assert (Secret(a) == Secret(b)) == (a == b)
        assert Secret(a) == Secret(a)
        assert hash(Secret(a)) == hash(Secret(a))

    def test_not_equal_to_plain_string(self) -> None:
        assert Secret("k") != "k"

    def test_rejects_non_str(self) -> None:
        with pytest.raises(TypeError, match="holds a str"):
            Secret(b"bytes")  # type: ignore[arg-type]

    def test_coerce(self) -> None:
        s = Secret("x")
        assert Secret.coerce(s) is s
        assert Secret.coerce("x") == s


class TestTokenVault:
    def test_round_trip(self) -> None:
        vault = TokenVault([TokenVault.generate_key()])
        token = vault.encrypt("plex-token-123")
        assert "plex-token-123" not in token
        assert vault.decrypt(token).reveal() == "plex-token-123"
        assert vault.decrypt(vault.encrypt(Secret("s3"))).reveal() == "s3"

    def test_rotation_keeps_old_tokens_readable_and_moves_them_to_new_key(self) -> None:
        old, new = TokenVault.generate_key(), TokenVault.generate_key()
        token = TokenVault([old]).encrypt("abc")
        both = TokenVault([new, old])
        assert both.decrypt(token).reveal() == "abc"
        rotated = both.rotate(token)
        assert TokenVault([new]).decrypt(rotated).reveal() == "abc"
        with pytest.raises(TokenVaultError):
            TokenVault([old]).decrypt(rotated)

    def test_wrong_key_is_a_clear_typed_error(self) -> None:
        token = TokenVault([TokenVault.generate_key()]).encrypt("abc")
        with pytest.raises(TokenVaultError) as info:
            TokenVault([TokenVault.generate_key()]).decrypt(token)
        assert info.value.reason == "invalid"
        assert isinstance(info.value, MediaNestError)
        assert "key" in str(info.value)

    @given(st.integers(min_value=0, max_value=80), st.integers(min_value=0, max_value=255))
    def test_any_tampered_byte_is_refused(self, position: int, value: int) -> None:
        vault = TokenVault([Fernet.generate_key()])
        token = vault.encrypt("secret-value")
        raw = bytearray(token.encode())
        position %= len(raw)
        if raw[position] == value:
            return
        raw[position] = value
        try:  # '+' for '-', or a last character's unused bits, decode to the same bytes:
            if base64.urlsafe_b64decode(bytes(raw)) == base64.urlsafe_b64decode(token):
                return  # the same token, not a tampered one
        except (binascii.Error, ValueError):
            pass
        with pytest.raises(TokenVaultError) as info:
            vault.decrypt(raw.decode("latin-1"))
        assert info.value.reason == "invalid"

    def test_expired_token(self) -> None:
        key = TokenVault.generate_key()
        old_token = Fernet(key).encrypt_at_time(b"abc", int(time.time()) - 3600).decode()
        vault = TokenVault([key])
        with pytest.raises(TokenVaultError) as info:
            vault.decrypt(old_token, ttl=60)
        assert info.value.reason == "expired"
        assert vault.decrypt(old_token, ttl=7200).reveal() == "abc"

    def test_bad_key_names_position_not_value(self) -> None:
        with pytest.raises(ValueError, match="#1") as info:
            TokenVault([TokenVault.generate_key(), "not-a-key-value"])
        assert "not-a-key-value" not in str(info.value)
        with pytest.raises(ValueError, match="at least one key"):
            TokenVault([])

    def test_repr_hides_keys(self) -> None:
        key = TokenVault.generate_key()
        assert key not in repr(TokenVault([key]))


class TestRedaction:
    @pytest.mark.parametrize("name", ["X-Plex-Token", "x-plex-token", "apikey", "api_key", "token"])
    def test_query_params(self, name: str) -> None:
        url = f"http://h:1/p?a=1&{name}=SEKRIT&b=2"
        assert redact_url(url) == f"http://h:1/p?a=1&{name}={MASK}&b=2"

    def test_userinfo_password(self) -> None:
        assert redact_url("redis://user:pw@host:6379/0") == f"redis://user:{MASK}@host:6379/0"
        assert redact_url("redis://pw@host:6379") == f"redis://{MASK}@host:6379"

    def test_urls_without_secrets_are_kept_verbatim(self) -> None:
        url = "http://h/p?q=a%20b&sort=titleSort:desc"
        assert redact_url(url) == url

    def test_headers(self) -> None:
        out = redact_headers(
            {
                "Authorization": "Bearer x",
                "X-Api-Key": "k",
                "Accept": "application/json",
                "Cookie": "c",
                "set-cookie": "s",
                "X-Plex-Token": "t",
            }
        )
        assert out == {
            "Authorization": MASK,
            "X-Api-Key": MASK,
            "Accept": "application/json",
            "Cookie": MASK,
            "set-cookie": MASK,
            "X-Plex-Token": MASK,
        }

    @given(secret_text, noise, noise)
    def test_no_secret_survives_in_text(self, secret: str, before: str, after: str) -> None:
        text = f"{before}{secret}{after}?token={secret}&apikey={secret}{before}"
        assert secret not in redact_text(text, [Secret(secret)])

    @given(secret_text, noise)
    def test_no_secret_survives_in_urls(self, secret: str, path: str) -> None:
        url = f"http://127.0.0.1:32400/{path}?X-Plex-Token={secret}&apikey={secret}"
        shown = redact_text(redact_url(url), [secret])
        assert secret not in shown

    def test_masks_cannot_reform_a_secret(self) -> None:
        assert "a*" not in redact_text("aa*", ["a*"])
        assert redact_text("x**y", ["*"]) == ""
