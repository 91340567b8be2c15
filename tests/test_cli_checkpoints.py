"""The command line on third-party checkpoints as users have them (issue 24, "Models as they
come"): ``info`` says what it found out, reads files by content, maps a decoder-only model's
prior; ``gui --screenshot`` opens an autoencoder on the range it was trained on; ``bench``
reports each group as it ends."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

from latent_explorer.cli import main
from tests.core.checkpoint_zoo import pickle_beside, range_autoencoder, unique_name, zoo_module

SCRIPT_IS_DEPRECATED = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning"
)


@SCRIPT_IS_DEPRECATED
def test_info_reads_a_renamed_autoencoder_and_says_which_input_range_it_chose(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with zoo_module(tmp_path / "src", unique_name(tmp_path)) as nets:
        torch.jit.script(range_autoencoder(nets)).save(str(tmp_path / "vae.bak"))
    assert main(["info", "--model", str(tmp_path / "vae.bak"), "--trust-code",
                 "--dataset", "digits"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "latent   16 values" in out and "output   8x8x1" in out
    assert "note     encoder input range [-1, 1] and output range [-1, 1] chosen: the round " \
           "trip of 8 of your images comes closest" in out
    assert "fit      the model can encode this dataset" in out


def test_info_on_a_decoder_only_pickle_maps_its_prior_and_says_its_range_was_guessed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = pickle_beside(tmp_path, unique_name(tmp_path), lambda nets: nets.TanhDecoder(),
                         "G.pt")
    assert main(["info", "--model", str(path), "--trust-code"]) == 0
    out = capsys.readouterr().out
    assert "cannot place the images" not in out and "digits" not in out  # as gui: the prior
    assert "fit      the map shows 2,000 latents drawn from the prior" in out
    assert "note     output range [-1, 1] guessed from decoded values" in out
    assert "output   32x32x3" in out


def test_info_on_a_sampling_vae_says_where_it_places_each_image(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = pickle_beside(tmp_path, unique_name(tmp_path), lambda nets: nets.SamplingVAE())
    assert main(["info", "--model", str(path), "--trust-code", "--dataset", "digits"]) == 0
    out = capsys.readouterr().out
    assert "encoder samples its latents" in out and "average of 16 draws" in out


ONE_HOT_ADAPTER = """
import torch
from {module} import OneHotDecoder

NUM_CLASSES = 10


def load(checkpoint_dir):
    net = OneHotDecoder()
    net.load_state_dict(torch.load(checkpoint_dir / "cgan.pth", map_location="cpu",
                                   weights_only=True))
    return net
"""


def test_a_one_hot_conditional_decoder_decodes_from_the_command_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = unique_name(tmp_path)
    with zoo_module(tmp_path, name) as nets:
        torch.save(nets.OneHotDecoder().state_dict(), tmp_path / "cgan.pth")
    adapter = tmp_path / "cgan.py"
    adapter.write_text(ONE_HOT_ADAPTER.format(module=name), encoding="utf-8")
    assert main(["info", "--model", str(adapter), "--trust-code"]) == 0
    out = capsys.readouterr().out
    assert "latent   3 values" in out and "classes  conditional on 10 classes" in out
    assert "one-hot vector of 10 values" in out
    png = tmp_path / "seven.png"
    assert main(["decode", "--model", str(adapter), "--trust-code", "--latent", "0,0,0",
                 "--label", "7", "--out", str(png)]) == 0  # fmt: skip
    assert png.is_file()


@SCRIPT_IS_DEPRECATED
def test_gui_screenshot_opens_a_renamed_checkpoint(tmp_path: Path) -> None:
    with zoo_module(tmp_path / "src", unique_name(tmp_path)) as nets:
        torch.jit.script(range_autoencoder(nets)).save(str(tmp_path / "vae.bak"))
    shot = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "LATENT_EXPLORER_LOG": str(tmp_path / "log")}
    result = subprocess.run(
        [sys.executable, "-m", "latent_explorer", "--no-cache", "gui", "--model",
         str(tmp_path / "vae.bak"), "--trust-code", "--dataset", "digits", "--screenshot",
         str(shot)], capture_output=True, text=True, timeout=240, env=env)
    assert result.returncode == 0, result.stderr  # read by its content, not refused by name
    assert shot.is_file()


def test_bench_prints_a_line_as_each_group_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    from latent_explorer import bench

    seen: list[str] = []
    err = io.StringIO()

    def first(quick: bool) -> dict[str, Any]:
        return {"first_ms": 1.5}

    def second(quick: bool) -> dict[str, Any]:
        seen.append(err.getvalue())  # what was printed before this group ran
        return {"second_s": 2.0}

    monkeypatch.setattr(bench, "_groups", lambda: {"first": first, "second": second})
    monkeypatch.setattr(sys, "stderr", err)
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    assert bench.run_bench(argparse.Namespace(only="first,second", json=True, quick=True)) == 0
    assert "first done in" in seen[0] and "first_ms 1.500" in seen[0]
    assert "second done in" in err.getvalue()
    assert out.getvalue().startswith("{")  # --json: stdout stays one JSON object
