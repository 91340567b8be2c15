"""``latent-explorer train`` offers what it can train on, says its defaults, and chooses the
model the window's "Train a model on these images" would."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import numpy as np
import pytest

from latent_explorer.cli import build_parser, main
from latent_explorer.core.models.train_plan import plan_training


def _train_help() -> str:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return str(sub.choices["train"].format_help())  # type: ignore[union-attr]


def test_train_help_offers_images_only_and_says_every_default() -> None:
    text = " ".join(_train_help().split())
    assert "prior:N" not in text and "prior" not in text
    assert "--latent-dim N latent size; default: 8 for grey images up to 16x16" in text
    assert "default: mlp for grey images up to 32x32, conv otherwise (as the window chooses)" \
        in text
    for flag in ("--hidden", "--epochs", "--batch-size", "--lr", "--seed"):
        after = text.split(f"{flag} ", 2)[-1]
        assert "default" in after.split("--", 1)[0], flag


def test_train_on_prior_samples_is_refused_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--dataset", "prior:50", "--out", str(tmp_path / "vae")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "training needs images" in err


def test_colour_images_train_the_window_s_convolutional_vae(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(0)
    data = tmp_path / "photos.npz"
    np.savez(data, images=rng.integers(0, 255, (24, 16, 16, 3), dtype=np.uint8))
    out = tmp_path / "vae"
    assert main(["train", "--dataset", str(data), "--epochs", "1", "--out", str(out)]) == 0
    meta = json.loads((out / "model.json").read_text(encoding="utf-8"))
    plan = plan_training((16, 16, 3), 24, epochs=1)
    assert plan.config.kind == "conv"
    assert meta["config"]["kind"] == "conv"
    assert meta["config"]["latent_dim"] == plan.config.latent_dim
    assert tuple(meta["config"]["hidden"]) == plan.config.hidden
    assert "training a convolutional VAE" in capsys.readouterr().out
    # The rebuild command spells every choice out, so a later default cannot change it.
    words = shlex.split(meta["training"]["command"])
    assert words[:2] == ["latent-explorer", "train"]
    for flag, value in (("--kind", "conv"), ("--epochs", "1"), ("--batch-size", "64"),
                        ("--latent-dim", str(plan.config.latent_dim))):
        assert words[words.index(flag) + 1] == value


def test_grey_digits_still_train_the_small_fully_connected_vae(tmp_path: Path) -> None:
    out = tmp_path / "vae"
    assert main(["train", "--epochs", "1", "--out", str(out)]) == 0
    meta = json.loads((out / "model.json").read_text(encoding="utf-8"))
    assert (meta["config"]["kind"], meta["config"]["latent_dim"]) == ("mlp", 8)
    assert tuple(meta["config"]["hidden"]) == (256, 128)
