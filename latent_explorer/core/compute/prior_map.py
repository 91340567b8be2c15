"""A map for decoder-only models (a GAN generator): latents drawn from the prior.

Without an encoder there is no dataset to place on the map, so the map shows ``N`` latents
drawn from the standard normal prior, and each point's picture is what the model makes of it.
A model with a prior of its own (a :class:`~latent_explorer.core.models.base.LatentSampler`,
e.g. a StyleGAN, whose prior is seeds mapped to ``w``) draws them itself.
Such a "dataset" has the spec ``prior:N`` so sessions and recent files can name it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from latent_explorer.core.datasets.base import ArrayDataset
from latent_explorer.core.errors import SpecError
from latent_explorer.core.jobs import JobContext, null_context
from latent_explorer.core.models.base import (
    GenerativeModel,
    LatentSampler,
    draw_latents,
    to_uint8,
)

PRIOR_PREFIX = "prior:"
DEFAULT_PRIOR_SAMPLES = 2000
SIGNAL_HEIGHT = 48
PICTURE_BUDGET = 2000 * 64 * 64
"""Pixels (samples x H x W) of pictures decoded up front for a model with a prior of its own
(a StyleGAN). Beyond it the map shows the samples as points and the window decodes what the
probe or a click points at: 2,000 pictures of a 256-pixel StyleGAN2 take tens of minutes on
two CPU cores, while their ``w`` take a fraction of a second."""


def is_prior_spec(spec: str) -> bool:
    """Whether ``spec`` names a prior-sample map (``prior`` or ``prior:N``)."""
    return spec == "prior" or spec.startswith(PRIOR_PREFIX)


def prior_count(spec: str) -> int:
    """The ``N`` of ``prior:N`` (the default for plain ``prior``)."""
    if spec == "prior":
        return DEFAULT_PRIOR_SAMPLES
    text = spec[len(PRIOR_PREFIX):]
    try:
        count = int(text)
    except ValueError:
        raise SpecError(f"{spec!r}: write prior:N with a whole number N, e.g. prior:2000") from None
    if not 10 <= count <= 1_000_000:
        raise SpecError(f"{spec!r}: the number of prior samples must be 10 to 1,000,000")
    return count


def signal_images(signals: npt.NDArray[np.uint8], height: int = SIGNAL_HEIGHT
                  ) -> npt.NDArray[np.uint8]:
    """Draw 1-D uint8 signals ``(N, L)`` as small line images ``(N, height, L, 1)``."""
    count, length = signals.shape
    rows = np.clip(((255 - signals.astype(np.int32)) * (height - 1)) // 255, 0, height - 1)
    images = np.zeros((count, height, length, 1), dtype=np.uint8)
    images[np.arange(count)[:, None], rows, np.arange(length)[None, :], 0] = 255
    return images


def prior_dataset(model: GenerativeModel, count: int, seed: int = 0,
                  label: int | None = None, ctx: JobContext | None = None
                  ) -> tuple[ArrayDataset, npt.NDArray[np.float32]]:
    """``count`` prior latents and, as a dataset, what ``model`` decodes them into."""
    ctx = ctx or null_context()
    latents = draw_latents(model, count, seed=seed, label=label)
    if isinstance(model, LatentSampler) and len(model.image_shape) == 3 and \
            count * model.image_shape[0] * model.image_shape[1] > PICTURE_BUDGET:
        name, note = model.describe_samples(count, seed)
        note += ("; their pictures are decoded as you explore (all of them up front would "
                 "take long)")
        blank = np.zeros((count, 1, 1, 1), dtype=np.uint8)
        return ArrayDataset(name, f"{PRIOR_PREFIX}{count}", blank, notes=[note],
                            has_images=False), latents
    pictures = []
    batch = 256
    labels = None
    for start in range(0, count, batch):
        chunk = latents[start:start + batch]
        if label is not None:
            labels = np.full(len(chunk), label, dtype=np.int64)
        pictures.append(to_uint8(model.decode(chunk, labels)))
        ctx.progress((start + len(chunk)) / count,
                     f"Decoding {start + len(chunk):,} of {count:,} prior samples")
    images = np.concatenate(pictures)
    if images.ndim == 2:
        images = signal_images(images)
    name = f"{count:,} prior samples"
    if isinstance(model, LatentSampler):
        name, note = model.describe_samples(count, seed)
    elif model.has_encoder:
        note = (f"the map shows {count:,} latents drawn from the standard normal prior and what "
                f"{model.name} decodes from them")
    else:
        note = (f"{model.name} has no encoder: the map shows {count:,} latents drawn from the "
                "standard normal prior")
    dataset = ArrayDataset(name, f"{PRIOR_PREFIX}{count}", images, notes=[note])
    return dataset, latents
