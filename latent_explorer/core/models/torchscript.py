"""Open a TorchScript archive (``torch.jit.save``) as a generative model.

The archive's decoder is its exported ``decode`` method, or ``forward`` when it has none; an
exported ``encode`` method makes it an autoencoder. Mark methods other than ``forward`` with
``@torch.jit.export`` before scripting, or TorchScript drops them. The module may carry its
conventions as attributes, which a model card or the caller's options override:

``latent_shape`` (list of ints, or an int), ``output_range`` (``"0,1"``, ``"-1,1"``,
``"logits"``, ``"0,255"``), ``output_index``, ``num_classes``, ``image_shape``.

A TorchScript archive holds TorchScript code and tensors, not arbitrary Python, so it is
opened without ``trust_code``. It is loaded on the CPU, whatever device it was saved from.
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path
from typing import Any

from latent_explorer.core.errors import ModelError
from latent_explorer.core.models.card import ModelOptions, model_from_options
from latent_explorer.core.models.torch_adapter import TorchModel

_ATTRIBUTES = ("latent_shape", "output_range", "output_index", "num_classes", "image_shape")


def is_torchscript_archive(path: Path) -> bool:
    """Whether ``path`` is a zip holding TorchScript code (not a plain ``torch.save`` file)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False
    return any(n.endswith("/constants.pkl") or "/code/" in n for n in names)


def load_torchscript(
    path: str | Path, options: ModelOptions | None = None, *, source: str | None = None
) -> TorchModel:
    """Open the TorchScript archive ``path`` on the CPU.

    Parameters
    ----------
    path
        The archive.
    options
        Conventions stated by the caller or a model card; they win over the module's
        attributes.
    source
        What ``load_model`` reopens it with; defaults to the archive's path.

    Raises
    ------
    ModelError
        If the archive cannot be read, or its latent shape is stated nowhere.
    """
    import torch

    path = Path(path)
    if not path.is_file():
        raise ModelError(path, "no such file")
    try:
        with warnings.catch_warnings():
            # TorchScript is deprecated upstream but still the common way to ship a model
            # without its Python code; the warning says nothing the user can act on.
            warnings.filterwarnings("ignore", r".*torch\.jit.* is deprecated", DeprecationWarning)
            jit_load: Any = torch.jit.load  # untyped upstream
            module = jit_load(str(path), map_location="cpu")
    except Exception as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(path, f"cannot be read as a TorchScript archive: {first_line}") from exc
    module.eval()
    module.float()
    try:
        own = ModelOptions.from_mapping(_attributes(module))
    except (ValueError, TypeError) as exc:
        raise ModelError(path, f"has an invalid convention attribute: {exc}") from exc
    decode_fn = module.decode if hasattr(module, "decode") else module
    encode_fn = module.encode if hasattr(module, "encode") else None
    return model_from_options(
        path,
        decode_fn,
        (options or ModelOptions()).over(own),
        encode_fn=encode_fn,
        source=source,
        keep_alive=module,
        hint=", or as a `latent_shape` attribute of the scripted module",
    )


def _attributes(module: Any) -> dict[str, Any]:
    """The convention attributes the scripted module has, as plain Python values."""
    found: dict[str, Any] = {}
    for name in _ATTRIBUTES:
        try:
            value = getattr(module, name)
        except (AttributeError, RuntimeError):
            continue
        if isinstance(value, list | tuple):
            value = [int(v) for v in value]
        found[name] = value
    return found
