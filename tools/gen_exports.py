"""Regenerate the ``TYPE_CHECKING`` imports and ``__all__`` of ``medianest_sdk/__init__.py``
from its ``_EXPORTS`` table (the one place a public name is added).

Run: ``python tools/gen_exports.py``; ``tests/test_exports.py`` fails when they disagree.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

INIT = Path(__file__).resolve().parents[1] / "src" / "medianest_sdk" / "__init__.py"


def main() -> None:
    source = INIT.read_text()
    tree = ast.parse(source)
    table: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and ast.unparse(node.target) == "_EXPORTS":
            table = ast.literal_eval(node.value)  # type: ignore[arg-type]
    by_module: dict[str, list[str]] = defaultdict(list)
    for name, module in sorted(table.items()):
        by_module[module].append(name)
    block = ["if TYPE_CHECKING:"]
    for module in sorted(by_module):
        block.append(f"    from .{module} import (")
        block += [f"        {name}," for name in sorted(by_module[module])]
        block.append("    )")
    source = re.sub(r"if TYPE_CHECKING:\n(?:    .*\n)+", "\n".join(block) + "\n", source, count=1)
    names = ["__version__", *sorted(table, key=str.lower)]
    listing = "__all__ = [\n" + "".join(f'    "{n}",\n' for n in names) + "]\n"
    source = re.sub(r"__all__ = \[\n(?:    .*\n)+\]\n", listing, source, count=1)
    entries = "".join(f'    "{n}": "{table[n]}",\n' for n in sorted(table))
    source = re.sub(
        r"_EXPORTS: dict\[str, str\] = \{\n(?:    .*\n)+\}\n",
        "_EXPORTS: dict[str, str] = {\n" + entries + "}\n",
        source,
        count=1,
    )
    INIT.write_text(source)


if __name__ == "__main__":
    main()
