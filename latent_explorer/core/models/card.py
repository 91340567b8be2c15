"""Model cards and the conventions a user states about a model (:class:`ModelOptions`).

A model card is a small JSON file that says how to open a model file whose conventions the
file itself does not state. The Open Model dialog writes one; people can write one by hand::

    {
      "format": "latent-explorer-model-card",
      "version": 1,
      "kind": "torchscript",          # "vae" | "torchscript" | "adapter" | "pickle"
      "path": "generator.pt",         # relative to the card's folder, or absolute
      "name": "CelebA GAN",           # optional: shown to the user
      "latent_shape": [128],          # or [8, 2, 2]; needed unless the file says it
      "output_range": "-1,1",         # "0,1" | "-1,1" | "logits" | "0,255"
      "output_index": 0,              # which item of a tuple / dict output is the image
      "num_classes": 0,               # > 0: a conditional decoder, decode(z, labels)
      "image_shape": [64, 64, 3],     # (H, W, C) or (L,); inferred by one decode if absent
      "encoder_input_range": "0,1",   # what range the encoder takes images in
      "encoder_output": "mean",       # "mean" | "first" | "split_half"
      "channels_first": null,         # true / false / null (decide from the output)
      "checkpoint": {"name": "generator.pt", "sha256": "..."}  # written for this file
    }

Every field but ``format``, ``version``, ``kind`` and ``path`` is optional; a field the card
gives wins over what the file says. ``checkpoint`` records the file the card was written for
(for an adapter card of weights only: the weights): a card found beside a file applies to it
only when it records that file, as it is now. Kinds ``adapter`` and ``pickle`` run code from
the file and still need ``trust_code``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from latent_explorer.core.errors import ModelError
from latent_explorer.core.models.base import OutputRange
from latent_explorer.core.models.card_owner import CardOwnedError, CheckpointRecord, card_owner
from latent_explorer.core.models.outputs import EncoderOutput
from latent_explorer.core.models.shapes import parse_latent_shape
from latent_explorer.core.models.torch_adapter import TorchModel

CARD_FORMAT = "latent-explorer-model-card"
CARD_VERSION = 1
CARD_KINDS = ("vae", "torchscript", "adapter", "pickle")

__all__ = ["CARD_FORMAT", "CARD_KINDS", "ModelOptions", "is_model_card", "model_from_options",
           "parse_latent_shape", "read_model_card", "write_model_card"]


@dataclass(frozen=True)
class ModelOptions:
    """Conventions of a model, each ``None`` where unknown (then a default or the file's)."""

    latent_shape: tuple[int, ...] | None = None
    output_range: OutputRange | None = None
    output_index: int | str | None = None
    num_classes: int | None = None
    image_shape: tuple[int, ...] | None = None
    encoder_input_range: OutputRange | None = None
    encoder_output: EncoderOutput | None = None
    channels_first: bool | None = None
    name: str | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ModelOptions:
        """Read the option fields of a card (or of upper-case adapter constants, lowered).

        Raises ``ValueError`` for a value of the wrong kind.
        """

        def get(key: str) -> Any:
            return data.get(key)

        encoder_output = get("encoder_output")
        if encoder_output not in (None, "mean", "first", "split_half"):
            raise ValueError(f"encoder_output must be mean, first or split_half: {encoder_output}")
        output_index = get("output_index")
        if output_index is not None and not isinstance(output_index, int | str):
            raise ValueError(f"output_index must be a number or a key, got {output_index!r}")
        return cls(
            latent_shape=_maybe(parse_latent_shape, get("latent_shape")),
            output_range=_maybe(_output_range, get("output_range")),
            output_index=output_index,
            num_classes=_maybe(int, get("num_classes")),
            image_shape=_maybe(parse_latent_shape, get("image_shape")),
            encoder_input_range=_maybe(_output_range, get("encoder_input_range")),
            encoder_output=encoder_output,
            channels_first=_maybe(bool, get("channels_first")),
            name=_maybe(str, get("name")),
        )

    def over(self, fallback: ModelOptions) -> ModelOptions:
        """These options, with ``fallback``'s value wherever this one has ``None``."""
        values = {
            f.name: getattr(self, f.name)
            if getattr(self, f.name) is not None
            else getattr(fallback, f.name)
            for f in dataclasses.fields(self)
        }
        return ModelOptions(**values)

    def to_card(self) -> dict[str, Any]:
        """The fields that are set, as JSON values for a model card."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, OutputRange):
                value = value.value
            elif isinstance(value, tuple):
                value = list(value)
            if value is not None:
                out[f.name] = value
        return out


def _maybe(convert: Any, value: Any) -> Any:
    return None if value is None else convert(value)


def _output_range(value: Any) -> OutputRange:
    try:
        return OutputRange(str(value).replace(" ", ""))
    except ValueError:
        choices = ", ".join(repr(r.value) for r in OutputRange)
        raise ValueError(f"output range {value!r} is not one of {choices}") from None


def is_model_card(data: Mapping[str, Any]) -> bool:
    """Whether a loaded JSON object is a model card (rather than a VAE's ``model.json``)."""
    return data.get("format") == CARD_FORMAT or (
        "format" not in data and data.get("kind") in CARD_KINDS
    )


def read_model_card(path: Path, data: Mapping[str, Any]) -> tuple[str, Path, ModelOptions]:
    """Check a card's JSON ``data`` read from ``path``; return its kind, target and options."""
    try:
        newer = int(data.get("version", 1)) > CARD_VERSION
    except (TypeError, ValueError, OverflowError):
        raise ModelError(path, f"has an invalid version {data.get('version')!r}") from None
    if newer:
        raise ModelError(path, "is a model card from a newer Latent Explorer; please update")
    kind = data.get("kind")
    if kind not in CARD_KINDS:
        raise ModelError(path, f"model card kind {kind!r} is not one of {', '.join(CARD_KINDS)}")
    target = data.get("path")
    if not isinstance(target, str) or not target:
        raise ModelError(path, "the model card needs a 'path' to the model file")
    try:
        options = ModelOptions.from_mapping(data)
    except (ValueError, TypeError) as exc:
        raise ModelError(path, f"invalid model card: {exc}") from exc
    return str(kind), (path.parent / target), options


def write_model_card(
    card_path: str | Path,
    kind: str,
    target: str | Path,
    options: ModelOptions,
    checkpoint: str | Path | CheckpointRecord | None = None,
    *,
    replace_other: bool = False,
) -> Path:
    """Write a model card; ``target`` is stored relative to the card when it can be.

    The card records the ``checkpoint`` it is written for (default: ``target``; for weights
    opened through an adapter file, the weights), by name and sha256, so it is never applied
    to another file (see :mod:`~latent_explorer.core.models.card_owner`). A record given as
    it is (:class:`CheckpointRecord`) is kept: the card of that file, changed in place.

    Raises
    ------
    CardOwnedError
        If ``card_path`` holds the card of another file and ``replace_other`` is not set.
    """
    card = Path(card_path)
    if kind not in CARD_KINDS:
        raise ValueError(f"kind must be one of {CARD_KINDS}")
    target_path = Path(target)
    if not isinstance(checkpoint, CheckpointRecord) and not replace_other:
        written_for = Path(checkpoint) if checkpoint is not None else target_path
        owner = card_owner(card, written_for)
        if owner is not None:
            raise CardOwnedError(card, f"is the model card of {owner}, not of "
                                       f"{written_for.name}; write this one elsewhere, or say "
                                       "that it replaces that card (replace_other=True)")
    try:
        stored = target_path.resolve().relative_to(card.resolve().parent).as_posix()
    except ValueError:
        stored = str(target_path.resolve())
    record = checkpoint if isinstance(checkpoint, CheckpointRecord) else CheckpointRecord.of(
        Path(checkpoint) if checkpoint is not None else target_path)
    data: dict[str, Any] = {"format": CARD_FORMAT, "version": CARD_VERSION, "kind": kind,
                            "path": stored, "checkpoint": record.to_json()}
    data.update(options.to_card())
    from latent_explorer.core.fileio import atomic_write_text

    atomic_write_text(card, json.dumps(data, indent=2) + "\n")
    return card


def model_from_options(
    path: Path,
    decode_fn: Callable[..., Any],
    options: ModelOptions,
    *,
    encode_fn: Callable[[Any], Any] | None = None,
    source: str | None = None,
    state_fn: Callable[[], Mapping[str, Any]] | None = None,
    keep_alive: object = None,
    hint: str = "",
) -> TorchModel:
    """Build a :class:`TorchModel` for the file ``path`` from a decoder and stated options.

    Where ``options`` give no latent shape, it is read off what the encoder returns for one of
    the images set with :func:`~latent_explorer.core.models.trials.trying_on`, else off the
    network ``keep_alive`` (the decoder's first layer, a ``latent_dim``-like attribute), and
    checked by decoding. Raises :class:`ModelError` naming ``path`` when it stays unknown;
    ``hint`` adds where else the shape could come from for this kind of file. Where they give
    no output range, it is guessed from a few decoded prior latents, and with those images the
    guesses are settled (see :func:`~latent_explorer.core.models.calibration.calibrate`). A
    network decoding with its ``forward`` that has ``encoder`` and ``decoder`` children is a
    whole autoencoder: the children decode and encode.
    """
    from latent_explorer.core.models.network_parts import describe_image_input, network_parts
    from latent_explorer.core.models.trials import images_to_try

    notes: list[str] = []
    if keep_alive is not None and decode_fn is keep_alive:
        parts = network_parts(keep_alive, options.name or path.stem)
        if parts.note and parts.decode is not None:
            decode_fn, encode_fn, notes = parts.decode, parts.encode, [parts.note]
    images = images_to_try()
    latent_shape = options.latent_shape
    if latent_shape is None and keep_alive is not None:
        latent_shape, how = _found_latent_shape(decode_fn, encode_fn, keep_alive, options,
                                                images, path.stem)
        if latent_shape is not None:
            notes.append(f"latent shape {latent_shape} {how}")
    if latent_shape is None:
        found = describe_image_input(keep_alive) if keep_alive is not None else ""
        raise ModelError(
            path,
            "does not say the shape of its latents. Give it with --latent-shape (e.g. 128 or "
            f'8,2,2), or as "latent_shape" in a model card{hint}' + (f". {found}" if found
                                                                   else ""),
        )
    index = 0 if options.output_index is None else options.output_index
    output_range = options.output_range
    if output_range is None:
        output_range, note = _guessed_range(decode_fn, latent_shape, options, index, path.stem)
        notes.append(note)
    model = TorchModel(
        decode_fn,
        encode_fn=encode_fn,
        name=options.name or path.stem,
        source=source or str(path.resolve()),
        latent_shape=latent_shape,
        output_range=output_range,
        output_index=index,
        image_shape=options.image_shape,
        channels_first=options.channels_first,
        num_classes=options.num_classes or 0,
        encoder_input_range=options.encoder_input_range or OutputRange.UNIT,
        encoder_output=options.encoder_output or "mean",
        state_fn=state_fn,
        fingerprint_files=(path,),
        keep_alive=keep_alive,
    )
    model.notes[:0] = [n for n in notes if n]
    model.guessed.update(name for name in ("output_range", "encoder_input_range")
                         if getattr(options, name) is None)
    if images is not None and model.has_encoder:
        from latent_explorer.core.models.calibration import calibrate

        calibrate(model, images)
    return model


def _found_latent_shape(
    decode_fn: Callable[..., Any],
    encode_fn: Callable[..., Any] | None,
    network: object,
    options: ModelOptions,
    images: Any,
    name: str,
) -> tuple[tuple[int, ...] | None, str]:
    """The latent shape found by trying the network, and how, in words."""
    from latent_explorer.core.errors import ModelOutputError
    from latent_explorer.core.models.probing import find_latent_shape
    from latent_explorer.core.models.trials import encoder_latent_shapes

    first: list[tuple[int, ...]] = []
    if encode_fn is not None and images is not None:
        try:
            first, _ = encoder_latent_shapes(encode_fn, images[:1], options.encoder_input_range
                                             or OutputRange.UNIT, name, network)
        except ModelOutputError:
            first = []  # the encoder's own complaint comes when it encodes
    shape, _ = find_latent_shape(
        network, decode_fn, has_encoder=encode_fn is not None,
        num_classes=options.num_classes or 0,
        output_index=0 if options.output_index is None else options.output_index, first=first,
    )  # fmt: skip
    if shape is not None and shape in first:
        return shape, "found by encoding one of your images"
    return shape, ("read off the network (its decoder's first layer or a latent_dim "
                   "attribute)")


def _guessed_range(
    decode_fn: Callable[..., Any],
    latent_shape: tuple[int, ...],
    options: ModelOptions,
    index: int | str,
    name: str,
) -> tuple[OutputRange, str]:
    """The output range a few decoded prior latents suggest, and a note saying so (``[0, 1]``
    and no note when the network fails: its first decode then says why)."""
    from latent_explorer.core.errors import ModelOutputError
    from latent_explorer.core.models.trials import decode_probe, guessed_output_range

    try:
        raw = decode_probe(decode_fn, latent_shape, options.num_classes or 0, index, name)
    except ModelOutputError:
        return OutputRange.UNIT, ""
    return guessed_output_range(raw)
