"""Tell what kind of model file a path is, and try stated options on it with a small preview.

The Open Model dialog and the command line share this module. :func:`detect_model` looks at a
file **without running any code from it**: zip members and pickle opcodes are read as data, a
TorchScript archive is told by its zip's names and read with a restricted unpickler (never
loaded), checkpoints are read with ``torch.load(..., weights_only=True)``, and an adapter
file's constants are parsed with :mod:`ast` (never imported). :func:`preview_model` then opens the
file with the options the user stated (running code only when ``trust_code`` is given),
decodes a few latents from the prior with a fixed seed, and turns every failure into a
:class:`ModelError` that names the file. :func:`save_card` writes the choices as a model card.
"""

from __future__ import annotations

import ast
import pickle
import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import LatentExplorerError, ModelError
from latent_explorer.core.models.base import GenerativeModel
from latent_explorer.core.models.card import (
    ModelOptions,
    is_model_card,
    read_model_card,
    write_model_card,
)
from latent_explorer.core.models.card_owner import CardOwnedError as CardOwnedError
from latent_explorer.core.models.card_owner import (
    CheckpointRecord,
    card_fits,
    card_path_for,
    card_paths_for,
)
from latent_explorer.core.models.content import kind_by_content, looks_like_torch_file
from latent_explorer.core.models.pickle_scan import pickled_classes, pickled_latent_shape
from latent_explorer.core.models.probing import checkpoint_latent_shape
from latent_explorer.core.models.trust import Trust
from latent_explorer.core.models.vae import FORMAT as VAE_FORMAT
from latent_explorer.core.models.vae import read_meta


class ModelKind(StrEnum):
    """The kinds of model file, as :func:`detect_model` tells them apart."""

    VAE = "vae"
    """The project's own VAE (``model.json`` + weights): it states all its settings."""
    CARD = "card"
    """A model card pointing at another file."""
    TORCHSCRIPT = "torchscript"
    """A TorchScript archive: a program and weights; loading it runs its code."""
    STATE_DICT = "state_dict"
    """Weights only; the network comes from a Python adapter file."""
    PICKLE = "pickle"
    """A whole pickled module: unpickling runs code."""
    ADAPTER = "adapter"
    """A Python adapter file: running it builds the network."""
    FAMILY = "family"
    """A known family (TAESD, KL autoencoder) recognised by its tensors: no code, no settings."""
    UNKNOWN = "unknown"
    """Nothing this app can open."""


CODE_KINDS = (ModelKind.STATE_DICT, ModelKind.PICKLE, ModelKind.ADAPTER, ModelKind.TORCHSCRIPT)
"""Kinds that run code from a file when opened (a state_dict through its adapter file, a
TorchScript archive its own program)."""

_ADAPTER_CONSTANTS = (
    "LATENT_SHAPE", "OUTPUT_RANGE", "OUTPUT_INDEX", "NUM_CLASSES", "IMAGE_SHAPE",
    "ENCODER_INPUT_RANGE", "ENCODER_OUTPUT", "CHANNELS_FIRST", "NAME",
)  # fmt: skip


@dataclass(frozen=True)
class Detection:
    """What a model file is, in plain words, and what it says about itself."""

    path: Path
    """The file or folder the user chose."""
    kind: ModelKind
    """What ``path`` is."""
    summary: str
    """One or two sentences for the user."""
    options: ModelOptions = field(default_factory=ModelOptions)
    """The settings the file (or card) states; ``None`` where it says nothing."""
    target: Path | None = None
    """For a card: the file it points at."""
    target_kind: ModelKind | None = None
    """For a card: the kind of that file."""
    adapter: Path | None = None
    """For weights only: an adapter file named by an earlier card beside them."""
    problem: str = ""
    """Why it cannot be opened as it is (empty when it can)."""

    @property
    def model_kind(self) -> ModelKind:
        """The kind of the file that holds the network (a card's target kind)."""
        if self.kind is ModelKind.CARD and self.target_kind is not None:
            return self.target_kind
        return self.kind

    @property
    def checkpoint(self) -> Path:
        """The file that holds the network (a card's target, else :attr:`path`)."""
        return self.target if self.target is not None else self.path

    @property
    def runs_code(self) -> bool:
        """Whether opening it runs Python code from a file (needs the user's trust)."""
        return self.model_kind in CODE_KINDS

    @property
    def fixed_settings(self) -> bool:
        """Whether the file states every setting itself (the project's VAE, a known family)."""
        return self.model_kind in (ModelKind.VAE, ModelKind.FAMILY)


def detect_model(path: str | Path) -> Detection:
    """Say what kind of model file ``path`` is, without running any code from it."""
    path = Path(path).expanduser()
    if not path.exists():
        return Detection(path, ModelKind.UNKNOWN, "", problem=f"{path}: no such file or folder")
    family = _detect_family(path)
    if family is not None:
        return family
    if path.is_dir() or path.suffix.lower() == ".json":
        return _detect_json(path)
    if path.suffix.lower() == ".safetensors":
        return _detect_vae_weights(path) or Detection(
            path, ModelKind.UNKNOWN, "", problem=f"{path}: .safetensors weights without the "
            "model.json that describes their network",
        )  # fmt: skip
    if path.suffix.lower() == ".py":
        return _detect_adapter(path)
    if path.is_file() and kind_by_content(path) == "json":  # a card named otherwise
        return _detect_json(path)
    return _detect_checkpoint(path)


def _detect_family(path: Path) -> Detection | None:
    from latent_explorer.core.models.families import detect_family
    from latent_explorer.core.models.vae_io import find_vae_json

    if path.suffix.lower() in (".json", ".py", ".ts") or find_vae_json(path) is not None:
        return None
    match = detect_family(path)
    if match is None:
        return None
    return Detection(path, ModelKind.FAMILY, match.summary, problem=match.problem)


def _detect_json(path: Path) -> Detection:
    json_path = path / "model.json" if path.is_dir() else path
    if not json_path.is_file():
        problem = f"{path}: a folder without model.json"
        return Detection(path, ModelKind.UNKNOWN, "", problem=problem)
    try:
        data = read_meta(json_path)
        if is_model_card(data):
            kind, target, options = read_model_card(json_path, data)
        elif data.get("format") == VAE_FORMAT:
            summary = "A Latent Explorer VAE (model.json): it states all its own settings."
            return Detection(json_path, ModelKind.VAE, summary)
        else:
            raise ModelError(json_path, "is neither a Latent Explorer model nor a model card")
    except ModelError as exc:
        return Detection(json_path, ModelKind.UNKNOWN, "", problem=str(exc))
    target_kind = ModelKind(kind)
    if kind == "vae":
        words = "a Latent Explorer VAE"
    else:
        words = {"adapter": "a Python adapter file", "pickle": "a whole pickled module",
                 "torchscript": "a TorchScript archive"}[kind]
        words += " (runs its code)"
    problem = "" if target.exists() else f"{json_path}: the card's path {target} does not exist"
    summary = f"A model card for {target.name}, {words}."
    return Detection(json_path, ModelKind.CARD, summary, options, target, target_kind,
                     problem=problem)  # fmt: skip


def _detect_vae_weights(path: Path) -> Detection | None:
    for candidate in (path.with_suffix(".json"), path.parent / "model.json"):
        if candidate.is_file():
            try:
                if read_meta(candidate).get("format") == VAE_FORMAT:
                    summary = (f"Weights of a Latent Explorer VAE described by {candidate.name}: "
                               "it states all its own settings.")  # fmt: skip
                    return Detection(path, ModelKind.VAE, summary)
            except ModelError:
                continue
    return None


def _detect_adapter(path: Path) -> Detection:
    summary = ("A Python adapter file: opening it runs its code, which builds the network "
               "and loads its weights.")  # fmt: skip
    constants, note = read_adapter_constants(path)
    try:
        options = ModelOptions.from_mapping({k.lower(): v for k, v in constants.items()})
    except (ValueError, TypeError) as exc:
        options, note = ModelOptions(), f"Its constants look wrong: {exc}."
    return _with_earlier_card(Detection(path, ModelKind.ADAPTER, f"{summary} {note}".strip(),
                                        options))  # fmt: skip


def adapter_options(path: Path) -> ModelOptions:
    """The settings an adapter file's literal constants state, read without running it."""
    constants, _ = read_adapter_constants(path)
    try:
        return ModelOptions.from_mapping({k.lower(): v for k, v in constants.items()})
    except (ValueError, TypeError):
        return ModelOptions()


def read_adapter_constants(path: Path) -> tuple[dict[str, Any], str]:
    """The literal module-level constants of an adapter file, read without running it.

    Returns the constants found and a note for the user (empty when all went well).
    """
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError) as exc:
        return {}, f"It cannot be parsed as Python ({type(exc).__name__}: {exc})."
    found: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id in _ADAPTER_CONSTANTS:
                    try:
                        found[target.id] = ast.literal_eval(node.value)
                    except (ValueError, TypeError, SyntaxError, RecursionError):
                        found.pop(target.id, None)  # computed at run time: read when it runs
    return found, ""


def _detect_checkpoint(path: Path) -> Detection:
    import torch

    from latent_explorer.core.models.torchscript_scan import is_torchscript_archive

    if is_torchscript_archive(path):
        return _detect_torchscript(path)
    if not looks_like_torch_file(path):
        reason = "neither a zip archive nor a pickle, as torch.save writes them"
        return _not_a_checkpoint(path, ValueError(reason))
    from latent_explorer.core.models.torch_file_memory import check_torch_file_memory

    try:
        check_torch_file_memory(path)  # a deflated member would be inflated whole
    except ModelError as exc:
        return Detection(path, ModelKind.UNKNOWN, "", problem=str(exc))
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "weights only load failed" not in str(exc).lower():
            return _not_a_checkpoint(path, exc)
        classes = pickled_classes(path)
        named = f" (it names {', '.join(classes[:3])})" if classes else ""
        summary = (f"A whole pickled PyTorch module{named}. Unpickling it runs code that the "
                   "file names, so it opens only if you trust it.")  # fmt: skip
        shape = pickled_latent_shape(path)
        summary += _stated(shape)
        return _with_earlier_card(Detection(path, ModelKind.PICKLE, summary,
                                            ModelOptions(latent_shape=shape)))  # fmt: skip
    except Exception as exc:  # torch raises many kinds for files that are no checkpoint
        return _not_a_checkpoint(path, exc)
    vae = _detect_vae_weights(path)
    if vae is not None:
        return vae
    tensors = _count_tensors(data)
    if not tensors:
        return Detection(path, ModelKind.UNKNOWN, "", problem=f"{path}: holds no tensors, so "
                         f"it is no model checkpoint (it holds a {type(data).__name__})")
    summary = (f"PyTorch weights only (a state_dict of {tensors} tensors): the file holds "
               "numbers, not the network. Choose the Python adapter file that builds the "
               "network and loads these weights.")  # fmt: skip
    shape = checkpoint_latent_shape(data)
    return _with_earlier_card(Detection(path, ModelKind.STATE_DICT, summary + _stated(shape),
                                        ModelOptions(latent_shape=shape)))  # fmt: skip


def _stated(shape: tuple[int, ...] | None) -> str:
    if shape is None:
        return ""
    return f" It states latents of {'x'.join(map(str, shape))} values."


def _not_a_checkpoint(path: Path, exc: BaseException) -> Detection:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    problem = f"{path}: is not a PyTorch checkpoint or TorchScript archive ({reason})"
    return Detection(path, ModelKind.UNKNOWN, "", problem=problem)


def _count_tensors(data: Any, depth: int = 0) -> int:
    import torch

    if isinstance(data, torch.Tensor):
        return 1
    if depth < 4 and isinstance(data, dict):
        return sum(_count_tensors(v, depth + 1) for v in data.values())
    if depth < 4 and isinstance(data, list | tuple):
        return sum(_count_tensors(v, depth + 1) for v in data)
    return 0


def _detect_torchscript(path: Path) -> Detection:
    from latent_explorer.core.models.torchscript_scan import read_torchscript_facts

    facts = read_torchscript_facts(path)  # read as data: loading it would run its code
    try:
        options = ModelOptions.from_mapping(facts.attributes)
    except (ValueError, TypeError):
        options = ModelOptions()
    if "encode" in facts.methods:
        methods = " (decode and encode)"
    elif facts.methods:
        methods = " (a decoder only, no encoder)"
    else:
        methods = ""
    summary = (f"A TorchScript archive{methods}: a program with its network. Loading it runs "
               "its code, which can read and write your files, so it opens only if you trust "
               "it.")  # fmt: skip
    return _with_earlier_card(Detection(path, ModelKind.TORCHSCRIPT, summary, options))


def default_card_path(detection: Detection) -> Path:
    """Where accepting writes the card: over an opened card, else beside the checkpoint (see
    :func:`~latent_explorer.core.models.card_owner.card_path_for`)."""
    if detection.kind is ModelKind.CARD:
        return detection.path
    return card_path_for(detection.path)


def _with_earlier_card(detection: Detection) -> Detection:
    """Take the settings (and adapter) of a card written earlier beside the file for it.

    A card written for another file (a renamed copy's original, a sibling with the same
    stem) or for this file before its bytes changed is not applied; the summary says so.
    """
    for card in card_paths_for(detection.path):
        try:
            data = read_meta(card)
            kind, target, options = read_model_card(card, data)
        except ModelError:
            continue
        if not card_fits(data, target, detection.path):
            record = CheckpointRecord.from_card(data)
            if record is not None and record.name == detection.path.name:
                why = f"{detection.path.name} as it was before (its bytes changed since)"
            else:
                why = record.name if record is not None else target.name
            note = f" {card.name} beside it was written for {why}, so it is not applied."
            detection = replace(detection, summary=detection.summary + note)
            continue
        if detection.kind is ModelKind.STATE_DICT and kind == "adapter" and target.is_file():
            note = f" Settings and adapter file taken from {card.name}."
            return replace(detection, summary=detection.summary + note,
                           options=options.over(detection.options), adapter=target)
        if detection.kind is not ModelKind.STATE_DICT:
            note = f" Settings taken from {card.name}."
            return replace(detection, summary=detection.summary + note,
                           options=options.over(detection.options))
    return detection


def open_with_options(
    detection: Detection,
    options: ModelOptions,
    *,
    trust_code: Trust = False,
    adapter: Path | None = None,
    sample_images: npt.NDArray[np.float32] | None = None,
) -> GenerativeModel:
    """Open the detected model with ``options`` (which win over what the file says).

    ``adapter`` is the Python file that builds the network of a weights-only checkpoint.
    ``sample_images`` (a few of the user's images, float32 ``(B, H, W, C)`` in [0, 1]) are
    what the model is tried on to find what it does not say, as ``load_model`` does.

    Raises
    ------
    ModelError
        Naming the file, if it cannot be opened with these options (also when the network
        fails or gives NaN on the first decode that reads its image shape).
    """
    from latent_explorer.core.models.trials import trying_on

    try:
        with trying_on(sample_images):
            return _open(detection, options, trust_code, adapter)
    except ModelError:
        raise
    except (LatentExplorerError, ValueError, TypeError, RuntimeError) as exc:
        raise ModelError(detection.checkpoint, explain(exc, options)) from exc


