from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import medianest_sdk as mn


def test_all_names_exist_and_are_documented() -> None:
    assert len(mn.__all__) == len(set(mn.__all__))
    for name in mn.__all__:
        obj = getattr(mn, name)
        if name == "__version__":
            assert isinstance(obj, str) and obj
            continue
        assert inspect.getdoc(obj), f"{name} has no docstring"


def test_public_methods_are_documented() -> None:
    for name in mn.__all__:
        obj = getattr(mn, name)
        if not inspect.isclass(obj) or issubclass(obj, BaseException):
            continue
        for attr, member in vars(obj).items():
            if attr.startswith("_") or not callable(member):
                continue
            assert inspect.getdoc(member), f"{name}.{attr} has no docstring"


def test_import_stays_light() -> None:
    code = (
        "import sys, medianest_sdk; "
        "heavy = [m for m in ('yt_dlp', 'redis', 'prometheus_client', 'trio') "
        "if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_version_is_the_project_version() -> None:
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    declared = tomllib.loads(pyproject.read_text())["project"]["version"]
    assert mn.__version__ == declared


def test_one_table_drives_all_lazy_loading_and_typing() -> None:
    """``_EXPORTS`` (lazy loading), ``__all__`` and the ``TYPE_CHECKING`` imports list the same
    names from the same modules, so a name cannot be public in one and missing in another."""
    import ast
    from pathlib import Path

    source = Path(mn.__file__).read_text()
    tree = ast.parse(source)
    typed: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom) and stmt.level == 1
                for alias in stmt.names:
                    assert alias.asname is None
                    typed[alias.name] = str(stmt.module)
    table = dict(mn._EXPORTS)
    assert typed == table
    assert set(mn.__all__) == {"__version__", *table}
    assert len(mn.__all__) == len(set(mn.__all__))
    for name, module in table.items():
        assert getattr(importlib.import_module(f"medianest_sdk.{module}"), name) is getattr(
            mn, name
        )
