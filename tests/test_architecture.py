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
           "latent_explorer.core.fileio", "latent_explorer.core.file_switch",
           "latent_explorer.core.pause_points")


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


# --- inside qt/: the window is built from controllers that never reach back into it ---

def _module_graph(package: str) -> dict[str, set[str]]:
    """Module -> the modules under ``package`` it imports: every import in its source (lazy
    ones and those under ``TYPE_CHECKING`` included), ``from a.b import c`` read as ``a.b.c``
    when ``c`` is a module."""
    import ast

    sources: dict[str, Path] = {}
    for path in PACKAGE_DIR.rglob("*.py"):
        parts = ("latent_explorer", *path.relative_to(PACKAGE_DIR).with_suffix("").parts)
        is_init = parts[-1] == "__init__"
        sources[".".join(parts[:-1] if is_init else parts)] = path
    graph: dict[str, set[str]] = {}
    for name, path in sources.items():
        if not _within(name, package):
            continue
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = here.split(".")[:len(here.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    targets.add(full if full in sources else base)
        graph[name] = {t for t in targets if _within(t, package) and t != name}
    return graph


def test_only_the_app_imports_the_main_window() -> None:
    graph = _module_graph("latent_explorer.qt")
    assert "latent_explorer.qt.main_window" in graph
    allowed = {"latent_explorer.qt.main_window", "latent_explorer.qt.app"}
    offenders = sorted(m for m, targets in graph.items()
                       if "latent_explorer.qt.main_window" in targets and m not in allowed)
    assert offenders == [], ("controllers and widgets get the parts they drive, never the "
                             f"window: {offenders}")


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles_inside_qt() -> None:
    graph = _module_graph("latent_explorer.qt")
    assert len(graph) > 20
    assert _circles(graph) == []


def test_the_circle_finder_finds_circles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert _circles(graph) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []
