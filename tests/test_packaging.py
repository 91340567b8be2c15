"""The desktop bundle and its metadata: .desktop file, AppStream XML, icons, resource lookup.

The fast tests always run and need neither Qt nor torch. The bundle test builds the app with
PyInstaller (packaging/build.sh, 3 to 7 minutes on two cores) and runs the frozen
executable; it runs only when ``LATENT_EXPLORER_TEST_PACKAGING=1`` is set.
"""

from __future__ import annotations

import configparser
import csv
import os
import shutil
import struct
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from latent_explorer import __version__
from latent_explorer.resources import RESOURCES_ENV, resource_path, resource_root

REPO = Path(__file__).resolve().parents[1]
PACKAGING = REPO / "packaging"
ICONS = REPO / "resources" / "icons"
APP_ID = "io.github.latent_explorer"
DESKTOP_FILE = PACKAGING / f"{APP_ID}.desktop"
METAINFO_FILE = PACKAGING / f"{APP_ID}.metainfo.xml"
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)
BUILD_ENV = "LATENT_EXPLORER_TEST_PACKAGING"


def _script_name() -> str:
    with (REPO / "pyproject.toml").open("rb") as handle:
        scripts = tomllib.load(handle)["project"]["scripts"]
    (name,) = scripts
    return str(name)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# --- the .desktop file -----------------------------------------------------------------------


def test_desktop_file_has_the_required_keys() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP_FILE, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Name"] == "Latent Explorer"
    assert entry["Comment"]
    assert entry["Icon"] == APP_ID
    assert entry["Exec"].split()[0] == _script_name()
    assert entry["Terminal"] == "false"
    categories = entry["Categories"]
    assert categories.endswith(";")
    assert "Science" in categories.split(";")


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-validate is not installed (apt: desktop-file-utils)")
def test_desktop_file_passes_desktop_file_validate() -> None:
    result = subprocess.run(["desktop-file-validate", str(DESKTOP_FILE)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error:" not in result.stdout


# --- the AppStream metadata -------------------------------------------------------------------


def test_metainfo_describes_the_app() -> None:
    root = ET.parse(METAINFO_FILE).getroot()
    assert root.tag == "component"
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("name") == "Latent Explorer"
    assert (root.findtext("summary") or "").strip()
    assert root.findtext("metadata_license") and root.findtext("project_license")
    description = root.find("description")
    assert description is not None
    assert description.findall("p"), "the description needs at least one paragraph"
    launchable = root.find("launchable")
    assert launchable is not None
    assert launchable.get("type") == "desktop-id"
    assert launchable.text == DESKTOP_FILE.name
    assert root.findtext("provides/binary") == _script_name()
    screenshots = root.findall("screenshots/screenshot")
    assert screenshots
    assert any(s.get("type") == "default" for s in screenshots)
    for shot in screenshots:
        image = (shot.findtext("image") or "").strip()
        assert image.startswith("https://"), "software centres fetch screenshots by URL"
    versions = [r.get("version") for r in root.findall("releases/release")]
    assert __version__ in versions, "add a <release> for the current version"


@pytest.mark.skipif(shutil.which("appstreamcli") is None,
                    reason="appstreamcli is not installed (apt: appstream)")
def test_metainfo_passes_appstreamcli_validate() -> None:
    result = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO_FILE)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# --- the icons --------------------------------------------------------------------------------


@pytest.mark.parametrize("size", ICON_SIZES)
def test_icon_png_exists_at_each_size(size: int) -> None:
    path = ICONS / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    assert path.is_file(), f"missing {path}; run python packaging/make_icons.py"
    assert _png_size(path) == (size, size)


def test_icon_svgs_match_their_generator() -> None:
    sys.path.insert(0, str(PACKAGING))
    try:
        import make_icons
    finally:
        sys.path.remove(str(PACKAGING))
    for name, small in ((f"{APP_ID}.svg", False), (f"{APP_ID}-small.svg", True)):
        path = ICONS / name
        text = path.read_text(encoding="utf-8")
        assert text == make_icons.icon_svg(small=small), (
            f"{path} is out of date; run python packaging/make_icons.py")
        root = ET.fromstring(text)
        assert root.get("viewBox") == "0 0 256 256"


# --- finding resources --------------------------------------------------------------------------


def test_resource_path_finds_the_checkout_resources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RESOURCES_ENV, raising=False)
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    assert resource_root() == REPO / "resources"
    assert resource_path("demo", "model.json").is_file()
    assert resource_path("icons", f"{APP_ID}.svg").is_file()


