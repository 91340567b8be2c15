"""A write that fails names the file the user asked for (never the app's hidden temporary
name) and says what went wrong; success is printed only once the write has succeeded."""

from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from latent_explorer.cli import main
from latent_explorer.core import fileio
from tests.kill_points import app_env, cli, hidden_leftovers


def _one_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("latent-explorer:")]
    assert len(lines) == 1 and lines[0].startswith("latent-explorer: error: "), err
    assert "Traceback" not in err
    return lines[0]


def test_a_folder_in_the_way_is_named_not_the_temporary_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "z.npy"
    target.mkdir()
    assert main(["encode", "--out", str(target)]) == 2
    printed = capsys.readouterr()
    line = _one_error(printed.err)
    assert line == f"latent-explorer: error: {target}: is a folder, not a file", line
    assert "encoded" not in printed.out and "saved" not in printed.out
    assert hidden_leftovers(tmp_path) == []


@pytest.mark.parametrize(("code", "says"), [(errno.EROFS, "the disk is read-only"),
                                            (errno.EACCES, "no permission to write there"),
                                            (errno.ENOSPC, "the disk is full")])
def test_a_folder_that_cannot_be_written_is_named_with_the_reason(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        code: int, says: str) -> None:
    """As a read-only disk, a folder of someone else's or a full disk refuse the app's
    temporary file (the tests run as root, who may write anywhere, so the system's refusal
    is played here, with the temporary name in it as the system gives it)."""
    def refuse(target: Path, mode: int) -> tuple[int, str]:
        hidden = fileio.temp_name(target, "tmp")
        raise OSError(code, "refused", str(hidden))

    monkeypatch.setattr(fileio, "_create_temp", refuse)
    target = tmp_path / "map.csv"
    assert main(["project", "--out", str(target)]) == 2
    printed = capsys.readouterr()
    assert _one_error(printed.err) == f"latent-explorer: error: {target}: {says}"
    assert "saved" not in printed.out


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX resource limits")
def test_a_full_disk_names_the_file_and_nothing_claims_success(tmp_path: Path) -> None:
    """The disk fills up while ``encode --out`` writes (a limit on file sizes plays the full
    disk: writes stop part way, as on a full one)."""
    import resource
    import signal

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a short write, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))

    target = tmp_path / "z.npy"
    done = subprocess.run(cli("--no-cache", "encode", "--out", str(target)),
                          env=app_env(tmp_path), preexec_fn=small_disk, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 2, done.stderr
    line = _one_error(done.stderr)
    assert line.startswith(f"latent-explorer: error: {target}: the write stopped after "), line
    assert line.endswith("bytes (is the disk full?)"), line
    assert done.stdout == "", "nothing was encoded and saved"
    assert not target.exists() and hidden_leftovers(tmp_path) == []


def test_a_latent_that_is_not_finite_is_blamed_not_the_weights(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["decode", "--latent", "0,nan,0,0,0,0,0,0",
                 "--out", str(tmp_path / "d.png")]) == 2
    line = _one_error(capsys.readouterr().err)
    assert "--latent: value 2 is nan, not a finite number" in line and "weights" not in line
    assert main(["decode", "--latent", "inf,0,0,0,0,0,0,0",
                 "--out", str(tmp_path / "d.png")]) == 2
    assert "value 1 is inf" in _one_error(capsys.readouterr().err)
    assert not (tmp_path / "d.png").exists()


def test_decode_one_refuses_a_latent_that_is_not_finite() -> None:
    """The same from Python and the window: the latent is named, not the model."""
    from latent_explorer.core.compute.decoder import decode_one
    from latent_explorer.core.errors import LatentExplorerError
    from latent_explorer.core.models import load_model

    latent = np.zeros(8, np.float32)
    latent[3] = np.nan
    with pytest.raises(LatentExplorerError, match="the latent holds NaN or infinite values"):
        decode_one(load_model("demo"), latent)


def test_train_into_a_file_is_refused_before_training(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file where the model's folder should go: refused at once, not after every epoch
    (which took as long as training, and then said only "File exists")."""
    target = tmp_path / "vae"
    target.write_text("a file of the user's")
    assert main(["train", "--epochs", "1000", "--out", str(target)]) == 2
    printed = capsys.readouterr()
    assert _one_error(printed.err) == (f"latent-explorer: error: {target}: is a file, not a "
                                       "folder; a model is saved into a folder (choose "
                                       "another --out)")
    assert "epoch" not in printed.err and printed.out == ""
    assert target.read_text() == "a file of the user's"
    assert main(["train", "--epochs", "1000", "--out", str(target / "inside")]) == 2
    assert f"{target}: is a file, not a folder" in _one_error(capsys.readouterr().err)
