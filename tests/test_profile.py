"""A clean or portable profile: five environment variables move everything the app writes.

The README documents every variable the app reads; each folder follows its variable; and the
real app, started with them set and with a home folder of its own, writes nothing into that
home (so a profile on a USB stick, or a clean one for a bug report, is complete).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from latent_explorer.core.app_folders import PROFILE_VARIABLES
from tests.conftest import REPO

INTERNAL = {"LATENT_EXPLORER_TIMING", "LATENT_EXPLORER_BENCH_LOOKING"}
"""Read by the app but set only by ``latent-explorer bench`` for the processes it starts."""


def test_the_readme_documents_every_variable_the_app_reads() -> None:
    source = "\n".join(path.read_text(encoding="utf-8")
                       for path in (REPO / "latent_explorer").rglob("*.py"))
    read = set(re.findall(r"LATENT_EXPLORER_[A-Z_]+[A-Z]", source)) - INTERNAL
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    undocumented = sorted(name for name in read if f"`{name}" not in readme)
    assert not undocumented, f"README does not document {undocumented}"
    assert set(PROFILE_VARIABLES) <= read


def test_each_folder_follows_its_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    from latent_explorer.core.compute.cache import default_cache_dir
    from latent_explorer.core.models.families.fast_decode import onnx_cache_dir
    from latent_explorer.core.models.train_plan import default_model_folder
    from latent_explorer.core.session.autosave import default_state_dir
    from latent_explorer.core.session.crash_log import default_log_dir
    from latent_explorer.core.settings_file import settings_path
    from latent_explorer.qt.dialogs.card_writer import default_fallback_folder

    for name in PROFILE_VARIABLES:
        monkeypatch.setenv(name, str(tmp_path / name))
    folders = {
        "LATENT_EXPLORER_CONFIG": [settings_path(), default_fallback_folder()],
        "LATENT_EXPLORER_STATE": [default_state_dir()],
        "LATENT_EXPLORER_CACHE": [default_cache_dir(), onnx_cache_dir()],
        "LATENT_EXPLORER_LOG": [default_log_dir()],
        "LATENT_EXPLORER_DATA": [default_model_folder("photos")],
    }
    assert set(folders) == set(PROFILE_VARIABLES)
    for name, paths in folders.items():
        for path in paths:
            assert path.is_relative_to(tmp_path / name), (name, path)


@pytest.mark.slow
def test_the_real_app_writes_nothing_outside_its_profile(tmp_path: Path) -> None:
    home, profile = tmp_path / "home", tmp_path / "profile"
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LATENT_EXPLORER_", "XDG_"))}
    env.update({name: str(profile / name.rsplit("_", 1)[1].lower())
                for name in PROFILE_VARIABLES})
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "latent_explorer", "gui", "--dataset", "digits",
                           "--model", "demo", "--screenshot", str(tmp_path / "shot.png"),
                           "--size", "900x700"], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    ours = [p for p in home.rglob("*") if "latent-explorer" in str(p).lower()
            or "latent_explorer" in str(p).lower()]
    assert not ours, f"written outside the profile: {ours}"
    assert (profile / "config" / "settings.ini").is_file()
    assert any((profile / "cache").rglob("*.npz"))
