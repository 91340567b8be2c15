"""Choosing a VAE for a dataset nobody has a model for, and where the window saves it.

:func:`plan_training` picks the architecture the window's **Train a model on these images**
uses: a fully connected VAE for small grey images (up to 32x32), a convolutional one for colour
or larger images (as many stride-2 layers as the image size divides by), with a latent size
and a number of epochs that grow and shrink with the images and the dataset. The choice is
written into ``model.json`` with the rest of the training record, so it can be rebuilt with
``latent-explorer train``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from latent_explorer.core.datasets.base import Dataset
from latent_explorer.core.jobs import JobContext
from latent_explorer.core.models.training import StepCallback, train_vae
from latent_explorer.core.models.vae import VAEConfig
from latent_explorer.core.models.vae_io import save_vae

TRAINING_STEPS = 200_000
"""About this many image passes (images x epochs), within the epoch bounds below."""
MIN_EPOCHS, MAX_EPOCHS = 5, 60


@dataclass(frozen=True)
class TrainingPlan:
    """A VAE architecture and the optimiser settings to train it with."""

    config: VAEConfig
    epochs: int
    batch_size: int = 128
    lr: float = 2e-3

    def describe(self) -> str:
        """One line for the window: kind, sizes, latent and epochs."""
        c = self.config
        kind = "fully connected" if c.kind == "mlp" else "convolutional"
        return (f"{kind} VAE ({', '.join(str(v) for v in c.hidden)}), latent "
                f"{c.latent_dim}, {self.epochs} epochs of batches of {self.batch_size}")

    def command(self, dataset: Dataset, out: Path) -> str:
        """The ``latent-explorer train`` command that trains the same model."""
        c = self.config
        return (f"latent-explorer train --dataset {dataset.source} --kind {c.kind} "
                f"--latent-dim {c.latent_dim} --hidden {','.join(str(v) for v in c.hidden)} "
                f"--epochs {self.epochs} --batch-size {self.batch_size} --lr {self.lr} "
                f"--out {out}")


def plan_training(image_shape: tuple[int, int, int], count: int,
                  epochs: int | None = None) -> TrainingPlan:
    """The VAE and settings for ``count`` images of ``image_shape`` ``(H, W, C)``.

    ``epochs`` overrides the number chosen from the dataset size.
    """
    h, w, c = image_shape
    if c == 1 and h * w <= 32 * 32:
        latent = 8 if h * w <= 16 * 16 else 16
        config = VAEConfig((h, w, c), latent, (256, 128), "mlp")
    else:
        channels = [32, 64, 128, 256]
        layers = 0
        while layers < len(channels) and h % 2 ** (layers + 1) == 0 and w % 2 ** (layers + 1) == 0 \
                and min(h, w) // 2 ** (layers + 1) >= 4:
            layers += 1
        latent = 16 if h * w <= 32 * 32 else 32
        if layers == 0:  # odd sizes: fall back to a fully connected net
            config = VAEConfig((h, w, c), latent, (512, 256), "mlp")
        else:
            config = VAEConfig((h, w, c), latent, tuple(channels[:layers]), "conv")
    if epochs is None:
        epochs = min(MAX_EPOCHS, max(MIN_EPOCHS, -(-TRAINING_STEPS // max(1, count))))
    batch = 128 if config.kind == "mlp" else 64
    return TrainingPlan(config, int(epochs), batch_size=batch)


def default_model_folder(dataset_name: str, root: Path | None = None) -> Path:
    """A new folder for a model trained in the window: ``<models>/<dataset>-vae-<time>``.

    ``<models>`` is the user's data folder for the app (``$LATENT_EXPLORER_DATA``; ``root``
    overrides it).
    """
    if root is None:
        from latent_explorer.core.app_folders import default_data_dir

        root = default_data_dir() / "models"
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", dataset_name).strip("-.") or "dataset"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = root / f"{safe}-vae-{stamp}"
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = root / f"{safe}-vae-{stamp}-{suffix}"
    return folder


def train_planned(dataset: Dataset, plan: TrainingPlan, out_dir: Path,
                  ctx: JobContext | None = None, on_step: StepCallback | None = None,
                  seed: int = 0) -> Path:
    """Train ``plan`` on ``dataset`` and save it (``model.json`` + weights) in ``out_dir``.

    Returns the ``model.json`` path; nothing is written when training is cancelled.
    """
    module, history = train_vae(dataset, plan.config, plan.epochs, plan.batch_size, plan.lr,
                                seed, ctx, on_step=on_step)
    meta = {"name": f"{dataset.name} VAE",
            "training": history.to_meta(plan.command(dataset, out_dir))}
    return save_vae(module, plan.config, out_dir, meta)
