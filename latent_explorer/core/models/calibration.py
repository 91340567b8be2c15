"""Settle on a few real images what a model file or object left to a guess.

A checkpoint rarely says which range its encoder takes its images in, and a guess from
decoded prior latents may misread its output range. Fed the wrong range, an encoder trained
on ``[-1, 1]`` places every image somewhere else and the round trip (encode, decode) comes back
far from the image. So :func:`calibrate` encodes a few of the user's images with each range
still open, decodes them, and keeps the conventions whose round trip comes closest, when it is
clearly closer (at most two thirds of the error of the guess), noting which and by how much.

It also checks that the encoder places an image at one point: an encoder that samples
(``mu + eps * sigma``) gives another latent on each call. Then the mean is used where the
encoder returns it beside the sample (``(z, mu, logvar)``), else each image is placed at the
average of :data:`DRAWS` draws taken with a fixed seed (so the same image lands on the same
point every time); the model's notes say which.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.datasets.base import Dataset
from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.models.base import GenerativeModel, OutputRange
from latent_explorer.core.models.outputs import pick_encoder_mean
from latent_explorer.core.models.torch_adapter import TorchModel
from latent_explorer.core.models.trials import RANGE_WORDS, is_range_guess

COUNT = 8
"""How many images a model is tried on."""
DRAWS = 16
"""How many draws of a sampling encoder are averaged when it returns no mean."""
CLEARLY_CLOSER = 2 / 3
"""Another convention wins when its round-trip error is at most this part of the guess's
(an untrained network's round trips differ by less; a trained one's by several times)."""
_INPUT_RANGES = (OutputRange.UNIT, OutputRange.SYMMETRIC)
_EPS = 1e-4


def calibrate(model: GenerativeModel, images: npt.NDArray[np.float32] | None) -> None:
    """Try ``model`` on ``images`` (float32 ``(B, H, W, C)`` in [0, 1]) and settle what it left
    open: a sampling encoder, the encoder's input range and the output range, if guessed.

    Only a :class:`TorchModel` with an encoder whose images have ``images``' shape is tried,
    once; anything else (a known family, a decoder only, images of another size) is left as
    it is. A network that fails here is left to fail, with its own message, where it is used.
    """
    if (not isinstance(model, TorchModel) or model.calibrated or not model.has_encoder
            or images is None or len(images) == 0
            or tuple(images.shape[1:]) != tuple(model.image_shape)):  # fmt: skip
        return
    from latent_explorer.core.models.families.spatial import SpatialModel

    if isinstance(model, SpatialModel):  # a known family states all its conventions
        return
    model.calibrated = True
    sample = np.ascontiguousarray(images[:COUNT], dtype=np.float32)
    try:
        _settle_sampling(model, sample)
        _settle_ranges(model, sample)
    except (LatentExplorerError, ValueError, TypeError, RuntimeError):
        return
    finally:
        model.settings_changed()


# -- sampling encoders ------------------------------------------------------------------------


def _settle_sampling(model: TorchModel, images: npt.NDArray[np.float32]) -> None:
    first, second = model.encode(images), model.encode(images)
    spread = float(np.abs(first - second).max())
    if spread <= _EPS * (1.0 + float(np.abs(first).max())):
        return
    outputs = model.raw_encode(images), model.raw_encode(images)
    fixed = _fixed_item(outputs[0], outputs[1], model.latent_dim, len(images))
    said = (f"{model.name}'s encoder samples its latents (two encodings of the same images "
            f"differ by up to {spread:.3g})")
    if fixed is not None:
        key, where = fixed
        model.wrap_encoder(lambda encode_fn: _item_of(encode_fn, key), f"mean: {where}")
        model.notes.append(f"{said}; the map uses the mean it also returns ({where})")
        return
    model.wrap_encoder(lambda encode_fn: _averaged(encode_fn, model), f"average of {DRAWS} draws")
    model.notes.append(f"{said} and returns no mean; each image is placed at the average of "
                       f"{DRAWS} draws (seeded, so it lands on the same point each time; "
                       f"encoding takes {DRAWS} times as long)")


def _fixed_item(first: Any, second: Any, latent_dim: int, count: int
                ) -> tuple[int | str, str] | None:
    """The first item of a tuple / dict output that holds one latent per image and is the
    same on both calls (the mean beside a sample), with where it is, in words."""
    import torch

    if isinstance(first, tuple | list) and isinstance(second, tuple | list):
        pairs: list[tuple[int | str, Any, Any]] = [
            (i, a, b) for i, (a, b) in enumerate(zip(first, second, strict=False))]
        words = "item {} of its output"
    elif isinstance(first, Mapping) and isinstance(second, Mapping):
        pairs = [(k, first[k], second.get(k)) for k in first]
        words = "its output's {!r}"
    else:
        return None
    for key, a, b in pairs:
        if (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)
                and a.numel() == count * latent_dim and a.shape == b.shape
                and bool(torch.equal(a, b))):  # fmt: skip
            return key, words.format(key)
    return None


def _item_of(encode_fn: Callable[[Any], Any], key: int | str) -> Callable[[Any], Any]:
    def mean_item(x: Any) -> Any:
        return encode_fn(x)[key]

    return mean_item


def _averaged(encode_fn: Callable[[Any], Any], model: TorchModel) -> Callable[[Any], Any]:
    mode, latent_dim = model.encoder_output, model.latent_dim

    def average_of_draws(x: Any) -> Any:
        import torch

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            total = None
            for _ in range(DRAWS):
                mean = pick_encoder_mean(encode_fn(x), mode, latent_dim, int(x.shape[0]))
                total = mean.clone() if total is None else total + mean
        assert total is not None
        return total / DRAWS

    return average_of_draws


# -- ranges -----------------------------------------------------------------------------------


def _settle_ranges(model: TorchModel, images: npt.NDArray[np.float32]) -> None:
    open_input = "encoder_input_range" in model.guessed
    open_output = "output_range" in model.guessed
    if not (open_input or open_output):
        return
    guess = (model.encoder_input_range, model.output_range)
    errors: dict[tuple[OutputRange, OutputRange], float] = {}
    for input_range in _INPUT_RANGES if open_input else (guess[0],):
        model.encoder_input_range = input_range
        raw = model.decode_raw(model.encode(images))
        outputs = _plausible_outputs(raw) if open_output else (guess[1],)
        for output_range in outputs:
            errors[input_range, output_range] = float(
                np.mean((output_range.to_unit(raw).reshape(images.shape) - images) ** 2))
    best = min(errors, key=errors.__getitem__)
    fallback = guess if guess in errors else min(
        (k for k in errors if k[0] == guess[0]), key=errors.__getitem__)
    chosen = best if errors[best] <= CLEARLY_CLOSER * errors[fallback] else fallback
    model.encoder_input_range, model.output_range = chosen
    model.guessed.difference_update({"encoder_input_range", "output_range"})
    if open_output:  # settled on the data: the guess from prior latents no longer stands
        model.notes[:] = [note for note in model.notes if not is_range_guess(note)]
    model.notes.append(_ranges_note(chosen, guess, errors, open_input, open_output, len(images)))


def _plausible_outputs(raw: npt.NDArray[np.float32]) -> tuple[OutputRange, ...]:
    """The output ranges that decoded values ``raw`` can be in (an output that never goes
    below 0 is no tanh, one that stays within [-1, 1] no logits)."""
    finite = raw[np.isfinite(raw)]
    if finite.size == 0:
        return (OutputRange.UNIT,)
    low, high = float(finite.min()), float(finite.max())
    if low >= -_EPS and high <= 1 + _EPS:
        return (OutputRange.UNIT,)
    if low >= -1 - _EPS and high <= 1 + _EPS:
        return OutputRange.SYMMETRIC, OutputRange.UNIT
    if low >= -_EPS and 1.5 < high <= 255 + _EPS:
        return (OutputRange.BYTE,)
    return OutputRange.LOGITS, OutputRange.SYMMETRIC, OutputRange.UNIT


def _ranges_note(
    chosen: tuple[OutputRange, OutputRange],
    guess: tuple[OutputRange, OutputRange],
    errors: dict[tuple[OutputRange, OutputRange], float],
    open_input: bool,
    open_output: bool,
    count: int,
) -> str:
    """Which ranges were kept or chosen, and the round-trip error they beat (the guess's,
    else the next best)."""
    parts = []
    if open_input:
        parts.append(f"encoder input range {RANGE_WORDS[chosen[0]]}")
    if open_output:
        parts.append(f"output range {RANGE_WORDS[chosen[1]]}")
    rivals = [k for k in errors if k != chosen]
    rival = guess if guess in rivals else min(rivals, key=errors.__getitem__, default=None)
    changed = "chosen" if chosen != guess else "kept"
    text = (f"{' and '.join(parts)} {changed}: the round trip of {count} of your images comes "
            f"closest (mean squared error {errors[chosen]:.3g}")
    if rival is None:
        return text + ")"
    words = _pair_words(rival, open_input, open_output)
    return text + f", against {errors[rival]:.3g} with {words})"


def _pair_words(pair: tuple[OutputRange, OutputRange], open_input: bool, open_output: bool
                ) -> str:
    words = []
    if open_input:
        words.append(f"input {RANGE_WORDS[pair[0]]}")
    if open_output:
        words.append(f"output {RANGE_WORDS[pair[1]]}")
    return ", ".join(words)


def fit_to_dataset(model: GenerativeModel, dataset: Dataset) -> GenerativeModel:
    """``model`` paired with ``dataset``: a known image family at the size of its images (see
    :func:`~latent_explorer.core.models.families.fit_to_images`), and what a file or object
    left to a guess settled on its first :data:`COUNT` images (see :func:`calibrate`).

    Everything that encodes a dataset pairs the two this way (the window, the command line,
    a session's check), so one model file gives one fingerprint wherever it is opened.
    """
    from latent_explorer.core.models.families import fit_to_images

    model = fit_to_images(model, dataset.image_shape)
    fits = tuple(dataset.image_shape) == tuple(model.image_shape)
    if isinstance(model, TorchModel) and not model.calibrated and model.has_encoder and fits \
            and len(dataset):
        calibrate(model, dataset.float_batch(0, min(COUNT, len(dataset))))
    return model
