"""Find out what a network does not say about itself, by reading its layers and trying it.

Every way into the app (an object handed to the Python API, an adapter file, a pickled module,
a model card, the Open Model dialog) meets networks that state little: which layout the
encoder takes (flat ``(B, H*W*C)``, channels first ``(B, C, H, W)``, channels last
``(B, H, W, C)``), the shape of a latent, the range of the output, the image shape of a flat
output. This module answers those questions from the network's layers and attributes, and by
calling it on one sample; nothing here opens files or knows about Qt.

Torch is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.models.base import OutputRange
from latent_explorer.core.models.outputs import Layout, to_layout

LAYOUT_NAMES: dict[str, str] = {
    "nchw": "channels first (B, C, H, W)",
    "nhwc": "channels last (B, H, W, C)",
    "flat": "flat (B, H*W*C)",
    "nhw": "grey without a channel axis (B, H, W)",
}
"""Each encoder input layout in words, for messages."""

DIM_NAMES = (
    "latent_dim", "z_dim", "nz", "latent_size", "dim_z", "zdim", "z_size", "n_latent",
    "latent_dims", "code_size", "nlatent",
)  # fmt: skip
"""Names under which code and checkpoints commonly state the number of latent values."""

_NESTED_KEYS = ("hyper_parameters", "hparams", "config", "cfg", "args", "model_config", "params")
_DECODER_NAMES = ("decoder", "dec", "generator", "gen", "netG", "G", "g_ema")
_DECODER_WORDS = ("decoder", "dec.", "dec_", "generator", "gen.", "netg", "fc_dec", "decode")
_ENCODER_NAMES = ("encoder", "enc")
_LAYER_KINDS = ("Linear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
                "ConvTranspose3d")
_MIN_SIDE = 16  # a flat output of 256 values and more may be an image; 16 values is a signal


class EncoderLayoutError(ValueError):
    """The encoder took none of the layouts tried; the message lists each try and its error."""


def contiguous_tensor(array: npt.NDArray[Any]) -> Any:
    """A float32 CPU tensor with fresh, row-major strides holding ``array``'s values.

    ``np.ascontiguousarray`` keeps the odd strides of a transposed view whose moved axis has
    one entry (a grey image moved to ``(B, 1, H, W)``); torch then keeps them, a convolution
    returns a channels-last result, and an encoder that flattens with ``x.view(B, -1)`` fails.
    A fresh copy has plain strides.
    """
    import torch

    return torch.from_numpy(np.array(array, dtype=np.float32, order="C", copy=True))


def layout_candidates(preferred: Layout | None, channels: int) -> list[Layout]:
    """The layouts to try on an encoder, ``preferred`` first, then torch's usual order."""
    order: list[Layout] = [preferred] if preferred is not None else []
    order += ["nchw", "flat", "nhwc"]
    if channels == 1:
        order.append("nhw")
    return list(dict.fromkeys(order))


def probe_encoder_layout(
    run: Callable[[npt.NDArray[np.float32]], Any],
    sample: npt.NDArray[np.float32],
    candidates: Sequence[Layout],
    *,
    channels_first: bool = False,
    expected: str = "",
) -> tuple[Layout, Any]:
    """Call ``run`` on ``sample`` in each layout of ``candidates``; the first that works wins.

    Parameters
    ----------
    run
        Calls the encoder on an array in one layout and checks its output; it raises on
        failure and returns the output.
    sample
        ``(1, H, W, C)`` images, already in the range the encoder takes.
    candidates
        The layouts to try, in order.
    channels_first
        For the flat layout: flatten channel by channel (torch's order) instead of pixel by
        pixel.
    expected
        A sentence saying what the encoder takes (from its first layer), added to the error.

    Returns
    -------
    The layout that worked and what ``run`` returned for it.

    Raises
    ------
    EncoderLayoutError
        Listing each layout tried, the shape it handed over, and what the encoder raised.
    """
    tried: list[str] = []
    for layout in candidates:
        x = to_layout(sample, layout, channels_first)
        try:
            return layout, run(x)
        except Exception as exc:  # the user's network may raise anything
            tried.append(f"{tuple(x.shape)} {LAYOUT_NAMES[layout]}: {short_error(exc)}")
    message = "it fails on each input layout tried on one image: " + "; ".join(tried)
    raise EncoderLayoutError(message + (f". {expected}" if expected else ""))


