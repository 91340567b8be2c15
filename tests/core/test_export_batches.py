"""Video export and even-speed paths decode in batches bounded by the image size."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from latent_explorer.core.export import frames as frames_module
from latent_explorer.core.export import path_frames
from latent_explorer.core.export.frames import FrameStream
from latent_explorer.core.models import load_model
from tests.core.family_files import save_taesd


class CountingModel:
    """Wraps a model and records the batch size of every decode call."""

    def __init__(self, model) -> None:  # type: ignore[no-untyped-def]
        self.model = model
        self.calls: list[int] = []

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.model, name)

    def decode(self, latents, labels=None):  # type: ignore[no-untyped-def]
        self.calls.append(len(latents))
        return self.model.decode(latents, labels)


def test_frame_stream_batches_are_bounded_by_pixels(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    save_taesd(tmp_path, "taesd", encoder=False)
    model = CountingModel(load_model(tmp_path / "taesd_decoder.pth", image_size=64))
    monkeypatch.setattr(frames_module, "BATCH_PIXELS", 5 * 64 * 64 * 3)
    latents = np.random.default_rng(0).standard_normal((12, 256)).astype(np.float32)
    stream = FrameStream(model, latents, size=None)  # type: ignore[arg-type]
    out = list(stream)
    assert model.calls == [5, 5, 2]
    direct = (np.clip(model.model.decode(latents), 0, 1) * 255 + 0.5).astype(np.uint8)
    np.testing.assert_array_equal(np.stack(out), direct)


def test_even_speed_steps_in_batches_equal_the_whole(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    model = CountingModel(load_model("demo"))
    latents = np.random.default_rng(1).standard_normal((23, model.latent_dim)).astype(
        np.float32)
    images = model.model.decode(latents).reshape(23, -1)
    whole = np.sqrt(((images[1:] - images[:-1]) ** 2).mean(axis=1))
    monkeypatch.setattr(path_frames, "STEP_BATCH_PIXELS", 5 * 64)
    steps = path_frames.image_steps(model, latents)  # type: ignore[arg-type]
    assert model.calls == [5, 5, 5, 5, 3]
    np.testing.assert_allclose(steps, whole, rtol=1e-6)
