"""Open a whole pickled ``nn.Module`` (``torch.save(model)``): runs code, so needs trust.

Unpickling can run any code stored in the file, so this loader refuses unless the caller
passes ``trust_code`` for this file. The classes the pickle names must be importable: while
unpickling, the ``.py`` files beside the checkpoint (the ``models.py`` the network was defined
in, packages too) can be imported. Trusting the checkpoint trusts them as they are at that
moment: the file is unpickled from the bytes that were checked, those modules run from the
bytes read with them, and a module changed, added or removed since asks again.

The file may hold the module itself or a dict with it under one of ``model``, ``generator``,
``decoder``, ``netG``, ``G``, ``g_ema``, ``G_ema``, ``module``.

The decoder is the module's ``decode`` method, or ``forward``; ``encode`` is used when present.
The latent shape comes from the caller or a card, else from the module's ``latent_shape``
attribute or an int ``latent_dim`` / ``z_dim`` / ``nz`` attribute, else from a
``latent_dim``-like key of the checkpoint dict (also under ``hyper_parameters`` / ``config``),
else from the decoder's first layer.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from latent_explorer.core.errors import ModelError
from latent_explorer.core.models.card import (
    ModelOptions,
    model_from_options,
    parse_latent_shape,
)
from latent_explorer.core.models.granted_import import imports_from
from latent_explorer.core.models.probing import checkpoint_latent_shape
from latent_explorer.core.models.torch_adapter import TorchModel
from latent_explorer.core.models.trust import Trust, read_trusted

_MODULE_KEYS = ("model", "generator", "decoder", "netG", "G", "g_ema", "G_ema", "module")
_DIM_ATTRIBUTES = ("latent_dim", "z_dim", "nz")


def load_pickled_module(
    path: str | Path,
    *,
    trust_code: Trust = False,
    options: ModelOptions | None = None,
    source: str | None = None,
) -> TorchModel:
    """Unpickle the module in ``path`` on the CPU and wrap it.

    Raises
    ------
    ModelError
        If not trusted, if unpickling fails, if no module is inside, or if the latent
        shape is stated nowhere.
    """
    import torch

    path = Path(path)
    trusted = read_trusted(trust_code, path, "a pickled PyTorch module", code_beside=True)
    assert trusted.beside is not None
    try:
        with imports_from(trusted.beside, trusted.path):
            obj = torch.load(io.BytesIO(trusted.data), map_location="cpu", weights_only=False)
    except (AttributeError, ImportError) as exc:
        raise ModelError(
            path,
            f"cannot be unpickled: {type(exc).__name__}: {exc}. The classes it was saved with "
            f"must be importable: put the .py file that defines them in {path.resolve().parent}"
            " or on PYTHONPATH",
        ) from exc
    except Exception as exc:
        raise ModelError(path, f"cannot be unpickled: {type(exc).__name__}: {exc}") from exc
    module = _find_module(obj)
    if module is None:
        raise ModelError(
            path, f"holds a {type(obj).__name__}, not a torch.nn.Module (nor a dict with one)"
        )
    module.eval()
    module.float()
    decode_fn = module.decode if callable(getattr(module, "decode", None)) else module
    encode = getattr(module, "encode", None)
    return model_from_options(
        path,
        decode_fn,
        (options or ModelOptions()).over(
            ModelOptions(latent_shape=_latent_shape(module) or checkpoint_latent_shape(obj))
        ),
        encode_fn=encode if callable(encode) else None,
        source=source,
        state_fn=module.state_dict,
        keep_alive=module,
        hint=", or as a `latent_shape` attribute of the module",
    )


def _find_module(obj: Any) -> Any:
    import torch

    if isinstance(obj, torch.nn.Module):
        return obj
    if isinstance(obj, Mapping):
        for key in _MODULE_KEYS:
            if isinstance(obj.get(key), torch.nn.Module):
                return obj[key]
    return None


def _latent_shape(module: Any) -> tuple[int, ...] | None:
    value = getattr(module, "latent_shape", None)
    if value is not None:
        try:
            return parse_latent_shape(value)
        except (ValueError, TypeError):
            return None
    for name in _DIM_ATTRIBUTES:
        dim = getattr(module, name, None)
        if isinstance(dim, int) and dim > 0:
            return (dim,)
    return None