def short_error(exc: BaseException, limit: int = 200) -> str:
    """``Type: first line`` of an exception, cut to ``limit`` characters."""
    text = str(exc).strip().splitlines()
    line = f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")
    return line if len(line) <= limit else line[: limit - 3] + "..."


# -- layers -----------------------------------------------------------------------------------


def _layer_kind(layer: Any) -> str:
    """``Linear``, ``ConvTranspose2d`` ... also for TorchScript modules (their original name)."""
    return str(getattr(layer, "original_name", type(layer).__name__))


def _weighted_layers(module: Any) -> Iterable[tuple[str, Any]]:
    modules = getattr(module, "named_modules", None)
    if not callable(modules):
        return []
    return [
        (name, layer)
        for name, layer in modules()
        if _layer_kind(layer) in _LAYER_KINDS
    ]


def _layer_input(layer: Any, generator: bool) -> tuple[int, ...] | None:
    """The latent shape a layer that comes first in a decoder takes.

    A transposed convolution says only the channels: a generator (no encoder, DCGAN-like)
    takes ``(nz, 1, 1)``; an autoencoder's spatial latents cannot be read off it.
    """
    kind = _layer_kind(layer)
    try:
        if kind == "Linear":
            size = int(layer.in_features)
            return (size,) if size > 0 else None
        if kind.startswith("ConvTranspose") and generator:
            spatial = int(kind[-2])
            return (int(layer.in_channels),) + (1,) * spatial
    except (AttributeError, TypeError, ValueError, RuntimeError):
        return None
    return None


def first_layer(module: Any) -> Any:
    """The first weighted layer (``Linear``, a convolution) of ``module``, or ``None``."""
    layers = list(_weighted_layers(module))
    return layers[0][1] if layers else None


def describe_layer(layer: Any) -> str:
    """``Linear(784 -> 64)`` or ``Conv2d(1 -> 8 channels)``."""
    kind = _layer_kind(layer)
    try:
        if kind == "Linear":
            return f"Linear({int(layer.in_features)} -> {int(layer.out_features)})"
        return f"{kind}({int(layer.in_channels)} -> {int(layer.out_channels)} channels)"
    except (AttributeError, TypeError, ValueError, RuntimeError):
        return kind


def _child(module: Any, names: Sequence[str]) -> Any:
    for name in names:
        child = getattr(module, name, None)
        if child is not None and callable(getattr(child, "named_modules", None)):
            return child
    return None


def decoder_layer_shapes(module: Any, decode_only: bool = False) -> list[tuple[int, ...]]:
    """Latent shapes the network's layers suggest, most likely first (``decode_only``: the
    network has no encoder, so a first transposed convolution takes ``(C, 1, 1)``).

    The first layer of a ``decoder`` / ``generator`` child comes first; then (for a module
    that only decodes) its own first layer; then every layer's input in order, because the
    decoder's first layer may sit anywhere in a module that also encodes. Each guess is to
    be checked by decoding.
    """
    found: list[tuple[int, ...]] = []
    part = _child(module, _DECODER_NAMES)
    if part is not None:
        found += [shape for _, layer in list(_weighted_layers(part))[:1]
                  if (shape := _layer_input(layer, decode_only))]  # fmt: skip
    layers = list(_weighted_layers(module))
    if decode_only and layers:
        first = _layer_input(layers[0][1], decode_only)
        if first:
            found.append(first)
    found += [shape for _, layer in layers if (shape := _layer_input(layer, decode_only))]
    return list(dict.fromkeys(found))


