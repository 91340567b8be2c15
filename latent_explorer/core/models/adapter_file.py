"""Open a model through the user's own Python adapter file (runs their code: needs trust).

The adapter file convention
---------------------------
An adapter file is a ``.py`` file that knows how to build the user's network. It defines

``load(checkpoint_dir: pathlib.Path) -> object``
    Build the network and load its weights. ``checkpoint_dir`` is the folder the adapter
    file is in (checkpoints usually lie next to it). Or, instead:
``build_model() -> object``
    The same without an argument.

The returned object has ``decode(z)`` (or is itself callable, like an ``nn.Module``), where
``z`` is a float32 CPU tensor ``(B, *LATENT_SHAPE)``; a conditional model (``NUM_CLASSES >
0``) is called ``decode(z, labels)`` with int64 labels ``(B,)``. It may return a tensor, a
tuple / list / dict (see ``OUTPUT_INDEX``), in ``(B, C, H, W)``, ``(B, H, W, C)`` or
``(B, L)`` layout. An optional ``encode(x)`` takes images ``(B, C, H, W)`` when the decoder
outputs channel-first (else ``(B, H, W, C)``) in ``ENCODER_INPUT_RANGE`` and returns the
latent mean, or ``(mean, logvar)``. Calls run under ``torch.inference_mode()`` on the CPU; an
``nn.Module`` is switched to ``eval()`` first.

Module-level constants (a model card or the caller's options win over them):

``LATENT_SHAPE``  required, e.g. ``(128,)`` or ``(8, 2, 2)``
``OUTPUT_RANGE``  ``"0,1"`` (default) | ``"-1,1"`` | ``"logits"`` | ``"0,255"``
``OUTPUT_INDEX``  item of a tuple/list/dict output that is the image (default 0)
``NUM_CLASSES``   number of classes of a conditional decoder (default 0)
``IMAGE_SHAPE``   ``(H, W, C)`` or ``(L,)``; inferred by decoding one latent if absent
``ENCODER_INPUT_RANGE``, ``ENCODER_OUTPUT`` (``"mean"`` | ``"first"`` | ``"split_half"``),
``CHANNELS_FIRST``, ``NAME``

Example::

    from pathlib import Path
    import torch
    from my_project.nets import Generator   # the adapter's folder is on sys.path meanwhile

    LATENT_SHAPE = (128,)
    OUTPUT_RANGE = "-1,1"

    def load(checkpoint_dir: Path) -> torch.nn.Module:
        net = Generator(z_dim=128)
        state = torch.load(checkpoint_dir / "G.pt", map_location="cpu", weights_only=True)
        net.load_state_dict(state)
        return net

While the file is imported and ``load`` runs, it can import the modules that lie next to it
(``.py`` files and packages in its folder). Trusting the file trusts them too, as they are at
that moment: the file and those modules run from the bytes read when the trust was checked
(never from a cached ``.pyc``), and a module changed, added or removed since asks again.
"""

from __future__ import annotations

import hashlib
import itertools
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from latent_explorer.core.errors import ModelError
from latent_explorer.core.models.card import ModelOptions, model_from_options
from latent_explorer.core.models.granted_import import imports_from, run_source
from latent_explorer.core.models.torch_adapter import TorchModel
from latent_explorer.core.models.trust import Trust, TrustedFile, read_trusted

_CONSTANTS = (
    "LATENT_SHAPE", "OUTPUT_RANGE", "OUTPUT_INDEX", "NUM_CLASSES", "IMAGE_SHAPE",
    "ENCODER_INPUT_RANGE", "ENCODER_OUTPUT", "CHANNELS_FIRST", "NAME",
)  # fmt: skip
_counter = itertools.count()


def load_adapter_file(
    path: str | Path,
    *,
    trust_code: Trust = False,
    options: ModelOptions | None = None,
    checkpoint_dir: str | Path | None = None,
    source: str | None = None,
) -> TorchModel:
    """Run the adapter file ``path`` and wrap the model it builds.

    Parameters
    ----------
    path
        The ``.py`` adapter file.
    trust_code
        ``True``, or a :class:`TrustGrant` for this very file: its code runs with the
        user's rights.
    options
        Conventions stated by the caller or a model card; they win over the constants.
    checkpoint_dir
        Passed to ``load``; defaults to the adapter file's folder.
    source
        What ``load_model`` reopens it with; defaults to the file's path.

    Raises
    ------
    ModelError
        If not trusted, if importing or building raises, or if the conventions are unclear.
    """
    path = Path(path)
    trusted = read_trusted(trust_code, path, "a Python adapter file", code_beside=True)
    folder = Path(checkpoint_dir) if checkpoint_dir is not None else trusted.path.parent
    assert trusted.beside is not None
    with imports_from(trusted.beside, trusted.path):
        module = _import(path, trusted)
        obj = _build(path, module, folder)
    try:
        own = ModelOptions.from_mapping(
            {name.lower(): getattr(module, name) for name in _CONSTANTS if hasattr(module, name)}
        )
    except (ValueError, TypeError) as exc:
        raise ModelError(path, f"has an invalid constant: {exc}") from exc
    decode_fn = getattr(obj, "decode", None)
    if not callable(decode_fn):
        decode_fn = obj if callable(obj) else None
    if decode_fn is None:
        raise ModelError(path, f"load() returned a {type(obj).__name__} with no decode(z) method")
    encode_fn = getattr(obj, "encode", None)
    state_fn = None
    if hasattr(obj, "state_dict") and hasattr(obj, "eval"):  # an nn.Module
        obj.eval()
        state_fn = obj.state_dict
    return model_from_options(
        path,
        decode_fn,
        (options or ModelOptions()).over(own),
        encode_fn=encode_fn if callable(encode_fn) else None,
        source=source,
        state_fn=state_fn,
        keep_alive=obj,  # the module itself stays in sys.modules
        hint=", or as LATENT_SHAPE in the adapter file",
    )


def _import(path: Path, trusted: TrustedFile) -> ModuleType:
    """Run the file's checked bytes as a module of its own name, so two adapters never
    collide."""
    digest = hashlib.sha256(str(trusted.path).encode()).hexdigest()[:12]
    name = f"latent_explorer_adapter_{path.stem.replace('-', '_')}_{digest}_{next(_counter)}"
    try:
        return run_source(name, trusted.data, trusted.path)
    except (Exception, SystemExit) as exc:  # a stray sys.exit() must not close the app
        sys.modules.pop(name, None)
        raise ModelError(path, f"running the adapter file failed: {_describe(exc)}") from exc


def _build(path: Path, module: ModuleType, checkpoint_dir: Path) -> Any:
    """Call the file's ``load(checkpoint_dir)`` or ``build_model()``."""
    load = getattr(module, "load", None)
    build = getattr(module, "build_model", None)
    try:
        if callable(load):
            return load(checkpoint_dir)
        if callable(build):
            return build()
    except (Exception, SystemExit) as exc:
        which = "load()" if callable(load) else "build_model()"
        raise ModelError(path, f"its {which} failed: {_describe(exc)}") from exc
    raise ModelError(
        path,
        "defines neither load(checkpoint_dir) nor build_model(); see the adapter file "
        "convention in the documentation",
    )


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
