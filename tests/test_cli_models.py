"""The command line on checkpoints as users have them: tried encoders, negative latents,
classes out of range, prior maps for ``info`` and ``project``."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from latent_explorer.cli import main
from latent_explorer.core.models import ModelOptions, write_model_card
from tests.core.test_models_fit import FlatMLP, grey_images, save_beside_checkpoint

SCRIPT_IS_DEPRECATED = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning"
)


def grey_npz(tmp_path: Path, count: int = 20) -> Path:
    path = tmp_path / "grey.npz"
    images = (grey_images(count) * 255).astype(np.uint8)
    np.savez(path, images=images, labels=np.arange(count) % 3)
    return path


def test_info_tries_the_encoder_of_a_pickle_beside_its_class_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"beside_nets_{tmp_path.name}"
    model = save_beside_checkpoint(tmp_path / "ckpt", name)
    try:
        assert main(["info", "--model", str(model), "--trust-code",
                     "--dataset", str(grey_npz(tmp_path))]) == 0  # fmt: skip
    finally:
        sys.modules.pop(name, None)
    out = capsys.readouterr().out
    assert "latent   5 values" in out and "output   28x28x1" in out
    assert "encoder  yes (tried on one image of grey.npz)" in out
    assert "784 flat values per latent; shown as 28x28 grey images" in out
    assert "fit      the model can encode this dataset" in out
    try:
        assert main(["info", "--model", str(model), "--trust-code", "--dataset", "digits"]) == 0
    finally:
        sys.modules.pop(name, None)
    out = capsys.readouterr().out
    assert "encoder  yes, for 28x28x1 images (not tried: this dataset's differ)" in out
    assert "fit      no: vae works on 28x28x1 images (HxWxC) but digits has 8x8x1 images" in out


def test_info_says_what_an_encoder_that_does_not_fit_was_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mlp.pt"
    torch.save(FlatMLP(latent=3, encoder_in=100), path)
    assert main(["info", "--model", str(path), "--trust-code",
                 "--dataset", str(grey_npz(tmp_path))]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "encoder  present, but it fails on this dataset's images" in out
    fit = next(line for line in out.splitlines() if line.startswith("fit"))
    assert fit.startswith("fit      no: mlp's encoder fails on one 28x28x1 image of grey")
    assert "(1, 784) flat" in fit and "takes 100 values per image" in fit


class ConditionalDecoder(torch.nn.Module):
    """A 10-class conditional decoder of 6x6 grey images."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(10, 4)
        self.lin = torch.nn.Linear(4, 36)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.lin(z + self.embed(y))).reshape(-1, 1, 6, 6)


@SCRIPT_IS_DEPRECATED
def test_decode_checks_the_class_and_takes_negative_latents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    torch.jit.script(ConditionalDecoder().eval()).save(str(tmp_path / "cond.pt"))
    card = write_model_card(tmp_path / "cond.json", "torchscript", tmp_path / "cond.pt",
                            ModelOptions(latent_shape=(4,), num_classes=10))  # fmt: skip
    out = tmp_path / "x.png"
    base = ["decode", "--model", str(card), "--trust-code", "--out", str(out)]
    assert main([*base, "--latent", "-1,0,0.5,-0.25", "--label", "12"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == ("latent-explorer: error: --label 12: cond draws classes 0 to 9")
    assert main([*base, "--latent", "-1,0,0.5,-0.25", "--label", "9"]) == 0
    assert main([*base, "--latent=-.5,0,0.5,-0.25"]) == 0
    assert main(["decode", "--latent", "-1,0,0,0,0,0,0,-2", "--model", "demo",
                 "--out", str(out)]) == 0  # fmt: skip
    assert "--latent=-1,0.5" in _help(["decode", "--help"], capsys)


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit):
        main(argv)
    return " ".join(capsys.readouterr().out.split())


def test_info_and_project_take_prior_samples(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["info", "--dataset", "prior:40", "--model", "demo"]) == 0
    out = capsys.readouterr().out
    assert "40 prior samples" in out and "has no encoder" not in out
    assert "fit      the map shows 40 latents drawn from the prior" in out
    csv = tmp_path / "map.csv"
    assert main(["project", "--dataset", "prior:40", "--model", "demo", "--out", str(csv)]) == 0
    assert len(csv.read_text().splitlines()) == 41
    assert main(["info", "--dataset", "prior:x"]) == 2
    assert "write prior:N with a whole number" in capsys.readouterr().err
