"""Reading and writing the project's VAE: ``model.json`` + the weights it names (``.safetensors``).

:func:`load_vae` accepts the folder, the ``.json`` or the weights file, checks the weights
against the architecture the JSON describes and says exactly what does not match.
:func:`save_vae` writes both files atomically (a temporary name in the same folder, then
``os.replace``), and ``model.json`` last, naming weights named by their content: a crash
never leaves a half-written model, nor new weights under an old ``model.json``.
"""

from __future__ import annotations

import contextlib
import json
import pickle
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latent_explorer.core.errors import ModelError
from latent_explorer.core.models.torch_adapter import TorchModel
from latent_explorer.core.models.vae import (
    ARCHITECTURE_VERSION,
    FORMAT,
    FORMAT_VERSION,
    VAEConfig,
    build_vae,
    read_meta,
    wrap_vae,
)

if TYPE_CHECKING:
    import torch

WEIGHT_SUFFIXES = (".safetensors", ".pt", ".pth", ".ckpt", ".bin")
_NESTED_STATE_KEYS = ("state_dict", "model_state_dict", "model")


def find_vae_json(path: Path) -> Path | None:
    """The ``model.json`` that describes ``path`` (a folder, a ``.json`` or a weights file)."""
    if path.is_dir():
        candidate = path / "model.json"
        return candidate if candidate.is_file() else None
    if path.suffix.lower() == ".json":
        return path
    for candidate in (path.with_suffix(".json"), path.parent / "model.json"):
        if candidate.is_file():
            return candidate
    return None


def vae_weights_path(path: str | Path) -> Path:
    """The weights file that the ``model.json`` of ``path`` (a saved VAE's folder or its
    JSON) names.

    Raises
    ------
    ModelError
        When there is no readable ``model.json`` naming a weights file.
    """
    json_path = find_vae_json(Path(path))
    if json_path is None:
        raise ModelError(path, "has no model.json")
    named = read_meta(json_path).get("weights")
    if not isinstance(named, str):
        raise ModelError(json_path, f"'weights' must be a file name, not {named!r}")
    return json_path.parent / named


def load_vae(
    path: str | Path, *, weights: str | Path | None = None, source: str | None = None
) -> TorchModel:
    """Open a VAE saved by :func:`save_vae` (or its config with foreign weights).

    Parameters
    ----------
    path
        The folder, its ``model.json``, or the weights file next to a ``model.json``.
    weights
        Weights to use instead of the file ``model.json`` names.
    source
        What ``load_model`` reopens it with; defaults to the JSON's path.

    Raises
    ------
    ModelError
        If a file is missing, unreadable, truncated, or the weights do not fit the config.
    """
    path = Path(path)
    json_path = find_vae_json(path)
    if json_path is None:
        raise ModelError(
            path,
            "has no model.json next to it, so the architecture is unknown. Save the model "
            "with 'latent-explorer train', or describe it with a model card or a Python "
            "adapter file",
        )
    if weights is None and path.suffix.lower() in WEIGHT_SUFFIXES:
        weights = path
    meta = read_meta(json_path)
    if meta.get("format") != FORMAT:
        raise ModelError(json_path, f"is not a {FORMAT} file (format {meta.get('format')!r})")
    if _newer(meta.get("format_version", 1), json_path):
        raise ModelError(json_path, "was written by a newer Latent Explorer; please update")
    try:
        config = VAEConfig.from_json(meta.get("config"))
    except ValueError as exc:
        raise ModelError(json_path, f"describes no valid VAE: {exc}") from exc
    if meta.get("output_range", "logits") != "logits":
        raise ModelError(json_path, "a latent-explorer VAE outputs logits; output_range differs")
    named = meta.get("weights", "")
    if not isinstance(named, str):
        raise ModelError(json_path, f"'weights' must be a file name, not {named!r}")
    weights_path = Path(weights) if weights else json_path.parent / named
    if not weights_path.is_file():
        raise ModelError(weights_path, f"the weights named in {json_path.name} are missing")
    state = read_state_dict(weights_path)
    module = _module_with_weights(config, state, weights_path, json_path)
    name = str(meta.get("name") or json_path.parent.name or json_path.stem)
    return wrap_vae(module, name, source or str(json_path.resolve()))


def _newer(version: Any, json_path: Path) -> bool:
    """Whether ``format_version`` is newer than this code reads; a non-number is an error."""
    try:
        return int(version) > FORMAT_VERSION
    except (TypeError, ValueError, OverflowError):
        raise ModelError(json_path, f"has an invalid format_version {version!r}") from None


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """Read named tensors from a ``.safetensors`` file or a weights-only ``.pt`` on the CPU."""
    import torch

    if path.suffix.lower() == ".safetensors":
        from safetensors.torch import load_file

        from latent_explorer.core.models.safetensors_header import check_header

        check_header(path)  # parsing holds the global lock: a huge header would freeze the app
        try:
            return load_file(str(path), device="cpu")
        except Exception as exc:  # safetensors raises its own error types
            raise ModelError(
                path, f"cannot read the weights ({exc}); the file may be truncated or corrupt"
            ) from exc
    from latent_explorer.core.models.torch_file_memory import check_torch_file_memory

    check_torch_file_memory(path)  # a deflated member would be inflated whole
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise ModelError(
            path,
            "holds pickled Python objects, not only weights; open it as a pickled module "
            "(needs --trust-code) or save its state_dict",
        ) from exc
    except Exception as exc:
        raise ModelError(path, f"cannot read the weights ({exc}); the file may be corrupt") from exc
    for key in _NESTED_STATE_KEYS:
        if isinstance(data, Mapping) and isinstance(data.get(key), Mapping):
            data = data[key]
            break
    if not isinstance(data, Mapping) or not all(isinstance(v, torch.Tensor) for v in data.values()):
        raise ModelError(path, "holds no state_dict (a mapping of names to tensors)")
    return {str(k): v for k, v in data.items()}


