"""Training the project's VAE on a dataset: deterministic, with progress and cancel.

The command line's ``latent-explorer train`` calls :func:`train_and_save`, which is::

    config = VAEConfig(image_shape=dataset.image_shape, latent_dim=8, hidden=(256, 128))
    module, history = train_vae(dataset, config, epochs=100, seed=0, ctx=ctx)
    save_vae(module, config, out_dir, {"training": history.to_meta(command)})

The same dataset, config, arguments and seed give bit-identical weights with the same torch
build on the same kind of CPU. Float sums depend on how work is split between threads, so
training runs on ``threads=1`` CPU thread by default (for these small networks it is also
the fastest); ``threads=None`` keeps torch's setting: faster for big conv nets, but then
reproducible only with the same thread count. Training runs on the CPU in float32.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from latent_explorer.core.datasets.base import Dataset
from latent_explorer.core.errors import IncompatibleError, LatentExplorerError
from latent_explorer.core.jobs import JobContext, null_context
from latent_explorer.core.models.training_memory import check_training_fits
from latent_explorer.core.models.vae import VAEConfig, build_vae
from latent_explorer.core.models.vae_io import check_model_folder, save_vae

if TYPE_CHECKING:
    import torch

__all__ = ["TrainingHistory", "save_vae", "train_and_save", "train_vae", "vae_loss"]


@dataclass
class TrainingHistory:
    """What a training run did: its settings and the mean loss of every epoch."""

    dataset: str
    dataset_fingerprint: str
    epochs: int
    batch_size: int
    lr: float
    seed: int
    threads: int
    """CPU threads used (the weights depend on it in their last bits)."""
    losses: list[float] = field(default_factory=list)
    """Mean loss per image (reconstruction + KL, in nats) of each finished epoch."""
    seconds: float = 0.0

    @property
    def final_loss(self) -> float | None:
        """The last epoch's mean loss, or ``None`` before the first epoch ended."""
        return self.losses[-1] if self.losses else None

    def to_meta(self, command: str | None = None) -> dict[str, Any]:
        """The ``training`` block of ``model.json``; ``command`` is how to rebuild it."""
        import torch

        return {
            "dataset": self.dataset,
            "dataset_fingerprint": self.dataset_fingerprint,
            "command": command,
            "seed": self.seed,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "lr": self.lr,
            "threads": self.threads,
            "final_loss": None if self.final_loss is None else round(self.final_loss, 4),
            "losses": [round(v, 4) for v in self.losses],
            "seconds": round(self.seconds, 1),
            "torch_version": torch.__version__,
        }


def vae_loss(
    logits: torch.Tensor, target: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor
) -> torch.Tensor:
    """Summed Bernoulli reconstruction loss plus KL to the standard normal, per image."""
    import torch
    import torch.nn.functional as F  # noqa: N812 - the conventional name

    recon = F.binary_cross_entropy_with_logits(logits, target, reduction="sum")
    kl = -0.5 * torch.sum(1.0 + logvar - mu.pow(2) - logvar.exp())
    return (recon + kl) / target.shape[0]


def train_vae(
    dataset: Dataset,
    config: VAEConfig,
    epochs: int = 100,
    batch_size: int = 128,
    lr: float = 2e-3,
    seed: int = 0,
    ctx: JobContext | None = None,
    threads: int | None = 1,
    on_step: StepCallback | None = None,
) -> tuple[torch.nn.Module, TrainingHistory]:
    """Train a VAE with Adam and return the module (in eval mode) and its history.

    Parameters
    ----------
    dataset
        The images to learn; its image shape must equal ``config.image_shape``.
    config
        The architecture.
    epochs, batch_size, lr
        Passes over the data, images per step, Adam's learning rate.
    seed
        Seeds the initial weights, the shuffling and the sampling noise. The caller's
        global torch random state is left as it was.
    ctx
        Receives ``progress`` after each epoch (with the loss in the message); its cancel
        stops training between steps by raising ``JobCancelled``.
    threads
        CPU threads torch uses while training (restored afterwards); ``None`` keeps the
        current setting. Weights are reproducible for a fixed thread count.
    on_step
        Receives ``(fraction, running loss)`` a few times a second (the window's live loss).

    Raises
    ------
    IncompatibleError
        If the dataset's images do not have the config's shape.
    LatentExplorerError
        If training would not fit in memory (checked before anything is built), or it
        diverged: the loss became NaN or infinite (nothing is returned then, so nothing is
        saved).
    """
    import torch

    ctx = ctx or null_context()
    if tuple(dataset.image_shape) != tuple(config.image_shape):
        raise IncompatibleError(
            f"the dataset {dataset.name} has images of shape {dataset.image_shape} but the "
            f"VAE is configured for {config.image_shape}"
        )
    if len(dataset) == 0 or epochs < 1 or batch_size < 1:
        raise ValueError("training needs a non-empty dataset, epochs >= 1 and batch_size >= 1")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"the learning rate must be a finite number more than 0, not {lr}")
    check_training_fits(config, batch_size, len(dataset))
    history = TrainingHistory(
        dataset=dataset.name,
        dataset_fingerprint=dataset.fingerprint(),
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        threads=threads or torch.get_num_threads(),
    )
    started = time.perf_counter()
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    was_threads = torch.get_num_threads()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        torch.use_deterministic_algorithms(True)
        torch.set_num_threads(history.threads)
        try:
            module = build_vae(config).float()
            _fit(module, dataset, history, ctx, on_step)
        finally:
            torch.use_deterministic_algorithms(was_deterministic)
            torch.set_num_threads(was_threads)
    history.seconds = time.perf_counter() - started
    return module.eval(), history


