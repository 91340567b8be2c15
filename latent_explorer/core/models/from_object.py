"""Turn a network you already hold in Python into the app's model, with no adapter file.

:func:`model_from_object` takes an ``nn.Module``, any object with ``decode`` (and maybe
``encode``) methods, or plain callables, and returns a
:class:`~latent_explorer.core.models.base.GenerativeModel`. What the object does not say is
found out by trying it, on a few of your own images when you pass them:

- the **latent shape**: from what ``encode`` returns for one sample image, else from the
  decoder's first layer (``Linear.in_features``; ``ConvTranspose2d.in_channels`` as
  ``(C, 1, 1)``), else from an attribute (``latent_shape``, ``latent_dim``, ``z_dim``, ``nz``
  ...); each guess is checked by decoding it;
- the **layout the encoder takes**: flat ``(B, H*W*C)``, channels first ``(B, C, H, W)`` or
  channels last ``(B, H, W, C)``, tried on one sample image;
- the **output range** (``[0, 1]``, ``[-1, 1]``, ``0..255`` or logits) from the values of a
  few decoded latents, and the **image layout** from their shape (a flat output of 784
  values is shown as 28x28 grey images, 3072 as 32x32 colour; the model's ``notes`` say so).

Every field of :class:`~latent_explorer.core.models.card.ModelOptions` you give wins over any
guess.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import ModelOutputError, SpecError
from latent_explorer.core.models.base import OutputRange
from latent_explorer.core.models.card import ModelOptions
from latent_explorer.core.models.probing import find_latent_shape, guess_output_range
from latent_explorer.core.models.torch_adapter import TorchModel
from latent_explorer.core.models.trials import (
    RANGE_WORDS,
    decode_probe,
    encoder_latent_shapes,
    guessed_output_range,
)

__all__ = ["RANGE_WORDS", "guess_output_range", "model_from_object"]
_SAMPLES = 8
"""How many of the sample images a model is tried on."""

def model_from_object(
    obj: Any = None,
    *,
    decode: Callable[..., Any] | None = None,
    encode: Callable[..., Any] | None = None,
    sample_images: Any = None,
    options: ModelOptions | None = None,
    name: str | None = None,
) -> TorchModel:
    """The app's model around a network held in Python.

    Parameters
    ----------
    obj
        A ``torch.nn.Module`` or any object with a ``decode(z)`` method (and maybe
        ``encode(x)``); a module without ``decode`` decodes with its ``forward``. ``None``
        when ``decode=`` is given. A module is switched to ``eval()``; its parameters' device
        and dtype are used for the tensors handed to it.
    decode
        ``decode(z)`` (or ``decode(z, labels)`` when ``options.num_classes > 0``), taking a
        float32 tensor ``(B, *latent_shape)``; wins over ``obj.decode``. It may return a
        tensor, a tuple / list / dict (``options.output_index`` picks the image) or an object
        with ``.sample``, in ``(B, C, H, W)``, ``(B, H, W, C)``, ``(B, H, W)`` or flat layout.
    encode
        ``encode(x)`` returning the latent mean, ``(mean, logvar)``, a dict with ``mean`` /
        ``mu``, a distribution with ``.mean``, or mean and log-variance concatenated; wins
        over ``obj.encode``.
    sample_images
        A few images of your data: float32 ``(B, H, W, C)`` in [0, 1] (uint8, ``(B, H, W)``
        grey and torch tensors are accepted too), or ``None``. The first is used to find the
        latent shape and the layout the encoder takes; their shape is the image shape when
        the decoder's output has as many values.
    options
        What you know about the model; each field given wins over any guess (``latent_shape``,
        ``output_range``, ``output_index``, ``image_shape``, ``channels_first``,
        ``encoder_input_range``, ``encoder_output``, ``num_classes``, ``name``).
    name
        The name shown to the user (default: the class or function name).

    Returns
    -------
    TorchModel
        ``encode`` takes float32 ``(B, H, W, C)`` images in [0, 1] and returns flat latents
        ``(B, latent_dim)``; ``decode`` takes such latents and returns such images. ``notes``
        lists what was guessed; ``source`` is ``python:<name>`` (it cannot be reopened from a
        file).

    Raises
    ------
    SpecError
        If there is nothing to decode with.
    ModelOutputError
        If nothing says the latent shape and no guess decodes (the message lists the tries),
        or if the encoder takes no layout of the sample image (the message lists each layout
        tried, the shape handed over and what the encoder raised).
    """
    opts = options or ModelOptions()
    if name:
        opts = ModelOptions(name=name).over(opts)
    decode_fn, encode_fn, module, parts_note = _callables(obj, decode, encode)
    label = opts.name or _name_of(obj, decode_fn)
    if module is not None:
        module.eval()
        decode_fn, encode_fn = _on_device(module, decode_fn, encode_fn)
    samples = _samples(sample_images)
    sample = None if samples is None else samples[:1]
    input_range = opts.encoder_input_range or OutputRange.UNIT
    num_classes = opts.num_classes or 0
    index = 0 if opts.output_index is None else opts.output_index
    notes: list[str] = [parts_note] if parts_note else []
    extra = b""
    network = module if module is not None else obj

    latent_shape = opts.latent_shape
    if latent_shape is None:
        first: list[tuple[int, ...]] = []
        if encode_fn is not None and sample is not None:
            try:
                first, extra = encoder_latent_shapes(encode_fn, sample, input_range, label,
                                                     module)
            except ModelOutputError as exc:
                raise _size_problem(network, decode_fn, sample, opts, label) or exc from exc
        latent_shape, tried = find_latent_shape(
            network, decode_fn, has_encoder=encode_fn is not None,
            num_classes=num_classes, output_index=index, first=first,
        )  # fmt: skip
        if latent_shape is None:
            raise ModelOutputError(_no_latent_shape(label, tried, network))
        notes.append(f"latent shape {latent_shape} found by trying the model")

    raw = decode_probe(decode_fn, latent_shape, num_classes, index, label)
    extra += raw.tobytes()
    output_range = opts.output_range
    if output_range is None:
        output_range, note = guessed_output_range(raw)
        notes.append(note)
    image_shape, channels_first = opts.image_shape, opts.channels_first
    if image_shape is None and sample is not None and raw[0].size == sample[0].size:
        image_shape = tuple(int(n) for n in sample.shape[1:])
        if raw.ndim == 2 and image_shape[-1] == 3 and channels_first is None:
            channels_first = True  # torch flattens (C, H, W) channel by channel

    model = TorchModel(
        decode_fn,
        encode_fn=encode_fn,
        name=label,
        source=f"python:{label}",
        latent_shape=latent_shape,
        output_range=output_range,
        output_index=index,
        image_shape=image_shape,
        channels_first=channels_first,
        num_classes=num_classes,
        encoder_input_range=input_range,
        encoder_output=opts.encoder_output or "mean",
        state_fn=module.state_dict if module is not None else None,
        fingerprint_extra=extra,
        keep_alive=obj if obj is not None else module,
    )
    model.notes[:0] = notes
    model.guessed.update(name for name in ("output_range", "encoder_input_range")
                         if getattr(opts, name) is None)
    if encode_fn is not None and samples is not None and model.image_shape == sample_shape(
            samples):
        from latent_explorer.core.models.calibration import calibrate

        model.encode(samples[:1])  # fixes the layout the encoder takes now, with a clear error
        calibrate(model, samples)
    return model


def sample_shape(images: npt.NDArray[np.float32]) -> tuple[int, ...]:
    """The shape of one image of a batch."""
    return tuple(int(n) for n in images.shape[1:])


def _callables(
    obj: Any, decode: Callable[..., Any] | None, encode: Callable[..., Any] | None
) -> tuple[Callable[..., Any], Callable[..., Any] | None, Any, str]:
    """The decoder, the encoder, the ``nn.Module`` that holds them (or ``None``), and a note
    saying how they were found (a whole autoencoder's children)."""
    import torch

    from latent_explorer.core.models.network_parts import network_parts

    parts = network_parts(obj) if obj is not None and decode is None else None
    decode_fn = decode if parts is None else parts.decode
    if decode_fn is None:
        what = "nothing" if obj is None else f"a {type(obj).__name__} with no decode method"
        raise SpecError(
            f"cannot make a model of {what}: give an nn.Module, an object with decode(z), "
            "or decode=<function>"
        )
    encode_fn = encode
    if encode_fn is None and obj is not None:
        encode_fn = parts.encode if parts is not None else network_parts(obj).encode
    module = obj if isinstance(obj, torch.nn.Module) else None
    if module is None:
        owner = getattr(decode_fn, "__self__", None)
        module = owner if isinstance(owner, torch.nn.Module) else None
    return decode_fn, encode_fn, module, parts.note if parts is not None else ""


def _name_of(obj: Any, decode_fn: Callable[..., Any]) -> str:
    if obj is not None:
        return type(obj).__name__
    owner = getattr(decode_fn, "__self__", None)
    if owner is not None:
        return type(owner).__name__
    label = str(getattr(decode_fn, "__name__", "model"))
    return "model" if label.startswith("<") else label


def _on_device(
    module: Any, decode_fn: Callable[..., Any], encode_fn: Callable[..., Any] | None
) -> tuple[Callable[..., Any], Callable[..., Any] | None]:
    """Wrap the callables so float inputs move to the module's device and dtype."""
    import torch

    param = next(iter(module.parameters()), None)
    if param is None or (param.device.type == "cpu" and param.dtype == torch.float32):
        return decode_fn, encode_fn
    device, dtype = param.device, param.dtype

    def move(value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            if value.is_floating_point():
                return value.to(device=device, dtype=dtype)
            return value.to(device=device)
        return value

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            return fn(*(move(a) for a in args))

        return call

    return wrap(decode_fn), (wrap(encode_fn) if encode_fn is not None else None)


def _samples(images: Any) -> npt.NDArray[np.float32] | None:
    """Up to eight images of ``images`` as float32 ``(B, H, W, C)`` in [0, 1], or ``None``."""
    if images is None:
        return None
    if hasattr(images, "detach"):
        images = images[:_SAMPLES].detach().cpu().numpy()
    array = np.asarray(images)
    if array.ndim == 2 or (array.ndim == 3 and array.shape[-1] in (1, 3)):
        array = array[np.newaxis]  # one image
    if array.ndim == 3:
        array = array[..., np.newaxis]  # grey (B, H, W)
    if array.ndim != 4 or array.shape[0] == 0:
        raise SpecError(f"sample_images must be images (B, H, W, C), got shape {array.shape}")
    if array.shape[-1] not in (1, 3) and array.shape[1] in (1, 3):
        array = array.transpose(0, 2, 3, 1)  # (B, C, H, W) as torch datasets give them
    some = array[:_SAMPLES]
    if some.dtype == np.uint8:
        return (some.astype(np.float32) / 255.0).astype(np.float32)
    return np.array(some, dtype=np.float32)


def _size_problem(
    network: Any,
    decode_fn: Callable[..., Any],
    sample: npt.NDArray[np.float32],
    opts: ModelOptions,
    name: str,
) -> ModelOutputError | None:
    """The error to raise when the decoder makes images of another size than ``sample``'s.

    An encoder handed images of the wrong size fails in a layer deep inside (or names its
    first layer's channels, which fit); the size its decoder makes is what to say.
    """
    try:
        latent_shape = opts.latent_shape or find_latent_shape(
            network, decode_fn, has_encoder=True, num_classes=opts.num_classes or 0,
            output_index=opts.output_index or 0)[0]
        if latent_shape is None:
            return None
        made = TorchModel(decode_fn, name=name, source=name, latent_shape=latent_shape,
                          image_shape=opts.image_shape, channels_first=opts.channels_first,
                          num_classes=opts.num_classes or 0,
                          output_index=opts.output_index or 0).image_shape
    except Exception:  # the user's network may raise anything: then the encoder's error stands
        return None
    have = tuple(int(n) for n in sample.shape[1:])
    if len(made) != 3 or made[:2] == have[:2]:
        return None
    h, w, c = made
    size = str(h) if h == w else f"({h}, {w})"
    return ModelOutputError(
        f"{name} makes {h}x{w}x{c} images (what its decoder returns) but the images given are "
        f"{'x'.join(map(str, have))}: give it images of {h}x{w} pixels (image_size={size} "
        "resizes them, in lx.load_dataset and lx.explore)")


def _no_latent_shape(name: str, tried: list[str], network: Any = None) -> str:
    from latent_explorer.core.models.network_parts import describe_image_input

    found = describe_image_input(network) if network is not None else ""
    if found:
        return f"{name}: no guess of the latent shape decodes. {found}"
    if tried:
        return (f"{name}: no guess of the latent shape decodes (tried {'; '.join(tried)}). "
                "Give latent_shape, e.g. latent_shape=(128,)")  # fmt: skip
    return (f"{name} does not say the shape of its latents (no encoder output on a sample "
            "image, no first layer, no latent_dim attribute). Give latent_shape, e.g. "
            "latent_shape=(128,)")  # fmt: skip
