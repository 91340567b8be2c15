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
        "print(','.join(sorted(m for m in ('torch', 'PySide6', 'umap', 'sklearn') "
        "if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == ""


def test_only_qt_package_imports_qt() -> None:
    offenders = []
    for path in PACKAGE_DIR.rglob("*.py"):
        rel = path.relative_to(PACKAGE_DIR)
        if rel.parts[0] in ("qt",):
            continue
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines():
            stripped = line.strip()
            if stripped.startswith(("import PySide6", "from PySide6", "import pyqtgraph",
                                    "from pyqtgraph", "from superqt", "import superqt")):
                offenders.append(f"{rel}: {stripped}")
    assert offenders == []
