"""Developer tasks: ``nox -s tests lint typecheck docs bench``."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck", "docs"]
nox.options.default_venv_backend = "venv"

PEERS = ["pybreaker", "purgatory", "aiobreaker", "aiolimiter", "plexapi"]


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite (asyncio and trio); starts its own redis-server when one is on PATH."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on src, tests, examples and benchmarks."""
    session.install("-e", ".[test]")
    session.run("mypy")


@nox.session
def docs(session: nox.Session) -> None:
    """The Sphinx site, warnings as errors."""
    session.install("-e", ".[docs,all]")
    session.run("sphinx-build", "-W", "--keep-going", "-b", "html", "docs", "docs/_build/html")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against the peers, which are installed here only."""
    session.install("-e", ".[test]", *PEERS)
    session.run("python", "-m", "benchmarks", *session.posargs)