def _module_with_weights(
    config: VAEConfig, state: dict[str, torch.Tensor], weights_path: Path, json_path: Path
) -> torch.nn.Module:
    import torch

    if state and all(k.startswith("module.") for k in state):  # saved from DataParallel
        state = {k.removeprefix("module."): v for k, v in state.items()}
    try:
        with torch.device("meta"):  # no random init: every tensor comes from the file
            module = build_vae(config)
    except (TypeError, ValueError, RuntimeError, OverflowError) as exc:  # absurd sizes
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelError(json_path, f"describes no VAE that can be built ({reason})") from None
    expected = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    problems = []
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if missing:
        problems.append(f"missing keys {_some(missing)}")
    if unexpected:
        problems.append(f"unexpected keys {_some(unexpected)}")
    for key, shape in expected.items():
        if key in state and tuple(state[key].shape) != shape:
            problems.append(
                f"shape of {key} is {tuple(state[key].shape)} but the config expects {shape}"
            )
    if problems:
        raise ModelError(
            weights_path, f"does not match the VAE in {json_path.name}: " + "; ".join(problems)
        )
    module.load_state_dict(state, strict=True, assign=True)
    return module


def _some(keys: list[str], limit: int = 5) -> str:
    shown = ", ".join(keys[:limit])
    return shown if len(keys) <= limit else f"{shown} (and {len(keys) - limit} more)"


def check_model_folder(out_dir: str | Path) -> None:
    """Raise :class:`~latent_explorer.core.errors.ExportError` when a model cannot be saved
    into ``out_dir``: a file is in the way, or the nearest existing folder above it may not
    be written. Checked before training, so that hours of it are not lost at the save."""
    import os

    from latent_explorer.core.errors import ExportError

    out = Path(out_dir)
    for place in (out, *out.parents):
        if place.is_dir():
            if not os.access(place, os.W_OK | os.X_OK):
                raise ExportError(f"{out}: the model cannot be saved there (no permission to "
                                  f"write in {place})")
            return
        if place.exists() or place.is_symlink():
            raise ExportError(f"{place}: is a file, not a folder; a model is saved into a "
                              "folder (choose another --out)")


def save_vae(
    module: torch.nn.Module,
    config: VAEConfig,
    out_dir: str | Path,
    extra_meta: Mapping[str, Any] | None = None,
) -> Path:
    """Write the weights and ``model.json`` into ``out_dir``; return the JSON's path.

    ``extra_meta`` is merged into the JSON's top level (``name``, ``training`` ...).

    The weights are named by their content (``model-<12 hex digits>.safetensors``) and
    ``model.json``, written last, names them: a model saved over an earlier one switches as a
    whole when ``model.json`` is renamed into place, and a process killed before that leaves
    the earlier model loadable. Both files are written under temporary names and flushed to
    disk first; the switch is recorded (:func:`~latent_explorer.core.file_switch.
    begin_manifest_switch`), so the weights ``model.json`` no longer names are removed, also
    by the next start's sweep after a kill. Pause point ``model-weights-written``: the new
    weights are on disk, ``model.json`` still names the old ones.
    """
    import hashlib

    from safetensors.torch import save

    from latent_explorer.core.errors import ExportError
    from latent_explorer.core.file_switch import begin_manifest_switch, finish_switch
    from latent_explorer.core.fileio import prepare_to_write
    from latent_explorer.core.pause_points import pause_point

    out = Path(out_dir)
    check_model_folder(out)
    state = {k: v.detach().to("cpu").contiguous() for k, v in module.state_dict().items()}
    weights = save(state, metadata={"format": FORMAT})
    weights_name = f"model-{hashlib.sha256(weights).hexdigest()[:12]}.safetensors"
    meta: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "architecture": {"name": config.architecture, "version": ARCHITECTURE_VERSION},
        "config": config.to_json(),
        "output_range": "logits",
        "weights": weights_name,
        "name": out.resolve().name,
    }
    meta.update(extra_meta or {})
    text = json.dumps(meta, indent=2) + "\n"
    try:
        prepare_to_write(out / "model.json")  # a killed save's switch is finished first
        record = begin_manifest_switch(out / "model.json", weights_name, _own_weights(out))
    except OSError as exc:
        raise ExportError(f"{out}: the model cannot be saved there ({exc.strerror or exc})"
                          ) from exc
    try:
        # write_bytes on a fresh file: it gets the usual umask permissions
        _write_atomic(out / weights_name, lambda tmp: tmp.write_bytes(weights))
        pause_point("model-weights-written")
        _write_atomic(out / "model.json", lambda tmp: tmp.write_text(text, encoding="utf-8"))
    finally:
        with contextlib.suppress(OSError):  # else the next start's sweep finishes it
            finish_switch(record)  # removes the weights model.json does not name (now)
    return out / "model.json"


_OWN_WEIGHTS = re.compile(r"model(-[0-9a-f]{12})?\.safetensors")


def _own_weights(folder: Path) -> str | None:
    """The weights file of the model saved in ``folder`` before, when it is one this module
    wrote (so it may be removed once a new model replaces it); else ``None``."""
    try:
        named = json.loads((folder / "model.json").read_text(encoding="utf-8")).get("weights")
    except (OSError, ValueError, AttributeError):
        return None
    return named if isinstance(named, str) and _OWN_WEIGHTS.fullmatch(named) else None


def _write_atomic(target: Path, write: Callable[[Path], object]) -> None:
    from latent_explorer.core.fileio import export_path

    with export_path(target) as tmp:  # flushed to disk, then renamed onto the target
        write(tmp)