def _open(
    detection: Detection, options: ModelOptions, trust_code: Trust, adapter: Path | None
) -> GenerativeModel:
    from latent_explorer.core.models import load_model

    kind = detection.model_kind
    path = detection.checkpoint
    if detection.problem:
        raise ModelError(detection.path, detection.problem.removeprefix(f"{detection.path}: "))
    if kind in (ModelKind.VAE, ModelKind.FAMILY):
        return load_model(detection.path)
    if kind is ModelKind.TORCHSCRIPT:
        from latent_explorer.core.models.torchscript import load_torchscript

        return load_torchscript(path, options, trust_code=trust_code)
    if kind is ModelKind.PICKLE:
        from latent_explorer.core.models.pickled_module import load_pickled_module

        return load_pickled_module(path, trust_code=trust_code, options=options)
    if kind is ModelKind.STATE_DICT and adapter is None:
        raise ModelError(path, "holds only weights: choose the Python adapter file that "
                         "builds the network and loads them")  # fmt: skip
    if kind in (ModelKind.ADAPTER, ModelKind.STATE_DICT):
        from latent_explorer.core.models.adapter_file import load_adapter_file

        code = adapter if kind is ModelKind.STATE_DICT and adapter is not None else path
        return load_adapter_file(code, trust_code=trust_code, options=options)
    raise ModelError(detection.path, "is no model file this app can open")


def explain(exc: BaseException, options: ModelOptions) -> str:
    """An error of a network in one line, asking about the latent shape where it may be it."""
    text = condense_message(str(exc))
    lowered = text.lower()
    if options.latent_shape is not None and ("shape" in lowered or "size" in lowered):
        text += f" (is the latent shape {options.latent_shape} right?)"
    return text


def condense_message(text: str) -> str:
    """Shorten an error whose TorchScript traceback hides the cause in its last line."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if len(lines) < 2 or "Traceback of TorchScript" not in text:
        return text
    head = re.sub(r"\s*\w*(Error|Exception): The following operation failed.*$", "", lines[0])
    return f"{head} {lines[-1].strip()}"


def card_kind(detection: Detection) -> str:
    """The ``kind`` a model card for this detection gets."""
    kind = detection.model_kind
    return "adapter" if kind is ModelKind.STATE_DICT else kind.value


def needs_card(detection: Detection, options: ModelOptions) -> bool:
    """Whether accepting these options needs a card (not for a VAE or an unchanged card)."""
    if detection.fixed_settings:
        return False
    return not (detection.kind is ModelKind.CARD and options == detection.options)


def save_card(
    detection: Detection,
    options: ModelOptions,
    card_path: Path | None = None,
    adapter: Path | None = None,
    *,
    replace_other: bool = False,
) -> Path:
    """Write the card that reopens the detected model with ``options`` in one step.

    It goes to ``card_path``, by default :func:`default_card_path`; a weights-only
    checkpoint's card points at its ``adapter`` file. The card records the checkpoint it is
    written for. Raises ``OSError`` when the card cannot be written there, and
    :class:`CardOwnedError` when a card for another file is there (unless ``replace_other``).
    """
    target = detection.checkpoint
    if detection.model_kind is ModelKind.STATE_DICT:
        if adapter is None:
            raise ValueError("a card for weights only needs the adapter file")
        target = adapter
    out = card_path or default_card_path(detection)
    record: Path | CheckpointRecord = detection.checkpoint
    if detection.kind is ModelKind.CARD and out.resolve() == detection.path.resolve():
        # The opened card, changed: it stays the card of the file it was written for.
        record = CheckpointRecord.from_card(read_meta(out)) or detection.checkpoint
    out.parent.mkdir(parents=True, exist_ok=True)
    return write_model_card(out, card_kind(detection), target, options, checkpoint=record,
                            replace_other=replace_other)


def can_write_beside(path: Path) -> bool:
    """Whether a card can be created in ``path``'s folder (tried, not guessed)."""
    probe = path.parent / f".{path.stem}.latent-explorer-probe"
    try:
        probe.write_bytes(b"")
    except OSError:
        return False
    probe.unlink(missing_ok=True)
    return True
