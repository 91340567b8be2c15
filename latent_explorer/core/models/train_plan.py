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


CONV_CHANNELS = (32, 64, 128, 256)
"""Channels of the convolutional VAE's stride-2 layers, as many as the image size allows."""


def plan_training(image_shape: tuple[int, int, int], count: int,
                  epochs: int | None = None, kind: str | None = None) -> TrainingPlan:
    """The VAE and settings for ``count`` images of ``image_shape`` ``(H, W, C)``.

    ``epochs`` overrides the number chosen from the dataset size; ``kind`` (``"mlp"`` or
    ``"conv"``) the architecture chosen from the images (see :func:`default_architecture`).
    Raises ``ValueError`` for a kind the images do not take.
    """
    kind, latent, hidden = default_architecture(image_shape, kind)
    config = VAEConfig(tuple(image_shape), latent, hidden, kind)  # type: ignore[arg-type]
    return TrainingPlan(config, default_epochs(count) if epochs is None else int(epochs),
                        batch_size=default_batch_size(kind))


def default_architecture(image_shape: tuple[int, int, int], kind: str | None = None
                         ) -> tuple[str, int, tuple[int, ...]]:
    """``(kind, latent size, hidden sizes)`` for images of ``image_shape`` ``(H, W, C)``.

    Fully connected for grey images up to 32x32 (and sizes no stride-2 layer divides),
    convolutional otherwise; ``kind`` given, the sizes for that kind (not checked against the
    images: :class:`VAEConfig` does that).
    """
    h, w, c = image_shape
    small_grey = c == 1 and h * w <= 32 * 32
    layers = conv_layers(h, w)
    if kind is None:
        kind = "mlp" if small_grey or layers == 0 else "conv"
    if kind == "mlp" and small_grey:
        return kind, 8 if h * w <= 16 * 16 else 16, (256, 128)
    latent = 16 if h * w <= 32 * 32 else 32
    return kind, latent, (512, 256) if kind == "mlp" else CONV_CHANNELS[:max(1, layers)]


def default_epochs(count: int) -> int:
    """About :data:`TRAINING_STEPS` image passes, within ``MIN_EPOCHS`` .. ``MAX_EPOCHS``."""
    return min(MAX_EPOCHS, max(MIN_EPOCHS, -(-TRAINING_STEPS // max(1, count))))


def default_batch_size(kind: str) -> int:
    """Batches of 128 for the fully connected VAE, 64 for the convolutional one."""
    return 128 if kind == "mlp" else 64


def conv_layers(height: int, width: int) -> int:
    """How many stride-2 layers images of ``height`` x ``width`` take (sides divisible, and
    at least 4 pixels left), up to ``len(CONV_CHANNELS)``."""
    layers = 0
    while (layers < len(CONV_CHANNELS) and height % 2 ** (layers + 1) == 0
           and width % 2 ** (layers + 1) == 0 and min(height, width) // 2 ** (layers + 1) >= 4):
        layers += 1
    return layers


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
