"""Work that would not fit is refused before it starts: renders, trainings, enlarged images.

Each check is tested the way an attacker would test it: the work is asked for with sizes
that do not fit, and the test asserts that nothing was decoded, built or written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.errors import ExportError, LatentExplorerError
from latent_explorer.core.export.render import render_path
from latent_explorer.core.models import load_model


@pytest.fixture
def untouchable_demo(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The demo model, failing the test if anything is decoded."""
    model = load_model("demo")

    def decode(*args: object, **kwargs: object) -> None:
        raise AssertionError("decoded before the size was checked")

    monkeypatch.setattr(model, "decode", decode)
    return model


def anchors(count: int = 2) -> np.ndarray:
    return np.random.default_rng(0).standard_normal((count, 8)).astype(np.float32)


def test_a_gif_whose_frames_do_not_fit_is_refused_before_decoding(
        untouchable_demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LATENT_EXPLORER_MEMORY_LIMIT", "256M")
    out = tmp_path / "walk.gif"
    with pytest.raises(ExportError, match=r"walk\.gif: 2,000 frames of 512x512 would need "
                                          r".* the GIF's frames"):
        render_path(untouchable_demo, anchors(), out, frames=2000, size=512)
    assert list(tmp_path.iterdir()) == []


def test_more_frames_than_a_render_makes_are_refused(untouchable_demo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ExportError, match="more than the 1,000,000 one render makes"):
        render_path(untouchable_demo, anchors(), tmp_path / "w.mp4", frames=1_000_001)
    # A path file's frames per segment count too, before the path is laid out.
    with pytest.raises(ExportError, match="one render makes"):
        render_path(untouchable_demo, anchors(5), tmp_path / "w.mp4",
                    frames_per_segment=10**9)


def test_frames_that_cannot_fit_on_the_disk_are_refused(
        untouchable_demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**6, 10**6 - 1000, 1000))
    with pytest.raises(ExportError, match=r"need at least .* of disk, and its folder has "
                                          r"1000 bytes free"):
        render_path(untouchable_demo, anchors(), tmp_path / "frames", frames=500, size=512)


def test_training_a_network_that_cannot_fit_is_refused_before_it_is_built(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import latent_explorer.core.models.training as training
    from latent_explorer.core.models.vae import VAEConfig

    def build(*args: object) -> None:
        raise AssertionError("built before its size was checked")

    monkeypatch.setattr(training, "build_vae", build)
    data = load_dataset("digits")
    config = VAEConfig(image_shape=data.image_shape, latent_dim=8, hidden=(10**9,))
    with pytest.raises(LatentExplorerError, match=r"hidden sizes \[1000000000\].* TiB of "
                                                  "memory"):
        training.train_vae(data, config, epochs=1)


def test_training_that_diverges_saves_nothing(tmp_path: Path) -> None:
    from latent_explorer.core.models.training import train_and_save

    data = load_dataset("digits")
    with pytest.raises(LatentExplorerError, match="training diverged in epoch 1: the loss "
                                                  "became nan; nothing was saved"):
        train_and_save(data, tmp_path / "model", epochs=2, lr=1e30)
    assert not (tmp_path / "model").exists()


def test_decode_writes_a_real_jpeg_under_a_jpeg_name(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    from latent_explorer.cli import main

    monkeypatch.chdir(tmp_path)
    for name, fmt in (("d.jpg", "JPEG"), ("d.jpeg", "JPEG"), ("d.PNG", "PNG")):
        assert main(["decode", "--latent=0,0,0,0,0,0,0,0", "--scale", "4", "--out", name]) == 0
        with Image.open(tmp_path / name) as image:
            assert image.format == fmt and image.size == (32, 32)
