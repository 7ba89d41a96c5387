from __future__ import annotations

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


def test_version_comes_from_metadata() -> None:
    from importlib.metadata import version

    assert mn.__version__ == version("medianest-sdk")
