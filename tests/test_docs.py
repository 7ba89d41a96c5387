"""Every complete Python example in the docs runs, so none can rot."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).parent.parent / "docs"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _runnable_blocks() -> list[tuple[str, str]]:
    found = []
    for page in sorted(DOCS.rglob("*.md")):
        for n, code in enumerate(BLOCK.findall(page.read_text())):
            if "anyio.run(" in code:  # complete scripts; fragments are illustrations
                found.append((f"{page.relative_to(DOCS)}#{n}", code))
    return found


@pytest.mark.parametrize(("where", "code"), _runnable_blocks(), ids=lambda v: str(v)[:40])
def test_doc_example_runs(where: str, code: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"{where} failed:\n{result.stderr}"
    assert result.stdout.strip(), f"{where} printed nothing"
