"""Open a TorchScript archive (``torch.jit.save``) as a generative model.

The archive's decoder is its exported ``decode`` method, or ``forward`` when it has none; an
exported ``encode`` method makes it an autoencoder. Mark methods other than ``forward`` with
``@torch.jit.export`` before scripting, or TorchScript drops them. The module may carry its
conventions as attributes, which a model card or the caller's options override:

``latent_shape`` (list of ints, or an int), ``output_range`` (``"0,1"``, ``"-1,1"``,
``"logits"``, ``"0,255"``), ``output_index``, ``num_classes``, ``image_shape``.

A TorchScript archive is a program: loading it compiles and runs its code (a class's
``__setstate__`` runs during the load, and TorchScript can read and write any file), so it
opens only with ``trust_code`` for that one file, like a Python adapter file. Its bytes are read
once, checked against the trust and loaded from memory. It is loaded on the CPU, whatever
device it was saved from. :mod:`~latent_explorer.core.models.torchscript_scan` tells an archive
apart and reads what it states without loading it.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

from latent_explorer.core.errors import ModelError
from latent_explorer.core.models.card import ModelOptions, model_from_options
from latent_explorer.core.models.torch_adapter import TorchModel
from latent_explorer.core.models.torchscript_scan import ATTRIBUTES as _ATTRIBUTES
from latent_explorer.core.models.torchscript_scan import is_torchscript_archive
from latent_explorer.core.models.trust import Trust, read_trusted

__all__ = ["is_torchscript_archive", "load_torchscript"]


def load_torchscript(
    path: str | Path,
    options: ModelOptions | None = None,
    *,
    trust_code: Trust = False,
    source: str | None = None,
) -> TorchModel:
    """Open the TorchScript archive ``path`` on the CPU.

    Parameters
    ----------
    path
        The archive.
    options
        Conventions stated by the caller or a model card; they win over the module's
        attributes.
    trust_code
        ``True``, or a :class:`~latent_explorer.core.models.trust.TrustGrant` for this very
        file: its code runs with the user's rights.
    source
        What ``load_model`` reopens it with; defaults to the archive's path.

    Raises
    ------
    ModelError
        If not trusted, if the archive cannot be read, or its latent shape is stated
        nowhere.
    """
    import torch

    path = Path(path)
    trusted = read_trusted(trust_code, path, "a TorchScript archive", code_beside=False)
    try:
        with warnings.catch_warnings():
            # TorchScript is deprecated upstream but still the common way to ship a model
            # without its Python code; the warning says nothing the user can act on.
            warnings.filterwarnings("ignore", r".*torch\.jit.* is deprecated", DeprecationWarning)
            jit_load: Any = torch.jit.load  # untyped upstream
            module = jit_load(io.BytesIO(trusted.data), map_location="cpu")
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
