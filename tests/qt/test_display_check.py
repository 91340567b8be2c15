"""No display, or no ``libxcb-cursor0``: one line saying what is missing and what to do, exit 2.

Qt itself aborts the process there (exit status 134, "Reinstalling the application may fix
this problem"). These start the real ``latent-explorer`` as a user would, with no display, with
a display nobody answers, and with a system where Qt's X11 plugin cannot load a library
(simulated by a broken ``libxcb-cursor.so.0`` found first on the loader's path, which fails
the same way for Qt as a missing one).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from latent_explorer.qt.display_check import XCB_PACKAGES, _xcb_plugin, display_problem
from tests.conftest import REPO

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="only X11 systems can lack a display")


def _run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    base.update(LATENT_EXPLORER_CONFIG=str(tmp_path / "config"),
                LATENT_EXPLORER_STATE=str(tmp_path / "state"),
                LATENT_EXPLORER_LOG=str(tmp_path / "log"),
                PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""), **env)
    return subprocess.run([sys.executable, "-m", "latent_explorer", *args], env=base,
                          capture_output=True, text=True, timeout=300, check=False)


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Reinstalling" not in proc.stderr
    return lines[0]


@pytest.mark.parametrize("platform", [None, "xcb"])
def test_no_display_is_one_line_naming_what_works_headless(tmp_path: Path,
                                                            platform: str | None) -> None:
    env = {} if platform is None else {"QT_QPA_PLATFORM": platform}
    line = _one_error_line(_run(tmp_path, **env))  # `latent-explorer`, as a new user types it
    assert line.startswith("latent-explorer: error: cannot open a window: there is no display")
    assert "DISPLAY" in line and "--screenshot" in line and "offscreen" in line


def test_a_display_nobody_answers_is_named(tmp_path: Path) -> None:
    line = _one_error_line(_run(tmp_path, "gui", QT_QPA_PLATFORM="xcb", DISPLAY=":97"))
    assert "the display :97 (DISPLAY) does not answer" in line and "--screenshot" in line


@pytest.mark.skipif(_xcb_plugin() is None, reason="PySide6 ships no xcb plugin here")
def test_a_missing_xcb_library_names_the_package_to_install(tmp_path: Path) -> None:
    broken = tmp_path / "lib"
    broken.mkdir()
    (broken / "libxcb-cursor.so.0").write_bytes(b"")  # found first, and cannot be loaded
    line = _one_error_line(_run(tmp_path, "gui", QT_QPA_PLATFORM="xcb", DISPLAY=":97",
                                LD_LIBRARY_PATH=str(broken)))
    assert "Qt's X11 plugin cannot load libxcb-cursor.so.0" in line
    assert "sudo apt install libxcb-cursor0" in line and "--screenshot" in line


def test_the_loader_s_words_for_an_absent_library_become_a_package() -> None:
    def load(path: str) -> None:
        raise OSError("libxkbcommon-x11.so.0: cannot open shared object file: No such file or "
                      "directory")

    problem = display_problem({"DISPLAY": ":0"}, load=load, connect=lambda d: True,
                              platform="linux")
    assert problem is not None
    if _xcb_plugin() is not None:
        assert "cannot load libxkbcommon-x11.so.0 (not installed)" in problem
        assert "sudo apt install libxkbcommon-x11-0" in problem


def test_what_needs_no_screen_is_left_alone() -> None:
    never = {"load": lambda path: None, "connect": lambda display: False}
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, platform="linux", **never) is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, platform="linux", **never) is None
    assert display_problem({}, platform="darwin", **never) is None
    assert display_problem({}, platform="win32", **never) is None
    assert display_problem({"DISPLAY": ":0"}, platform="linux", load=lambda p: None,
                           connect=lambda d: True) is None


def test_a_screenshot_needs_no_screen(tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"  # (the window's options work without naming `gui`)
    proc = _run(tmp_path, "--screenshot", str(shot), "--size", "900x700",
                LATENT_EXPLORER_CACHE=str(tmp_path / "cache"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.stat().st_size > 0


def test_explore_from_python_raises_the_same_line(tmp_path: Path) -> None:
    code = ("import latent_explorer as lx\n"
            "try:\n"
            "    lx.explore('demo', 'digits', block=False)\n"
            "except lx.LatentExplorerError as exc:\n"
            "    print('refused:', exc)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=False, cwd=tmp_path,
                          env={k: v for k, v in _env_without_display(tmp_path).items()})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("refused: cannot open a window: there is no display")


def _env_without_display(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(LATENT_EXPLORER_CONFIG=str(tmp_path / "config"),
               PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return env


def test_the_readme_names_the_system_packages_a_linux_desktop_needs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"lib[a-z0-9.+-]+", readme))
    missing = sorted(set(XCB_PACKAGES.values()) - named)
    assert not missing, f"README does not name {missing}"
