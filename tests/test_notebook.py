"""examples/notebook.ipynb runs in a real Jupyter kernel (top-level await), so it cannot rot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).parent.parent / "examples" / "notebook.ipynb"


def test_notebook_executes() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)  # type: ignore[no-untyped-call]
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    ).execute()
    outputs = [
        out.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    ]
    text = "".join(outputs)
    assert "[True, True, True, False, False]" in text
    assert "open" in text
    assert "The Expanse" in text
    assert "healthy" in text
    assert "saved ['sample [sample].mp4']" in text
    errors = [
        out
        for cell in notebook.cells
        for out in cell.get("outputs", [])
        if out.output_type == "error"
    ]
    assert errors == []
    assert _stray_log_lines(notebook) == []  # the breaker opened, and nothing was printed


def test_blocking_notebook_executes() -> None:
    path = NOTEBOOK.parent / "notebook_blocking.ipynb"
    notebook = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    outputs = [
        out.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    ]
    text = "".join(outputs)
    assert "['The Expanse', 'Severance']" in text
    assert "healthy" in text
    assert "verified github" in text
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    assert _stray_log_lines(notebook) == []


def _stray_log_lines(notebook: Any) -> list[str]:
    """Lines on the cells' stderr that read like the library's log records (Python's
    last-resort handler prints ``breaker 'x': closed -> open ...`` when no handler is set)."""
    return [
        line
        for cell in notebook.cells
        for out in cell.get("outputs", [])
        if out.output_type == "stream" and out.name == "stderr"
        for line in out.text.splitlines()
        if " -> " in line or "medianest_sdk" in line
    ]
