""":class:`TorchModel`: the one place where a network's own conventions become the protocol's.

Every adapter (the project's VAE, TorchScript archives, Python adapter files, pickled modules)
builds a :class:`TorchModel` around two plain callables, so this module alone deals with
outputs in [-1, 1] / logits / 0..255, tuple and dict outputs, channel-first tensors, non-flat
latents, class-conditional decoders, 1-D signals, encoders returning ``(mu, logvar)``, batch
splitting, and turning failures inside the user's network into :class:`ModelOutputError`.

Torch is imported inside the methods, so importing this module stays cheap.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import ModelOutputError
from latent_explorer.core.models.base import OutputRange, flat_dim
from latent_explorer.core.models.hashing import hash_file, hash_state
from latent_explorer.core.models.labels import LabelCall
from latent_explorer.core.models.outputs import (
    EncoderOutput,
    Layout,
    pick_encoder_mean,
    pick_output,
    to_channels_last,
    to_layout,
)
from latent_explorer.core.models.probing import (
    EncoderLayoutError,
    contiguous_tensor,
    encoder_expects,
    layout_candidates,
    probe_encoder_layout,
    suggest_image_shape,
)


class TorchModel:
    """A :class:`~latent_explorer.core.models.base.GenerativeModel` around torch callables.

    Parameters
    ----------
    decode_fn
        ``decode_fn(z)`` or, when ``num_classes > 0``, ``decode_fn(z, labels)``; ``z`` is a
        float32 CPU tensor ``(B, *latent_shape)``, ``labels`` an int64 tensor ``(B,)``. It may
        return a tensor, a tuple/list (element ``output_index`` is used), a dict (key
        ``output_index``, or the ``output_index``-th value) or an object with ``.sample``.
    name
        Short name shown to the user and used in error messages.
    source
        How to reopen the model with ``load_model``.
    latent_shape
        Shape of one latent inside the network, e.g. ``(8,)`` or ``(8, 2, 2)``.
    encode_fn
        Optional ``encode_fn(x)`` taking images in ``encoder_input_range`` and layout
        ``encoder_layout``; see ``encoder_output`` for what it may return.
    output_range
        How the decoder's raw values map to [0, 1].
    output_index
        Which element of a tuple/list/dict output is the image.
    image_shape
        ``(H, W, C)`` or ``(L,)``; inferred by decoding one zero latent when ``None``.
    channels_first
        Whether 4-D outputs are ``(B, C, H, W)``; ``None`` decides from ``image_shape`` or
        from which axis has 1 or 3 entries.
    num_classes
        Number of classes of a conditional decoder (0: unconditional).
    encoder_input_range
        The value range the encoder expects its input images in.
    encoder_output
        ``"mean"``: take the mean whatever the form (tuple -> first element, dict -> ``mean``
        / ``mu`` / ``loc``, a distribution -> ``.mean``, a tensor with ``2 * latent_dim``
        values -> its first half); ``"first"``: element 0 of a tuple or the tensor itself;
        ``"split_half"``: the first half of the last axis (``mu`` and ``logvar`` concatenated).
    encoder_layout
        ``"nhwc"``, ``"nchw"``, ``"nhw"`` (grey, no channel axis) or ``"flat"``; ``None``:
        found out on the first :meth:`encode` by trying one image in the layout the decoder
        outputs, then channels first, flat, channels last (and grey without a channel axis);
        the first the encoder takes is kept.
    state_fn
        Returns the named tensors to hash for :meth:`fingerprint` (e.g. ``module.state_dict``).
    fingerprint_files
        Files whose bytes also go into :meth:`fingerprint` (an archive, an adapter file).
    fingerprint_extra
        More bytes for :meth:`fingerprint`, e.g. what the network returned for fixed inputs
        (a model built from plain functions has no weights to hash).
    batch_size
        Largest batch handed to the network at once.
    keep_alive
        Objects to keep referenced as long as the model lives (the ``nn.Module``); also
        returned by :attr:`network`.
    """

    def __init__(
        self,
        decode_fn: Callable[..., Any],
        *,
        name: str,
        source: str,
        latent_shape: Sequence[int],
        encode_fn: Callable[[Any], Any] | None = None,
        output_range: OutputRange | str = OutputRange.UNIT,
        output_index: int | str = 0,
        image_shape: Sequence[int] | None = None,
        channels_first: bool | None = None,
        num_classes: int = 0,
        encoder_input_range: OutputRange | str = OutputRange.UNIT,
        encoder_output: EncoderOutput = "mean",
        encoder_layout: Layout | None = None,
        state_fn: Callable[[], Mapping[str, Any]] | None = None,
        fingerprint_files: Sequence[str | Path] = (),
        fingerprint_extra: bytes = b"",
        batch_size: int = 512,
        keep_alive: object = None,
    ) -> None:
        if encoder_output not in ("mean", "first", "split_half"):
            raise ValueError(f"encoder_output must be mean, first or split_half: {encoder_output}")
        self.name = name
        self.source = source
        self.latent_shape = tuple(int(n) for n in latent_shape)
        if not self.latent_shape or min(self.latent_shape) < 1:
            raise ValueError(f"latent_shape must be positive sizes, got {self.latent_shape}")
        self.num_classes = int(num_classes)
        self.output_range = OutputRange(output_range)
        self.output_index = output_index
        self.encoder_input_range = OutputRange(encoder_input_range)
        self.encoder_output: EncoderOutput = encoder_output
        self.batch_size = max(1, int(batch_size))
        self._decode_fn = decode_fn
        self._encode_fn = encode_fn
        self._channels_first = channels_first
        self._encoder_layout = encoder_layout
        self._state_fn = state_fn
        self._fingerprint_files = tuple(Path(p) for p in fingerprint_files)
        self._fingerprint_extra = fingerprint_extra
        self._fingerprint: str | None = None
        self._keep_alive = keep_alive
        self._output_layout: Layout = "nchw" if channels_first else "nhwc"
        self._layout_seen = False  # whether a decode has shown the output's layout yet
        self.notes: list[str] = []
        """What was guessed while opening the model, in words for the user."""
        self.guessed: set[str] = set()
        """Conventions guessed rather than stated (``"output_range"``,
        ``"encoder_input_range"``), which :func:`~latent_explorer.core.models.calibration.
        calibrate` settles on real images."""
        self.calibrated = False
        """Whether :func:`~latent_explorer.core.models.calibration.calibrate` has run."""
        self._labels = LabelCall(self.num_classes)
        self._encoder_how = ""
        if image_shape is not None:
            self.image_shape = tuple(int(n) for n in image_shape)
            if len(self.image_shape) not in (1, 3):
                raise ValueError(f"image_shape must be (H, W, C) or (L,), got {image_shape}")
            if len(self.image_shape) == 1:
                self._output_layout = "flat"
        else:
            self.image_shape = ()
            self.image_shape = self._infer_image_shape()
            self._layout_seen = True

    def __repr__(self) -> str:
        return (
            f"TorchModel(name={self.name!r}, latent_shape={self.latent_shape}, "
            f"image_shape={self.image_shape}, has_encoder={self.has_encoder})"
        )

    @property
    def latent_dim(self) -> int:
        """Number of values in one flat latent."""
        return flat_dim(self.latent_shape)

    @property
    def network(self) -> object:
        """The wrapped network object given as ``keep_alive`` (an ``nn.Module``), or ``None``."""
        return self._keep_alive

    @property
    def has_encoder(self) -> bool:
        """Whether :meth:`encode` works."""
        return self._encode_fn is not None

    # -- decoding ---------------------------------------------------------------------------

    def decode(
        self, latents: npt.NDArray[np.float32], labels: npt.NDArray[np.int64] | None = None
    ) -> npt.NDArray[np.float32]:
        """Decode ``(B, latent_dim)`` latents into ``(B, *image_shape)`` float32 in [0, 1].

        A conditional model given no ``labels`` decodes class 0; an unconditional model
        ignores ``labels``.
        """
        latents = np.asarray(latents, dtype=np.float32)
        if latents.ndim != 2 or latents.shape[1] != self.latent_dim:
            raise ValueError(
                f"{self.name} takes latents of shape (B, {self.latent_dim}), got {latents.shape}"
            )
        return self.output_range.to_unit(self.decode_raw(latents, labels))

    def decode_raw(
        self, latents: npt.NDArray[np.float32], labels: npt.NDArray[np.int64] | None = None
    ) -> npt.NDArray[np.float32]:
        """:meth:`decode` before the output range maps the values to [0, 1]."""
        latents = np.asarray(latents, dtype=np.float32)
        count = latents.shape[0]
        label_array = self._check_labels(labels, count)
        chunks = [
            self._decode_chunk(latents[i : i + self.batch_size], label_array, i)
            for i in range(0, count, self.batch_size)
        ]
        if not chunks:
            return np.zeros((0, *self.image_shape), dtype=np.float32)
        raw = np.concatenate(chunks)
        bad = int(np.count_nonzero(~np.isfinite(raw.reshape(count, -1)).all(axis=1)))
        if bad:
            raise ModelOutputError(
                f"{self._where()}{self.name} returned NaN or infinite values for {bad} of "
                f"{count} latents{self._damage_hint(bad, count)}"
            )
        return raw

    def _where(self) -> str:
        """``"<file>: "`` when the model came from a file (errors name it), else nothing."""
        from pathlib import Path

        source = str(self.source)
        return f"{source}: " if source and Path(source).exists() else ""

    def _damage_hint(self, bad: int, count: int) -> str:
        if bad < count:
            return ""
        return "; its weights may be damaged (NaN or infinite numbers in the file)"

    def _failure(self, doing: str, exc: BaseException) -> ModelOutputError:
        """One line naming the file and the network's own last line; the rest as details."""
        import traceback

        from latent_explorer.core.errors import last_line

        details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return ModelOutputError(
            f"{self._where()}{self.name} failed while {doing}: {type(exc).__name__}: "
            f"{last_line(str(exc)) or 'no message'}", details)

    def _check_labels(
        self, labels: npt.NDArray[np.int64] | None, count: int
    ) -> npt.NDArray[np.int64] | None:
        if self.num_classes <= 0:
            return None
        if labels is None:
            return np.zeros(count, dtype=np.int64)
        label_array = np.asarray(labels, dtype=np.int64).reshape(-1)
        if label_array.shape[0] != count:
            raise ValueError(f"{label_array.shape[0]} labels for {count} latents")
        if count and (label_array.min() < 0 or label_array.max() >= self.num_classes):
            raise ValueError(f"{self.name} takes labels 0..{self.num_classes - 1}")
        return label_array

    def _decode_chunk(
        self,
        latents: npt.NDArray[np.float32],
        labels: npt.NDArray[np.int64] | None,
        start: int,
    ) -> npt.NDArray[np.float32]:
        import torch

        count = latents.shape[0]
        # A copy: a network that works in place must not change the caller's latents.
        z = torch.from_numpy(np.array(latents, copy=True)).reshape(count, *self.latent_shape)
        try:
            with torch.inference_mode():
                if labels is None:
                    out = self._decode_fn(z)
                else:
                    y = torch.from_numpy(np.ascontiguousarray(labels[start : start + count]))
                    out = self._call_with_labels(z, y)
                tensor = pick_output(out, self.output_index)
                raw = tensor.detach().to(device="cpu", dtype=torch.float32).numpy()
        except ModelOutputError:
            raise
        except Exception as exc:  # the user's network may raise anything
            raise self._failure(
                f"decoding {count} latents of shape {self.latent_shape}", exc) from exc
        return self._to_image_layout(raw, count)

    def _call_with_labels(self, z: Any, y: Any) -> Any:
        """The decoder on ``z`` and class numbers ``y``, as class numbers or one-hot vectors."""
        known = self._labels.label_format
        out = self._labels(self._decode_fn, z, y)
        if known is None and self._labels.label_format == "one_hot":
            self.notes.append(self._labels.note(self.name))
        return out

    def decode_maps(self, maps: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Decode channel maps ``(B, C, h, w)`` of a size other than ``latent_shape``.

        A fully convolutional decoder takes any spatial size and returns a picture scaled
        alike (a half-size latent gives a half-size picture); this is how a reduced-resolution
        decode comes first while the full one runs. Returns ``(B, H', W', C)`` in [0, 1];
        raises :class:`ModelOutputError` when the network does not take that size.
        """
        import torch

        maps = np.ascontiguousarray(maps, dtype=np.float32)
        if maps.ndim != 4 or len(self.latent_shape) != 3 or self.num_classes > 0:
            raise ModelOutputError(f"{self.name} does not decode channel maps of {maps.shape}")
        try:
            with torch.inference_mode():
                out = self._decode_fn(torch.from_numpy(maps.copy()))
                raw = pick_output(out, self.output_index).detach().to(
                    device="cpu", dtype=torch.float32).numpy()
        except Exception as exc:  # the network may reject the size in any way
            raise ModelOutputError(
                f"{self.name} cannot decode latents of shape {maps.shape[1:]}: {exc}") from exc
        if raw.ndim != 4 or raw.shape[0] != len(maps):
            raise ModelOutputError(f"{self.name} returned {raw.shape} for channel maps")
        channels_first = self._output_layout == "nchw"
        images = raw.transpose(0, 2, 3, 1) if channels_first else raw
        if not np.isfinite(images).all():
            raise ModelOutputError(f"{self.name} returned NaN or infinite values")
        return self.output_range.to_unit(np.ascontiguousarray(images))

    def _to_image_layout(self, raw: npt.NDArray[np.float32], count: int) -> npt.NDArray[np.float32]:
        if raw.ndim == 0 or raw.shape[0] != count:
            raise ModelOutputError(
                f"{self.name} returned shape {raw.shape} for a batch of {count} latents"
            )
        if not self.image_shape:  # still inferring
            return raw
        images, self._output_layout = to_channels_last(
            raw, self.image_shape, self._channels_first, self.name
        )
        self._layout_seen = True
        return images

    def _infer_image_shape(self) -> tuple[int, ...]:
        """Decode two zero latents and read the image shape and layout off the result."""
        # Two, not one: a network that squeezes its batch axis would hide it with one.
        probe = np.zeros((2, self.latent_dim), dtype=np.float32)
        labels = None if self.num_classes <= 0 else np.zeros(2, dtype=np.int64)
        raw = self._decode_chunk(probe, labels, 0)
        suggested = suggest_image_shape(raw.shape[1]) if raw.ndim == 2 else None
        if suggested is not None:
            h, w, c = suggested
            if c == 3 and self._channels_first is None:
                self._channels_first = True  # torch flattens (C, H, W) channel by channel
            self._output_layout = "flat"
            colour = "grey" if c == 1 else "colour (read channel by channel)"
            self.notes.append(
                f"{self.name} outputs {raw.shape[1]} flat values per latent; shown as {h}x{w} "
                f"{colour} images. Give the image shape {raw.shape[1]} to see a 1-D signal"
            )
            return suggested
        images, self._output_layout = to_channels_last(raw, None, self._channels_first, self.name)
        return tuple(int(n) for n in images.shape[1:])

    # -- encoding ---------------------------------------------------------------------------

    def encode(self, images: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Encode ``(B, *image_shape)`` float32 images in [0, 1] into ``(B, latent_dim)`` means.

        Raises
        ------
        ModelOutputError
            If the model has no encoder, the encoder raises, or it returns non-finite values.
        """
        if self._encode_fn is None:
            raise ModelOutputError(
                f"{self.name} has no encoder (a decoder-only model such as a GAN generator): "
                "it can decode latents but cannot place dataset images on the map"
            )
        images = np.asarray(images, dtype=np.float32)
        if images.shape[1:] != self.image_shape:
            raise ValueError(
                f"{self.name} encodes images of shape {self.image_shape}, got {images.shape[1:]}"
            )
        count = images.shape[0]
        chunks = [
            self._encode_chunk(images[i : i + self.batch_size])
            for i in range(0, count, self.batch_size)
        ]
        if not chunks:
            return np.zeros((0, self.latent_dim), dtype=np.float32)
        means = np.concatenate(chunks)
        bad = int(np.count_nonzero(~np.isfinite(means).all(axis=1)))
        if bad:
            raise ModelOutputError(
                f"{self._where()}{self.name} returned NaN or infinite values for {bad} of "
                f"{count} images{self._damage_hint(bad, count)}"
            )
        return means

    @property
    def encoder_layout(self) -> Layout | None:
        """The layout the encoder takes (``None`` until stated or found by the first encode)."""
        return self._encoder_layout

    def _encoder_input(self, images: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        values = self.encoder_input_range.from_unit(images)
        if len(self.image_shape) == 1:
            return values
        if self._encoder_layout is None:
            self._encoder_layout = self._probe_encoder_layout(values[:1])
        return to_layout(values, self._encoder_layout, bool(self._channels_first))

    def _probe_encoder_layout(self, sample: npt.NDArray[np.float32]) -> Layout:
        """Try the encoder on one image in each layout; keep the first it takes."""
        import torch

        assert self._encode_fn is not None
        encode_fn = self._encode_fn
        if not self._layout_seen:  # the decoder's own layout is the likeliest: look at it
            labels = None if self.num_classes <= 0 else np.zeros(2, dtype=np.int64)
            self._decode_chunk(np.zeros((2, self.latent_dim), dtype=np.float32), labels, 0)

        def run(x: npt.NDArray[np.float32]) -> None:
            with torch.inference_mode():
                mean = pick_encoder_mean(
                    encode_fn(contiguous_tensor(x)), self.encoder_output, self.latent_dim, 1
                )
            if int(mean.numel()) != self.latent_dim:
                raise ValueError(
                    f"it returned {int(mean.numel())} values but the latents have "
                    f"{self.latent_dim}"
                )

        candidates = layout_candidates(self._output_layout, int(self.image_shape[-1]))
        try:
            layout, _ = probe_encoder_layout(
                run, sample, candidates, channels_first=bool(self._channels_first),
                expected=encoder_expects(self._keep_alive),
            )  # fmt: skip
        except EncoderLayoutError as exc:
            shape = "x".join(str(n) for n in self.image_shape)
            raise ModelOutputError(f"{self.name}'s encoder cannot encode {shape} images: "
                                   f"{exc}") from exc  # fmt: skip
        return layout

    def raw_encode(self, images: npt.NDArray[np.float32]) -> Any:
        """What the encoder itself returns for ``images`` (a few), before the mean is picked.

        For looking at it (is it a tuple with a mean? does it sample?); raises what the
        network raises.
        """
        import torch

        if self._encode_fn is None:
            raise ModelOutputError(f"{self.name} has no encoder")
        x = contiguous_tensor(self._encoder_input(np.asarray(images, dtype=np.float32)))
        with torch.inference_mode():
            return self._encode_fn(x)

    def wrap_encoder(
        self, wrap: Callable[[Callable[[Any], Any]], Callable[[Any], Any]], how: str
    ) -> None:
        """Encode with ``wrap(encoder)`` from now on (it takes what the encoder took); ``how``
        says what it does, in words, and is part of :meth:`fingerprint`."""
        if self._encode_fn is None:
            raise ModelOutputError(f"{self.name} has no encoder")
        self._encode_fn = wrap(self._encode_fn)
        self._encoder_how = how
        self._fingerprint = None

    def _encode_chunk(self, images: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        import torch

        assert self._encode_fn is not None
        count = images.shape[0]
        x = contiguous_tensor(self._encoder_input(images))
        try:
            with torch.inference_mode():
                out = self._encode_fn(x)
                mean = pick_encoder_mean(out, self.encoder_output, self.latent_dim, count)
                result = mean.detach().to(device="cpu", dtype=torch.float32).numpy()
        except ModelOutputError:
            raise
        except Exception as exc:  # the user's network may raise anything
            raise self._failure(f"encoding {count} images", exc) from exc
        if result.size != count * self.latent_dim:
            raise ModelOutputError(
                f"{self.name}'s encoder returned {result.size // max(count, 1)} values per image"
                f" but the latents have {self.latent_dim}"
            )
        return np.ascontiguousarray(result.reshape(count, self.latent_dim))

    # -- identity ---------------------------------------------------------------------------

    def settings(self) -> dict[str, object]:
        """The conventions this model was opened with (part of :meth:`fingerprint`)."""
        return {
            "latent_shape": list(self.latent_shape),
            "image_shape": list(self.image_shape),
            "output_range": self.output_range.value,
            "output_index": self.output_index,
            "num_classes": self.num_classes,
            "encoder_input_range": self.encoder_input_range.value,
            "encoder_output": self.encoder_output,
            "has_encoder": self.has_encoder,
            **({"encoder": self._encoder_how} if self._encoder_how else {}),
        }

    def settings_changed(self) -> None:
        """Forget the fingerprint after a convention was changed (it is computed again)."""
        self._fingerprint = None

    def fingerprint(self) -> str:
        """A sha256 of the weights, the files given and :meth:`settings` (computed once)."""
        if self._fingerprint is None:
            digest = hashlib.sha256()
            digest.update(json.dumps(self.settings(), sort_keys=True).encode())
            if self._state_fn is not None:
                hash_state(digest, self._state_fn())
            for path in self._fingerprint_files:
                hash_file(digest, path)
            digest.update(self._fingerprint_extra)
            if self._state_fn is None and not self._fingerprint_files:
                digest.update(self.source.encode())
            self._fingerprint = digest.hexdigest()[:32]
        return self._fingerprint