StepCallback = Callable[[float, float], None]
"""``on_step(fraction, loss)``: how far training is (0..1) and the running mean loss per image
of the current epoch; called from the training thread about every :data:`STEP_REPORT_S`."""
STEP_REPORT_S = 0.25
PRELOAD_BYTES = 1024**3
"""Datasets up to this size (as float32) are converted once, not batch by batch."""


def _fit(module: Any, dataset: Dataset, history: TrainingHistory, ctx: JobContext,
         on_step: StepCallback | None = None) -> None:
    """Run the epochs; ``module`` is a VAE from ``build_vae`` (typed Any: built lazily).

    The images are converted to one float32 tensor up front when it fits in
    :data:`PRELOAD_BYTES` (the same values as converting batch by batch, so the same weights),
    which leaves each step with one tensor index and the network's own work.
    """
    import torch

    order_rng = np.random.default_rng(history.seed)
    noise = torch.Generator().manual_seed(history.seed)
    optimizer = torch.optim.Adam(module.parameters(), lr=history.lr)
    count = len(dataset)
    preloaded = None
    if count * int(np.prod(dataset.image_shape)) * 4 <= PRELOAD_BYTES:
        preloaded = torch.from_numpy(dataset.float_batch(0, count))
    module.train()
    ctx.progress(0.0, f"training a VAE on {count} images")
    steps_per_epoch = -(-count // history.batch_size)
    last_report = time.perf_counter()
    for epoch in range(history.epochs):
        order = order_rng.permutation(count)
        total = torch.zeros((), dtype=torch.float64)
        seen = 0
        for step, start in enumerate(range(0, count, history.batch_size)):
            ctx.check()
            index = np.sort(order[start : start + history.batch_size])
            if preloaded is not None:
                x = preloaded[torch.from_numpy(index)]
            else:
                pixels = np.asarray(dataset.images[index], dtype=np.float32) * np.float32(1 / 255)
                x = torch.from_numpy(pixels)
            mu, logvar = module.encode(x)
            z = mu + torch.randn(mu.shape, generator=noise) * (0.5 * logvar).exp()
            loss = vae_loss(module.decode(z), x, mu, logvar)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            total += loss.detach().double() * len(index)
            seen += len(index)
            if on_step is not None and time.perf_counter() - last_report >= STEP_REPORT_S:
                last_report = time.perf_counter()
                on_step((epoch + (step + 1) / steps_per_epoch) / history.epochs,
                        float(total) / seen)
        history.losses.append(float(total) / count)
        if not math.isfinite(history.losses[-1]):
            raise LatentExplorerError(
                f"training diverged in epoch {epoch + 1}: the loss became "
                f"{history.losses[-1]}; nothing was saved. Try a smaller learning rate than "
                f"{history.lr:g}")
        if on_step is not None:
            on_step((epoch + 1) / history.epochs, history.losses[-1])
        ctx.progress(
            (epoch + 1) / history.epochs,
            f"epoch {epoch + 1}/{history.epochs}: loss {history.losses[-1]:.2f}",
        )


def train_and_save(
    dataset: Dataset,
    out_dir: str | Path,
    *,
    latent_dim: int = 8,
    hidden: tuple[int, ...] = (256, 128),
    kind: str = "mlp",
    epochs: int = 100,
    batch_size: int = 128,
    lr: float = 2e-3,
    seed: int = 0,
    ctx: JobContext | None = None,
    command: str | None = None,
    threads: int | None = 1,
) -> Path:
    """Train a VAE for ``dataset`` and save it in ``out_dir``; return the ``model.json`` path.

    ``command`` (how to rebuild the model) is written into ``model.json``'s ``training``
    block. Raises ``ValueError`` for an impossible configuration, and
    :class:`~latent_explorer.core.errors.ExportError` before training when ``out_dir`` cannot
    take a model (a file in the way, no permission).
    """
    check_model_folder(out_dir)
    config = VAEConfig(
        image_shape=dataset.image_shape, latent_dim=latent_dim, hidden=hidden, kind=kind
    )
    module, history = train_vae(dataset, config, epochs, batch_size, lr, seed, ctx, threads)
    meta = {"name": f"{dataset.name} VAE", "training": history.to_meta(command)}
    return save_vae(module, config, out_dir, meta)
