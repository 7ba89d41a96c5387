"""Sign in to plex.tv with a PIN, keep the token encrypted on disk, and list your servers.

1. Creates a PIN and prints the app.plex.tv link to open; waits (up to 5 minutes) for you to
   confirm it there.
2. Encrypts the token with ``TokenVault`` into ``PLEX_TOKEN_FILE`` (default
   ``~/.config/medianest/plex-token``) under the key in ``MEDIANEST_VAULT_KEY`` (generate one
   with ``python -c "import medianest_sdk as mn; print(mn.TokenVault.generate_key())"``).
   The next run reuses the stored token instead of asking again.
3. Lists the account's servers and how to reach them.

Run: ``MEDIANEST_VAULT_KEY=... python examples/plex_signin.py``. ``PLEX_TV_URL`` points it at
another plex.tv (the test suite uses a loopback stand-in). Exits 1 with a one-line reason.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import anyio

import medianest_sdk as mn


async def client_identifier(folder: anyio.Path) -> str:
    """A stable X-Plex-Client-Identifier for this machine (Plex lists each one as a device)."""
    path = folder / "client-id"
    if await path.exists():
        return (await path.read_text()).strip()
    value = uuid.uuid4().hex
    await path.write_text(value)
    return value


async def main(vault: mn.TokenVault, token_path: Path, plex_tv: str) -> None:
    token_file = anyio.Path(token_path)
    await token_file.parent.mkdir(parents=True, exist_ok=True)
    identifier = await client_identifier(token_file.parent)
    async with mn.PlexPinAuth(identifier, base_url=plex_tv) as signin:
        token: mn.Secret | None = None
        if await token_file.exists():
            try:
                token = vault.decrypt(await token_file.read_text())
                await signin.user(token)
                print("using the stored token")
            except (mn.TokenVaultError, mn.AuthenticationError):
                token = None
        if token is None:
            pin = await signin.create_pin()
            print(f"open {signin.auth_url(pin)} and confirm code {pin.code}")
            token = await signin.wait_for_token(pin, timeout=300)
            partial = token_file.with_suffix(".tmp")
            await partial.write_text(vault.encrypt(token))
            await partial.replace(token_file)  # never a half-written token file
            print(f"signed in; token stored encrypted in {token_file}")
        user = await signin.user(token)
        print(
            f"account: {user.username} (Plex Pass: {'yes' if user.subscription_active else 'no'})"
        )
        for resource in await signin.resources(token):
            if resource.is_server:
                print(f"server {resource.name} ({'owned' if resource.owned else 'shared'})")
                for connection in resource.connections:
                    kind = (
                        "local" if connection.local else "relay" if connection.relay else "remote"
                    )
                    print(f"  {kind:<6} {connection.uri}")


if __name__ == "__main__":
    key = os.environ.get("MEDIANEST_VAULT_KEY")
    if not key:
        sys.exit("set MEDIANEST_VAULT_KEY (make one with mn.TokenVault.generate_key())")
    default = Path.home() / ".config" / "medianest" / "plex-token"
    try:
        anyio.run(
            main,
            mn.TokenVault([key]),
            Path(os.environ.get("PLEX_TOKEN_FILE", default)),
            os.environ.get("PLEX_TV_URL", "https://plex.tv"),
        )
    except (mn.MediaNestError, ValueError) as exc:
        sys.exit(f"error: {exc}")
