"""A small preview of what a model makes, for the Open Model dialog: a row of decoded images.

With an encoder and the user's images at hand, the previewed latents are those of a few of
those images, spread over the dataset: the latents of a plain autoencoder (non-negative, up
to 15 or more) are nowhere near the standard normal prior, whose samples it decodes into
noise. Otherwise (a decoder only, or no images) they are drawn from the prior with a fixed
seed. :func:`preview_model` opens a detected file and previews it; every failure becomes a
:class:`~latent_explorer.core.errors.ModelError` that names the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from latent_explorer.core.datasets.base import Dataset
from latent_explorer.core.errors import LatentExplorerError, ModelError
from latent_explorer.core.models.base import GenerativeModel, draw_latents, to_uint8
from latent_explorer.core.models.card import ModelOptions
from latent_explorer.core.models.detect import Detection, explain, open_with_options
from latent_explorer.core.models.trust import Trust


@dataclass(frozen=True)
class ModelPreview:
    """A few latents and what a model decoded them into."""

    latents: npt.NDArray[np.float32]
    """``(N, latent_dim)``: of a few of the user's images, or from the standard normal prior."""
    labels: npt.NDArray[np.int64] | None
    """The class each latent was decoded with (``None``: unconditional)."""
    images: npt.NDArray[np.uint8]
    """``(N, H, W, C)`` uint8 images, or ``(N, L)`` uint8 values of 1-D signals."""
    latent_shape: tuple[int, ...]
    image_shape: tuple[int, ...]
    num_classes: int
    has_encoder: bool
    name: str
    encoder_check: str = ""
    """Whether the encoder worked on one real image, in words (empty: not tried)."""
    notes: tuple[str, ...] = ()
    """What was guessed while opening the model (a flat output shown as images ...)."""
    latents_from: str = ""
    """Where the latents came from, in words (``"8 images of digits"``); ``""``: the prior."""
    found: ModelOptions | None = None
    """What opening and trying the model settled (see :func:`found_options`)."""

    def describe(self) -> str:
        """One line saying what the model turns latents into."""
        shape = "x".join(str(n) for n in self.latent_shape)
        if len(self.image_shape) == 1:
            out = f"1-D signals of {self.image_shape[0]} values"
        else:
            h, w, c = self.image_shape
            out = f"{h}x{w} {'grey' if c == 1 else 'RGB'} images"
        parts = [f"latents {shape} -> {out}"]
        if self.num_classes:
            parts.append(f"{self.num_classes} class{'' if self.num_classes == 1 else 'es'}")
        if self.encoder_check:
            parts.append(self.encoder_check)
        else:
            parts.append("with an encoder" if self.has_encoder else "decoder only (no encoder)")
        return "; ".join([*parts, *self.notes])

    def title(self) -> str:
        """What the row of images shows, for its heading."""
        return self.title_for(self.latents_from)

    @staticmethod
    def title_for(latents_from: str) -> str:
        """The heading of a row of images decoded from ``latents_from`` (``""``: the prior)."""
        if latents_from:
            return f"Preview ({latents_from}, encoded and decoded)"
        return "Preview (random latents from the prior)"


def found_options(model: GenerativeModel) -> ModelOptions:
    """The conventions ``model`` was opened with, found or stated: its latent shape, output
    range and (with an encoder) the range its encoder takes, so a card states them."""
    from latent_explorer.core.models.torch_adapter import TorchModel

    if not isinstance(model, TorchModel):
        return ModelOptions(latent_shape=tuple(model.latent_shape))
    return ModelOptions(
        latent_shape=tuple(model.latent_shape), output_range=model.output_range,
        encoder_input_range=model.encoder_input_range if model.has_encoder else None)


def spread_images(dataset: Dataset, count: int) -> npt.NDArray[np.float32]:
    """``count`` images spread evenly over ``dataset`` (all when it has fewer), float32."""
    total = len(dataset)
    if total == 0:
        return np.zeros((0, *dataset.image_shape), dtype=np.float32)
    picks = np.unique(np.linspace(0, total - 1, num=min(count, total)).round().astype(int))
    return np.concatenate([dataset.float_batch(int(i), int(i) + 1) for i in picks])


def preview_model(
    detection: Detection,
    options: ModelOptions,
    *,
    trust_code: Trust = False,
    adapter: Path | None = None,
    count: int = 8,
    seed: int = 0,
    label: int = 0,
    images: npt.NDArray[np.float32] | None = None,
    images_name: str = "",
) -> tuple[GenerativeModel, ModelPreview]:
    """Open the model with ``options`` and decode ``count`` latents: of ``images`` (a few of
    the user's, float32 ``(B, H, W, C)`` in [0, 1]) when it has an encoder that takes them,
    else from the prior (fixed ``seed``). The model is tried on ``images`` while it opens.

    Raises
    ------
    ModelError
        Naming the file, for any failure: a load error, an exception inside the network, a
        wrong latent shape, NaN output, a class out of range.
    """
    model = open_with_options(detection, options, trust_code=trust_code, adapter=adapter,
                              sample_images=images)
    return model, decode_preview(model, detection.checkpoint, count=count, seed=seed,
                                 label=label, options=options, images=images,
                                 images_name=images_name)  # fmt: skip


def decode_preview(
    model: GenerativeModel,
    path: Path,
    *,
    count: int = 8,
    seed: int = 0,
    label: int = 0,
    options: ModelOptions | None = None,
    images: npt.NDArray[np.float32] | None = None,
    images_name: str = "",
) -> ModelPreview:
    """Decode ``count`` latents with ``model``, class ``label``: those of ``images`` where its
    encoder takes them, else from the prior (``seed``).

    Raises :class:`ModelError` naming ``path`` when decoding fails or gives NaN.
    """
    try:
        prior_label = label if model.num_classes > 0 else None
        latents, source = _latents(model, count, seed, images, images_name, prior_label)
        count = len(latents)
        labels = None
        if model.num_classes > 0:
            if not 0 <= label < model.num_classes:
                raise ValueError(f"class {label} is not one of 0..{model.num_classes - 1}")
            labels = np.full(count, label, dtype=np.int64)
        decoded = to_uint8(model.decode(latents, labels))
    except (LatentExplorerError, ValueError, TypeError, RuntimeError) as exc:
        raise ModelError(path, explain(exc, options or ModelOptions())) from exc
    return ModelPreview(latents, labels, decoded, tuple(model.latent_shape),
                        tuple(model.image_shape), model.num_classes, model.has_encoder,
                        model.name, notes=tuple(getattr(model, "notes", ())),
                        latents_from=source)  # fmt: skip


def _latents(
    model: GenerativeModel,
    count: int,
    seed: int,
    images: npt.NDArray[np.float32] | None,
    images_name: str,
    label: int | None = None,
) -> tuple[npt.NDArray[np.float32], str]:
    """The latents of up to ``count`` of ``images`` when the encoder takes them, and where
    they came from in words; else ``count`` prior latents and ``""``."""
    fits = (images is not None and len(images) > 0 and model.has_encoder
            and tuple(images.shape[1:]) == tuple(model.image_shape))  # fmt: skip
    if fits:
        assert images is not None
        some = images[:count]
        try:
            latents = np.asarray(model.encode(some), dtype=np.float32)
        except (LatentExplorerError, ValueError, TypeError, RuntimeError):
            latents = None  # the encoder's verdict says why; the decoder is still shown
        if latents is not None and np.isfinite(latents).all():
            what = f"{len(some)} image{'s' if len(some) != 1 else ''}"
            return latents, f"{what} of {images_name}" if images_name else what
    return draw_latents(model, count, seed=seed, label=label), ""
