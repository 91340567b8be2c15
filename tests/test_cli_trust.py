"""The command line with a TorchScript archive that writes a file when it loads (issue 23).

``info``, ``decode`` and ``gui`` refuse it without ``--trust-code`` (one line, exit status 2,
no file written); ``--trust-code`` opens it. ``gui --screenshot`` refuses before any window
opens, for ``--model`` and for a session naming it (nobody would be there to answer the
window's question).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from latent_explorer.cli.main import main
from latent_explorer.core.models import ModelOptions, write_model_card
from tests.core.trust_attacks import torchscript_that_writes


@pytest.fixture
def archive(tmp_path: Path) -> tuple[Path, Path]:
    """A TorchScript archive and the marker its load writes."""
    marker = tmp_path / "written-by-torchscript"
    return torchscript_that_writes(tmp_path / "G.pt", marker), marker


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("latent-explorer: error: "), err
    return err


@pytest.mark.parametrize("command", ["info", "decode"])
def test_a_torchscript_archive_is_refused_without_trust_code(
        command: str, archive: tuple[Path, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path, marker = archive
    card = write_model_card(tmp_path / "G.json", "torchscript", path,
                            ModelOptions(latent_shape=(6,)))
    extra = ["--dataset", "prior:10"] if command == "info" else [
        "--latent", "0,0,0,0,0,0", "--out", str(tmp_path / "x.png")]
    for spec in (path, card):
        assert main([command, "--model", str(spec), *extra]) == 2
        err = _one_line(capsys)
        assert "G.pt: is a TorchScript archive" in err and "--trust-code" in err
    assert not marker.exists()
    assert main([command, "--model", str(card), "--trust-code", *extra]) == 0
    assert marker.exists()


def _gui(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "LATENT_EXPLORER_STATE": str(tmp_path / "state"),
           "LATENT_EXPLORER_CONFIG": str(tmp_path / "config"),
           "LATENT_EXPLORER_CACHE": str(tmp_path / "cache")}
    return subprocess.run([sys.executable, "-m", "latent_explorer", "gui", *args,
                           "--screenshot", str(tmp_path / "shot.png")],
                          capture_output=True, text=True, timeout=300, env=env)


def test_gui_refuses_a_torchscript_archive_before_the_window_opens(
        archive: tuple[Path, Path], tmp_path: Path) -> None:
    from latent_explorer.core.session.data import DatasetRef, ModelRef, SessionData
    from latent_explorer.core.session.store import save_session

    path, marker = archive
    session = save_session(tmp_path / "s.lxs", SessionData(
        dataset=DatasetRef("prior:20"), model=ModelRef(str(path), trust_code=False)))
    for args in (["--model", str(path)], ["--session", str(session)]):
        result = _gui(tmp_path, *args)
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and "runs code" in result.stderr
        assert "--trust-code" in result.stderr and "G.pt" in result.stderr
        assert not marker.exists() and not (tmp_path / "shot.png").exists()
