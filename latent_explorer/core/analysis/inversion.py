"""Placing a real image in a decoder-only model's latent space by optimisation (inversion).

A GAN generator has no encoder, so "where does this image lie?" is answered by searching for
the latent whose decoded image is closest to it. The search only calls ``model.decode``, so it
works for every model the app can open (TorchScript, adapter files ...): it estimates the
gradient of the pixel error from a batch of antithetic random probes around the current latent
(natural evolution strategies) and takes Adam steps, with a pull towards the prior so the
latent stays where the model was trained.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import IncompatibleError
from latent_explorer.core.jobs import JobContext, null_context
from latent_explorer.core.models.base import GenerativeModel, sample_prior


@dataclass(frozen=True, eq=False)
class InversionResult:
    """The latent found and how well its decoded image matches the target."""

    latent: npt.NDArray[np.float32]
    error: float
    """Mean squared pixel error (pixels in [0, 1]) of the decoded latent against the target."""
    start_error: float
    """The same error for the best starting point, before optimising."""
    history: list[float] = field(default_factory=list)


def _errors(model: GenerativeModel, latents: npt.NDArray[np.float32],
            target: npt.NDArray[np.float32], label: int | None) -> npt.NDArray[np.float64]:
    labels = None if label is None else np.full(len(latents), label, dtype=np.int64)
    images = model.decode(latents, labels).reshape(len(latents), -1).astype(np.float64)
    errors: npt.NDArray[np.float64] = ((images - target.reshape(1, -1)) ** 2).mean(axis=1)
    return errors


def invert_image(model: GenerativeModel, image: npt.NDArray[np.float32], *, steps: int = 300,
                 probes: int = 16, sigma: float = 0.1, lr: float = 0.05,
                 prior_weight: float = 1e-4, starts: int = 256, seed: int = 0,
                 label: int | None = None, ctx: JobContext | None = None) -> InversionResult:
    """Find a latent whose decoded image reproduces ``image`` (float in [0, 1], model's shape).

    Raises
    ------
    IncompatibleError
        If ``image`` does not have the shape the model decodes to.
    JobCancelled
        If ``ctx`` is cancelled (between steps).
    """
    ctx = ctx or null_context()
    target = np.asarray(image, dtype=np.float32)
    if tuple(target.shape) != tuple(model.image_shape):
        raise IncompatibleError(
            f"{model.name} makes images of shape {tuple(model.image_shape)}; the image to place "
            f"has shape {tuple(target.shape)}")
    rng = np.random.default_rng(seed)
    dim = model.latent_dim
    candidates = sample_prior(starts, dim, seed=seed)
    start_errors = _errors(model, candidates, target, label)
    z = candidates[int(np.argmin(start_errors))].astype(np.float64)
    best_z, best = z.copy(), float(start_errors.min())
    m = np.zeros(dim)
    v = np.zeros(dim)
    history = [best]
    ctx.progress(0.0, f"Inverting: starting error {best:.4f}")
    for step in range(1, steps + 1):
        ctx.check()
        eps = rng.standard_normal((probes, dim))
        batch = np.concatenate([z + sigma * eps, z - sigma * eps]).astype(np.float32)
        errs = _errors(model, batch, target, label)
        plus, minus = errs[:probes], errs[probes:]
        grad = ((plus - minus)[:, None] * eps).sum(axis=0) / (2.0 * sigma * probes)
        grad += prior_weight * z
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        z = z - lr * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
        low = int(np.argmin(errs))
        if errs[low] < best:
            best, best_z = float(errs[low]), batch[low].astype(np.float64)
        if step % 10 == 0 or step == steps:
            current = float(_errors(model, z[None].astype(np.float32), target, label)[0])
            if current < best:
                best, best_z = current, z.copy()
            history.append(best)
            ctx.progress(step / steps, f"Inverting: step {step} of {steps}, error {best:.4f}")
    return InversionResult(best_z.astype(np.float32), best, float(start_errors.min()), history)
