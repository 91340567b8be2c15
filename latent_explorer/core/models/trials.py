"""Trying a network on a few inputs: what it decodes a few prior latents into, and what its
encoder returns for one real image.

Both ways into the app, a network held in Python (:mod:`.from_object`) and a model file
(:func:`~latent_explorer.core.models.card.model_from_options`), ask the network what it does
not say this way: the shape of its latents (what the encoder returns), and the range of its
output (the values it decodes). Torch is imported inside the functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import ModelOutputError
from latent_explorer.core.models.base import OutputRange, sample_prior
from latent_explorer.core.models.outputs import pick_encoder_mean, pick_output
from latent_explorer.core.models.probing import (
    EncoderLayoutError,
    contiguous_tensor,
    encoder_expects,
    guess_output_range,
    layout_candidates,
    probe_encoder_layout,
    short_error,
)

RANGE_WORDS = {
    OutputRange.UNIT: "[0, 1]", OutputRange.SYMMETRIC: "[-1, 1]",
    OutputRange.BYTE: "0..255", OutputRange.LOGITS: "logits",
}  # fmt: skip
"""Each output range in words, for notes and messages."""
PROBE_COUNT = 8
"""How many prior latents the output range is guessed from."""

_IMAGES: ContextVar[npt.NDArray[np.float32] | None] = ContextVar("latent_explorer_images",
                                                                 default=None)


@contextmanager
def trying_on(images: npt.NDArray[np.float32] | None) -> Iterator[None]:
    """Meanwhile, a model file opened here is tried on ``images`` (float32 ``(B, H, W, C)`` in
    [0, 1], a few of the user's data) to find what it does not say, e.g. its latent shape from
    what its encoder returns.

    A context rather than a parameter, because each file format's loader passes the network
    on to the one function that finds its shapes
    (:func:`~latent_explorer.core.models.card.model_from_options`).
    """
    token = _IMAGES.set(images)
    try:
        yield
    finally:
        _IMAGES.reset(token)


def images_to_try() -> npt.NDArray[np.float32] | None:
    """The images set with :func:`trying_on`, or ``None``."""
    return _IMAGES.get()


def decode_probe(
    decode_fn: Callable[..., Any],
    latent_shape: tuple[int, ...],
    num_classes: int,
    index: int | str,
    name: str,
) -> npt.NDArray[np.float32]:
    """What the decoder returns for :data:`PROBE_COUNT` prior latents (fixed seed), raw.

    Raises :class:`ModelOutputError` naming ``name`` when the network raises.
    """
    import torch

    from latent_explorer.core.models.labels import LabelCall

    count = PROBE_COUNT
    z = sample_prior(count, math.prod(latent_shape), seed=0).reshape(count, *latent_shape)
    try:
        with torch.inference_mode():
            tensor_z = contiguous_tensor(z)
            if num_classes > 0:
                out = LabelCall(num_classes)(decode_fn, tensor_z,
                                             torch.zeros(count, dtype=torch.int64))
            else:
                out = decode_fn(tensor_z)
            raw: npt.NDArray[np.float32] = (
                pick_output(out, index).detach().to(device="cpu", dtype=torch.float32).numpy()
            )
    except Exception as exc:  # the user's network may raise anything
        raise ModelOutputError(
            f"{name} failed while decoding latents of shape {latent_shape}: {short_error(exc)}"
        ) from exc
    return raw


_GUESS_NOTE = "guessed from decoded values"


def is_range_guess(note: str) -> bool:
    """Whether ``note`` is the one :func:`guessed_output_range` wrote."""
    return note.startswith("output range ") and _GUESS_NOTE in note


def guessed_output_range(raw: npt.NDArray[np.float32]) -> tuple[OutputRange, str]:
    """The output range ``raw`` decoded values suggest, and a note saying it was guessed."""
    output_range = guess_output_range(raw)
    finite = raw[np.isfinite(raw)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    note = (f"output range {RANGE_WORDS[output_range]} {_GUESS_NOTE} {low:.3g} to {high:.3g}; "
            "give output_range if the images look wrong")
    return output_range, note


def encoder_latent_shapes(
    encode_fn: Callable[..., Any],
    sample: npt.NDArray[np.float32],
    input_range: OutputRange,
    name: str,
    module: Any,
) -> tuple[list[tuple[int, ...]], bytes]:
    """Latent shapes that what the encoder returns for one image suggests, and those bytes.

    ``sample`` is ``(1, H, W, C)`` in [0, 1]; each input layout is tried. Raises
    :class:`ModelOutputError` listing the layouts tried when the encoder takes none.
    """
    import torch

    def run(x: npt.NDArray[np.float32]) -> Any:
        with torch.inference_mode():
            mean = pick_encoder_mean(encode_fn(contiguous_tensor(x)), "mean", -1, 1)
            return mean.detach().to(device="cpu", dtype=torch.float32).numpy()

    values = input_range.from_unit(sample)
    try:
        _, mean = probe_encoder_layout(
            run, values, layout_candidates(None, int(sample.shape[-1])),
            channels_first=True, expected=encoder_expects(module),
        )  # fmt: skip
    except EncoderLayoutError as exc:
        size = "x".join(str(n) for n in sample.shape[1:])
        raise ModelOutputError(f"{name}'s encoder cannot encode {size} images: {exc}") from exc
    shape: tuple[int, ...] = tuple(int(n) for n in mean.shape[1:]) or (1,)
    shapes = [shape]
    if shape[0] % 2 == 0:  # maybe mean and log-variance side by side
        shapes.append((shape[0] // 2, *shape[1:]))
    return shapes, bytes(mean.tobytes())
