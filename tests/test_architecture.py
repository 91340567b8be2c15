"""House rules that keep the layers apart."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import latent_explorer

PACKAGE_DIR = Path(latent_explorer.__file__).parent


def _modules_under(package: str) -> list[str]:
    path = PACKAGE_DIR.joinpath(*package.split(".")[1:])
    names = [package]
    for info in pkgutil.walk_packages([str(path)], prefix=package + "."):
        names.append(info.name)
    return names


def test_core_never_loads_qt() -> None:
    modules = _modules_under("latent_explorer.core")
    assert len(modules) > 10
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'pyqtgraph', 'superqt', 'shiboken6') or m.startswith('latent_explorer.qt'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "", f"core loaded Qt modules: {out.stdout.strip()}"


def test_importing_the_package_stays_light() -> None:
    code = (
        "import sys, latent_explorer, latent_explorer.cli\n"
        "import latent_explorer as lx\n"
        "lx.explore, lx.Explorer, lx.load_model, lx.load_dataset, lx.LatentExplorerError\n"
        "print(','.join(sorted(m for m in ('torch', 'PySide6', 'umap', 'sklearn') "
        "if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == ""


def test_only_qt_and_bench_import_qt() -> None:
    offenders = []
    for path in PACKAGE_DIR.rglob("*.py"):
        rel = path.relative_to(PACKAGE_DIR)
        if rel.parts[0] in ("qt", "bench"):  # the benchmarks drive real windows
            continue
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines():
            stripped = line.strip()
            if stripped.startswith(("import PySide6", "from PySide6", "import pyqtgraph",
                                    "from pyqtgraph", "from superqt", "import superqt")):
                offenders.append(f"{rel}: {stripped}")
    assert offenders == []


# --- the layers, import-linter style: every import, lazy ones included, read from the source ---

_LAYER_RULES = {
    # package -> packages of latent_explorer it must never import
    "latent_explorer.core": ("latent_explorer.qt", "latent_explorer.cli", "latent_explorer.bench",
                             "latent_explorer.api"),
    "latent_explorer.qt": ("latent_explorer.cli", "latent_explorer.bench", "latent_explorer.api"),
    "latent_explorer.bench": ("latent_explorer.cli", "latent_explorer.api"),
    # the Python API sits on qt/ and core/
    "latent_explorer.api": ("latent_explorer.cli", "latent_explorer.bench"),
}
_BOTTOM = ("latent_explorer.core.jobs", "latent_explorer.core.errors",
           "latent_explorer.core.fileio")


def _imports() -> dict[str, set[str]]:
    """Module name -> the latent_explorer modules it imports (anywhere in its source)."""
    import ast

    graph: dict[str, set[str]] = {}
    for path in PACKAGE_DIR.rglob("*.py"):
        parts = ("latent_explorer", *path.relative_to(PACKAGE_DIR).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets.add(node.module)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
        graph[name] = {t for t in targets if t.startswith("latent_explorer")}
    return graph


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_layers_import_downwards_only() -> None:
    offenders = []
    for module, targets in _imports().items():
        for package, banned in _LAYER_RULES.items():
            if not _within(module, package):
                continue
            offenders += [f"{module} -> {t}" for t in targets
                          if any(_within(t, b) for b in banned)]
        if module == "latent_explorer" or module.startswith("latent_explorer.__"):
            continue
        if any(t == "latent_explorer" for t in targets):
            offenders.append(f"{module} -> latent_explorer (the facade sits on top)")
        if module in _BOTTOM:
            offenders += [f"{module} -> {t}" for t in targets
                          if t not in _BOTTOM]
    assert offenders == []


def _group(name: str) -> str:
    """The unit of the no-circles rule: core's sub-packages, or a top-level package."""
    parts = name.split(".")
    if len(parts) > 2 and parts[1] == "core":
        return ".".join(parts[:3])
    return ".".join(parts[:2])


def test_no_import_circles_between_packages() -> None:
    edges: dict[str, set[str]] = {}
    for module, targets in _imports().items():
        if module == "latent_explorer":
            continue  # the facade imports lazily from everything below it
        edges.setdefault(_group(module), set()).update(
            _group(t) for t in targets if _group(t) != _group(module) and t != "latent_explorer")
    circles = []

    def visit(node: str, trail: list[str]) -> None:
        for nxt in sorted(edges.get(node, ())):
            if nxt in trail:
                circles.append(" -> ".join([*trail[trail.index(nxt):], nxt]))
            elif len(trail) < 12:
                visit(nxt, [*trail, nxt])

    for start in sorted(edges):
        visit(start, [start])
    assert circles == []