def test_resource_path_in_a_bundle_and_with_an_override(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(RESOURCES_ENV, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource_path("demo", "model.json") == tmp_path / "resources" / "demo" / "model.json"
    monkeypatch.setenv(RESOURCES_ENV, str(tmp_path / "share"))
    assert resource_path("icons") == tmp_path / "share" / "icons"


def test_an_installed_wheel_finds_its_data_files(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    import latent_explorer.resources as resources_module

    monkeypatch.delenv(RESOURCES_ENV, raising=False)
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    # As in site-packages: no resources folder beside the package, the data files under prefix.
    monkeypatch.setattr(resources_module, "__file__",
                        str(tmp_path / "site-packages" / "latent_explorer" / "resources.py"))
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "env"))
    installed = tmp_path / "env" / "share" / "latent-explorer" / "resources"
    (installed / "demo").mkdir(parents=True)
    assert resource_path("demo", "model.json") == installed / "demo" / "model.json"


def test_the_wheel_carries_the_demo_models_and_icons(tmp_path: Path) -> None:
    import zipfile

    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                             str(tmp_path), str(REPO)], capture_output=True, text=True,
                            check=False, timeout=600)
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("latent_explorer-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    data = [n.split(".data/data/", 1)[1] for n in names if ".data/data/" in n]
    for part in ("demo/model.json", "demo/model.safetensors", "demo-shapes/model.json",
                 "demo-shapes/model.safetensors", f"icons/{APP_ID}.svg"):
        assert f"share/latent-explorer/resources/{part}" in data, data


def test_entry_script_runs_the_cli_and_guards_main() -> None:
    source = (PACKAGING / "entry.py").read_text(encoding="utf-8")
    guarded = source.split('if __name__ == "__main__":', 1)
    assert len(guarded) == 2, "the entry script must not start the app on import"
    assert guarded[1].lstrip().startswith("multiprocessing.freeze_support()"), (
        "freeze_support must come first, before anything starts the app")
    result = subprocess.run([sys.executable, str(PACKAGING / "entry.py"), "--version"],
                            capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    assert __version__ in result.stdout


# --- the bundle itself (slow; opt-in) ---------------------------------------------------------


@pytest.mark.slow
@pytest.mark.packaging
@pytest.mark.skipif(os.environ.get(BUILD_ENV) != "1",
                    reason=f"builds the PyInstaller bundle (3-7 min); set {BUILD_ENV}=1")
def test_frozen_app_takes_a_screenshot_and_projects_with_umap(tmp_path: Path) -> None:
    dist, work = tmp_path / "dist", tmp_path / "work"
    build = subprocess.run(
        ["bash", str(PACKAGING / "build.sh"), str(dist), str(work)],
        capture_output=True, text=True, check=False, timeout=3600,
        env={**os.environ, "PYTHON": sys.executable},
    )
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    shutil.rmtree(work, ignore_errors=True)
    app = dist / "latent-explorer" / "latent-explorer"
    assert app.is_file()
    # Keep the frozen app's settings and caches out of the user's home; run it from elsewhere
    # than the checkout so it cannot find the source tree's resources by accident.
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    env.pop(RESOURCES_ENV, None)
    env.pop("PYTHONPATH", None)

    shot = tmp_path / "window.png"
    result = subprocess.run([str(app), "gui", "--screenshot", str(shot)], cwd=tmp_path,
                            env=env, capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert shot.stat().st_size > 10_000
    width, height = _png_size(shot)
    assert width >= 1000 and height >= 600

    if shutil.which("xvfb-run"):
        # The 3-D map needs OpenGL: PyOpenGL and Qt's GL modules must be in the bundle.
        shot_3d = tmp_path / "window-3d.png"
        result = subprocess.run(
            ["xvfb-run", "-a", "env", "QT_QPA_PLATFORM=xcb", str(app), "gui", "--view", "3d",
             "--screenshot", str(shot_3d)],
            cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=600,
        )
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
        assert shot_3d.stat().st_size > 10_000

    out = tmp_path / "map.csv"
    result = subprocess.run(
        [str(app), "--no-cache", "project", "--method", "umap", "--out", str(out)],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1797
    assert {"index", "label", "x", "y"} <= set(rows[0])