def encoder_expects(module: Any) -> str:
    """A sentence on what an encoder's first layer takes, or ``""`` when unknown."""
    part = _child(module, _ENCODER_NAMES) or module
    layers = list(_weighted_layers(part))
    if not layers:
        return ""
    layer = layers[0][1]
    kind = _layer_kind(layer)
    try:
        if kind == "Linear":
            takes = f"{int(layer.in_features)} values per image"
        elif kind.startswith("Conv"):
            takes = f"images with {int(layer.in_channels)} channels"
        else:
            return ""
    except (AttributeError, TypeError, ValueError, RuntimeError):
        return ""
    return f"Its first layer, {describe_layer(layer)}, takes {takes}"


# -- stated sizes -----------------------------------------------------------------------------


def _as_dim(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return value
    return None


def stated_latent_shape(obj: Any) -> tuple[int, ...] | None:
    """A latent shape an object states as an attribute (``latent_shape``, ``latent_dim`` ...).

    Also looks in ``obj.hparams`` and ``obj.config`` (PyTorch Lightning, Hugging Face).
    """
    from latent_explorer.core.models.shapes import parse_latent_shape

    for holder in (obj, getattr(obj, "hparams", None), getattr(obj, "config", None)):
        if holder is None:
            continue
        get = holder.get if isinstance(holder, Mapping) else lambda k, h=holder: getattr(h, k, None)
        shape = get("latent_shape")
        if shape is not None:
            try:
                return parse_latent_shape(shape if not hasattr(shape, "tolist") else shape.tolist())
            except (ValueError, TypeError):
                pass
        for name in DIM_NAMES:
            dim = _as_dim(get(name))
            if dim:
                return (dim,)
    return None


def checkpoint_latent_shape(data: Any, depth: int = 0) -> tuple[int, ...] | None:
    """A latent size stated in a checkpoint dict: ``latent_dim``-like keys, also one level down
    in ``hyper_parameters`` / ``config`` / ``args`` ..., else the decoder's first weight."""
    if not isinstance(data, Mapping):
        return None
    for name in DIM_NAMES:
        dim = _as_dim(data.get(name))
        if dim:
            return (dim,)
    if depth < 2:
        for key in _NESTED_KEYS:
            found = checkpoint_latent_shape(data.get(key), depth + 1)
            if found:
                return found
    if depth == 0:
        dim = state_dict_latent_dim(data)
        if dim:
            return (dim,)
    return None


def state_dict_latent_dim(state: Mapping[str, Any], depth: int = 0) -> int | None:
    """The input size of the first fully connected decoder weight in a state_dict, if any.

    A ``Linear`` weight is ``(out, in)``; the first 2-D ``.weight`` whose key names the decoder
    (``decoder.``, ``generator.``, ``fc_dec`` ...) takes the latent.
    """
    for key, value in state.items():
        if isinstance(value, Mapping) and depth < 2:
            inner = state_dict_latent_dim(value, depth + 1)
            if inner:
                return inner
            continue
        shape = getattr(value, "shape", None)
        if not isinstance(key, str) or not key.endswith(".weight") or shape is None:
            continue
        lowered = key.lower()
        if len(shape) == 2 and any(word in lowered for word in _DECODER_WORDS):
            return int(shape[1])
    return None


# -- outputs ----------------------------------------------------------------------------------


def guess_output_range(values: npt.NDArray[np.float32]) -> OutputRange:
    """The range a decoder's raw output is most likely in, from its smallest and largest value.

    [0, 1] -> ``0,1``; [-1, 1] with negatives -> ``-1,1``; [0, 255] with values above 1.5 ->
    ``0,255``; anything wider -> ``logits``.
    """
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return OutputRange.UNIT
    low, high = float(finite.min()), float(finite.max())
    eps = 1e-4
    if low >= -eps and high <= 1 + eps:
        return OutputRange.UNIT
    if low >= -1 - eps and high <= 1 + eps:
        return OutputRange.SYMMETRIC
    if low >= -eps and high <= 255 + eps and high > 1.5:
        return OutputRange.BYTE
    return OutputRange.LOGITS


def suggest_image_shape(length: int) -> tuple[int, int, int] | None:
    """The image a flat output of ``length`` values most likely is: square grey, else colour.

    784 -> 28x28x1, 3072 -> 32x32x3; ``None`` for lengths that are no square image of 16x16
    or more (then the output stays a 1-D signal).
    """
    side = math.isqrt(length)
    if side >= _MIN_SIDE and side * side == length:
        return side, side, 1
    if length % 3 == 0:
        side = math.isqrt(length // 3)
        if side >= _MIN_SIDE and 3 * side * side == length:
            return side, side, 3
    return None


def first_working_shape(
    decode_try: Callable[[tuple[int, ...]], Any],
    candidates: Iterable[tuple[int, ...]],
    limit: int = 16,
) -> tuple[tuple[int, ...] | None, list[str]]:
    """The first latent shape in ``candidates`` that ``decode_try`` decodes without raising.

    Returns the shape (or ``None``) and, for the error message, each failed try.
    """
    tried: list[str] = []
    for shape in list(dict.fromkeys(candidates))[:limit]:
        try:
            decode_try(shape)
        except Exception as exc:  # the user's network may raise anything
            tried.append(f"{shape}: {short_error(exc, 120)}")
            continue
        return shape, tried
    return None, tried


def decode_trial(
    decode_fn: Callable[..., Any], num_classes: int = 0, output_index: int | str = 0
) -> Callable[[tuple[int, ...]], npt.NDArray[np.float32]]:
    """A function that decodes two zero latents of a given shape and returns the raw output.

    Used to check a guessed latent shape: a wrong one raises inside the network. A
    conditional decoder gets class numbers, or one-hot vectors where those fail.
    """
    from latent_explorer.core.models.labels import LabelCall

    labels = LabelCall(num_classes)

    def trial(shape: tuple[int, ...]) -> npt.NDArray[np.float32]:
        import torch

        from latent_explorer.core.models.outputs import pick_output

        z = torch.zeros((2, *shape), dtype=torch.float32)
        with torch.inference_mode():
            if num_classes > 0:
                out = labels(decode_fn, z, torch.zeros(2, dtype=torch.int64))
            else:
                out = decode_fn(z)
            tensor = pick_output(out, output_index)
            raw: npt.NDArray[np.float32] = (
                tensor.detach().to(device="cpu", dtype=torch.float32).numpy()
            )
        if raw.ndim == 0 or raw.shape[0] != 2:
            raise ValueError(f"it returned shape {raw.shape} for 2 latents")
        return raw

    return trial


def find_latent_shape(
    obj: Any,
    decode_fn: Callable[..., Any],
    *,
    has_encoder: bool,
    num_classes: int = 0,
    output_index: int | str = 0,
    first: Sequence[tuple[int, ...]] = (),
) -> tuple[tuple[int, ...] | None, list[str]]:
    """The latent shape of a network that does not state it in options, checked by decoding.

    Tries ``first`` (e.g. the shape an encoder returned), then the first layer of the decoder,
    then a ``latent_dim``-like attribute; the first shape the decoder takes wins. Returns the
    shape (``None``: nothing said one that decodes) and the failed tries.
    """
    candidates = list(first)
    candidates += decoder_layer_shapes(obj, decode_only=not has_encoder)
    stated = stated_latent_shape(obj)
    if stated:
        candidates.append(stated)
    if num_classes > 0:  # a first layer taking the latent and a one-hot class side by side
        candidates += [(shape[0] - num_classes,) for shape in candidates
                       if len(shape) == 1 and shape[0] > num_classes]
    if not candidates:
        return None, []
    return first_working_shape(decode_trial(decode_fn, num_classes, output_index), candidates)
