"""Errors a user can act on: one line naming the file, exit status 2, for every command."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from latent_explorer.cli import main
from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.models import DEMO_MODEL_PATH


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("latent-explorer: error: "), err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("argv", [
    ["--debug", "info", "--dataset", "no/such/file.npz"],
    ["info", "--dataset", "no/such/file.npz", "--debug"],
])
def test_debug_shows_the_traceback_before_or_after_the_subcommand(argv: list[str]) -> None:
    with pytest.raises(LatentExplorerError, match=r"no/such/file\.npz"):
        main(argv)


def test_train_conv_on_odd_sized_images_says_why_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "omniglot.npz"
    np.savez(data, images=np.zeros((4, 105, 105), np.uint8))
    assert main(["train", "--dataset", str(data), "--kind", "conv", "--hidden", "8,8,8",
                 "--epochs", "1", "--out", str(tmp_path / "vae")]) == 2
    err = one_error_line(capsys)
    assert "105x105" in err and "divisible by 8" in err and "--kind mlp" in err
    assert not (tmp_path / "vae").exists()


def test_train_prints_the_duration_it_writes(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "vae"
    assert main(["train", "--latent-dim", "2", "--hidden", "16", "--epochs", "1",
                 "--out", str(out)]) == 0
    seconds = json.loads((out / "model.json").read_text())["training"]["seconds"]
    assert f"in {seconds:.1f} s;" in capsys.readouterr().out


def test_render_given_a_session_says_it_is_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    session = tmp_path / "work.lxs"
    shutil.copy(Path(__file__).parent / "data" / "sessions" / "v2.lxs", session)
    assert main(["render", "--path-file", str(session), "--out",
                 str(tmp_path / "walk.gif")]) == 2
    err = one_error_line(capsys)
    assert "is a session file, not a path file" in err and "gui --session" in err


@pytest.mark.parametrize("name", ["z.npz", "z.npy"])
def test_encode_out_writes_exactly_the_path_given(
        tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / name
    assert main(["encode", "--out", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    loaded = np.load(out)
    latents = loaded["latents"] if name.endswith(".npz") else loaded
    assert latents.shape == (1797, 8)
    assert f"saved {out}" in capsys.readouterr().out


def test_encode_out_of_another_kind_is_refused_before_encoding(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["encode", "--out", str(tmp_path / "z.csv")]) == 2
    assert ".npy or .npz" in one_error_line(capsys)


def test_outputs_are_written_atomically(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails half way leaves the old file, and no temporary file, behind."""
    import numpy.lib.format as npformat

    real = npformat.write_array

    def half_then_fail(stream, array, *args, **kwargs):  # type: ignore[no-untyped-def]
        stream.write(b"half an array")
        raise OSError(28, "No space left on device")

    for argv, name in ((["encode"], "z.npy"), (["encode"], "z.npz"),
                       (["project"], "map.npy")):
        target = tmp_path / name
        target.write_bytes(b"old")
        monkeypatch.setattr(npformat, "write_array", half_then_fail)
        assert main([*argv, "--out", str(target)]) == 2
        monkeypatch.setattr(npformat, "write_array", real)
        assert target.read_bytes() == b"old"
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            p.name for p in tmp_path.iterdir() if not p.name.startswith("."))


def _demo_copy(folder: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    from safetensors.numpy import load_file, save_file

    folder.mkdir()
    shutil.copy(DEMO_MODEL_PATH, folder / "model.json")
    tensors = load_file(DEMO_MODEL_PATH.with_name("model.safetensors"))
    save_file({k: edit(k, v) for k, v in tensors.items()}, folder / "model.safetensors")
    return folder / "model.json"


def test_info_decodes_before_calling_a_model_fine(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = _demo_copy(tmp_path / "nan", lambda k, v: np.full_like(v, np.nan))
    assert main(["info", "--model", str(model)]) == 2
    err = one_error_line(capsys)
    assert str(model) in err and "NaN" in err and "damaged" in err


def test_a_bit_flipped_checkpoint_names_the_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def flip(key: str, value: np.ndarray) -> np.ndarray:
        bits = value.copy().view(np.uint32)
        bits.reshape(-1)[::7] |= np.uint32(0x7F800000)  # all exponent bits set: inf, NaN
        return bits.view(np.float32)

    model = _demo_copy(tmp_path / "flipped", flip)
    assert main(["decode", "--model", str(model), "--latent", "0,0,0,0,0,0,0,0",
                 "--out", str(tmp_path / "x.png")]) == 2
    assert str(model) in one_error_line(capsys)


class Raising(torch.nn.Module):
    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.sum() > -1e9:
            raise RuntimeError("the generator is broken")
        return z


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
def test_a_decoder_that_raises_is_one_line_and_the_trace_goes_to_the_log(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LATENT_EXPLORER_LOG", str(tmp_path / "log"))
    # A model that works at load time (the shape probe) and then raises on real latents.
    scripted = tmp_path / "gen.pt"
    torch.jit.script(Raising()).save(str(scripted))
    from latent_explorer.core.models import ModelOptions, write_model_card

    card = write_model_card(tmp_path / "gen.json", "torchscript", scripted,
                            ModelOptions(latent_shape=(4,), image_shape=(2, 2, 1)))
    assert main(["decode", "--model", str(card), "--trust-code", "--latent", "1,1,1,1",
                 "--out", str(tmp_path / "x.png")]) == 2
    err = one_error_line(capsys)
    assert str(card) in err and "the generator is broken" in err
    log = (tmp_path / "log" / "crash.log").read_text()
    assert "Traceback" in log and "the generator is broken" in log


def _gui(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "latent_explorer", "gui", *args,
                           "--screenshot", str(tmp_path / "shot.png")],
                          capture_output=True, text=True, timeout=120, env=env)


def test_gui_with_a_bad_session_or_file_exits_2_with_one_line(tmp_path: Path) -> None:
    from latent_explorer.core.session.data import ModelRef, SessionData
    from latent_explorer.core.session.store import save_session

    garbage = tmp_path / "garbage.lxs"
    garbage.write_bytes(b"not a zip")
    asks = save_session(tmp_path / "asks.lxs",
                        SessionData(model=ModelRef(str(tmp_path / "gen.py"), True)))
    (tmp_path / "gen.py").write_text("raise SystemExit('ran')\n")
    moved = save_session(tmp_path / "moved.lxs",
                         SessionData(model=ModelRef(str(tmp_path / "gone" / "m.pt"))))
    for args, message in (
            (["--session", str(tmp_path / "missing.lxs")], "no such file"),
            (["--session", str(garbage)], "not a zip archive"),
            (["--session", str(asks)], "runs code"),
            (["--session", str(moved)], "no longer exists"),
            (["--dataset", str(tmp_path / "nope.npz")], "no such file"),
            (["--model", str(tmp_path / "gen.py")], "runs code"),
    ):
        done = _gui(args, tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (args, done.stderr)
    assert not (tmp_path / "shot.png").exists()
