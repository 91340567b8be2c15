"""Generative models: the protocol, the adapters and :func:`load_model`.

``load_model(spec)`` opens:

- ``demo``: the bundled VAE trained on scikit-learn's digits; ``demo-shapes``: the bundled
  conv VAE trained on the built-in ``shapes`` dataset;
- a folder holding ``model.json``, or a ``.json`` file: the project's own VAE, or a *model
  card* (see :mod:`latent_explorer.core.models.card`) pointing at another kind of file;
- ``.safetensors``: the project's VAE weights (a ``model.json`` must lie next to them);
- ``.pt`` / ``.pth`` / ``.ckpt`` / ``.bin``: a TorchScript archive (a program: needs trust);
  or a weights-only state_dict (with a ``model.json`` next to it); or a whole pickled module
  (needs trust);
- ``.py``: a Python adapter file (see :mod:`latent_explorer.core.models.adapter_file`; needs
  trust);
- a known family, recognised by its tensors (see :mod:`latent_explorer.core.models.families`):
  a TAESD ``*_decoder.pth`` / ``*_encoder.pth`` (or a folder holding them), a KL autoencoder's
  diffusers folder or single ``.safetensors`` file. These open with no code and no trust.

Importing this package does not import torch.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import ModelError, SpecError
from latent_explorer.core.models.base import GenerativeModel, OutputRange
from latent_explorer.core.models.card import (
    ModelOptions,
    is_model_card,
    parse_latent_shape,
    read_model_card,
    write_model_card,
)
from latent_explorer.core.models.torch_adapter import TorchModel
from latent_explorer.core.models.trust import Trust, TrustGrant
from latent_explorer.core.models.vae import VAEConfig, read_meta
from latent_explorer.resources import resource_path

__all__ = [
    "DEMO_MODEL_PATH",
    "GenerativeModel",
    "ModelOptions",
    "OutputRange",
    "TorchModel",
    "TrustGrant",
    "VAEConfig",
    "load_model",
    "trust_for",
    "write_model_card",
]

DEMO_MODEL_PATH = resource_path("demo", "model.json")
"""The bundled demo model's ``model.json``."""
BUNDLED_MODELS = {
    "demo": DEMO_MODEL_PATH,
    "demo-shapes": resource_path("demo-shapes", "model.json"),
}
"""Bundled model name -> its ``model.json`` (``demo-shapes``: a conv VAE for ``shapes``)."""

_CHECKPOINT_SUFFIXES = (".pt", ".pth", ".ckpt", ".bin", ".ts")


def load_model(
    spec: str | Path,
    trust_code: Trust = False,
    latent_shape: tuple[int, ...] | str | None = None,
    image_size: int | str | tuple[int, int] | None = None,
    device: str | None = None,
    options: ModelOptions | None = None,
    sample_images: npt.NDArray[np.float32] | None = None,
) -> GenerativeModel:
    """Open the model that ``spec`` names.

    Parameters
    ----------
    spec
        ``demo`` or a path (see the package docstring for what each kind of file means).
    trust_code
        Allow opening files that run code (Python adapter files, pickled modules, TorchScript
        archives): ``True`` for whatever this call opens, or a :class:`TrustGrant` for one
        file (its path and content, and the Python files beside it), which allows nothing
        else.
    latent_shape
        The shape of one latent (``(128,)``, ``"8,2,2"``) for files that do not say it;
        wins over what a file or card says.
    image_size
        For the known image families, whose latents are small pictures: the side (or
        ``(height, width)``) of the images, a multiple of the family's scale (default 64).
    device
        For the known families: ``auto``, ``cpu``, ``cuda`` or ``mps`` (``None``: the
        preference set with ``--device`` or in the window; ``auto`` unless set).
    options
        Conventions of the model (as a model card states them: output range, image shape
        ...), winning over what a file or card says; ``latent_shape`` wins over theirs. The
        project's own VAE states all of them itself; only a contradicting latent shape is
        refused there.
    sample_images
        A few images of the data it is opened with, float32 ``(B, H, W, C)`` in [0, 1]: a
        model file that does not say its latent shape is tried on the first (what its encoder
        returns), and what it leaves to a guess (the ranges of its encoder's input and of its
        output, whether its encoder samples) is settled on them; the model's ``notes`` say
        what was found.

    Raises
    ------
    SpecError
        If ``spec`` is neither ``demo`` nor an existing file or folder of a known kind.
    ModelError
        If the file is broken, does not fit its architecture, or would run untrusted code.
    """
    options = options or ModelOptions()
    if latent_shape is not None:
        try:
            options = ModelOptions(latent_shape=parse_latent_shape(latent_shape)).over(options)
        except (ValueError, TypeError) as exc:
            raise SpecError(f"--latent-shape: {exc}") from exc
    if str(spec) in BUNDLED_MODELS:
        from latent_explorer.core.models.vae_io import load_vae

        bundled = BUNDLED_MODELS[str(spec)]
        if not bundled.is_file():
            raise ModelError(bundled, f"the bundled {spec} model is missing")
        return _checked(load_vae(bundled, source=str(spec)), options, bundled)
    path = Path(spec).expanduser()
    if not path.exists():
        raise SpecError(f"{spec!r} is neither 'demo' nor an existing model file or folder")
    family = _known_family(path, options, image_size, device)
    if family is not None:
        return family
    from latent_explorer.core.models.trials import trying_on

    with trying_on(sample_images):
        return _load_path(path, trust_code, options, None)


def _known_family(
    path: Path,
    options: ModelOptions,
    image_size: int | str | tuple[int, int] | None,
    device: str | None,
) -> GenerativeModel | None:
    """Open ``path`` if it is a known family (TAESD, KL autoencoder) and no project VAE."""
    from latent_explorer.core.models.families import open_family
    from latent_explorer.core.models.vae_io import find_vae_json

    if path.suffix.lower() in (".json", ".py", ".ts") or find_vae_json(path) is not None:
        return None
    return open_family(path, image_size, options.latent_shape, device)


def trust_for(spec: str | Path) -> TrustGrant | None:
    """A grant for the one file whose code opening ``spec`` would run, as it is now.

    That is ``spec`` itself (an adapter file, a checkpoint), or the file a model card points
    at; with it, the ``.py`` files beside it that it may import (none for a TorchScript
    archive, which imports no Python). ``None`` for the bundled models and for names that
    are no file (nothing to trust).

    Raises
    ------
    ModelError
        If a model card names its target in a way that cannot be read.
    """
    from latent_explorer.core.models.trust_check import grant_for_file

    if str(spec) in BUNDLED_MODELS:
        return None
    path = Path(spec).expanduser()
    if not path.exists():
        return None
    if path.is_dir() or path.suffix.lower() == ".json":
        from latent_explorer.core.models.vae_io import find_vae_json

        json_path = find_vae_json(path)
        if json_path is None:
            return None
        data = read_meta(json_path)
        if not is_model_card(data):
            return None
        _, target, _ = read_model_card(json_path, data)
        return grant_for_file(target) if target.is_file() else None
    return grant_for_file(path) if path.is_file() else None



def _load_path(
    path: Path, trust_code: Trust, options: ModelOptions, source: str | None
) -> GenerativeModel:
    from latent_explorer.core.models.vae_io import find_vae_json, load_vae

    suffix = path.suffix.lower()
    if path.is_dir() or suffix == ".json":
        json_path = find_vae_json(path)
        if json_path is None:
            raise SpecError(f"{path} is a folder without a model.json")
        data = read_meta(json_path)
        if is_model_card(data):
            return _load_card(json_path, data, trust_code, options)
        return _checked(load_vae(json_path, source=source), options, json_path)
    if suffix == ".safetensors":
        return _checked(load_vae(path, source=source), options, path)
    if suffix == ".py":
        from latent_explorer.core.models.adapter_file import load_adapter_file

        return load_adapter_file(path, trust_code=trust_code, options=options, source=source)
    if suffix in _CHECKPOINT_SUFFIXES:
        return _load_checkpoint(path, trust_code, options, source)
    from latent_explorer.core.models.content import kind_by_content

    content = kind_by_content(path) if path.is_file() else None
    if content == "checkpoint":  # a renamed checkpoint (vae.bak): read by its bytes
        return _load_checkpoint(path, trust_code, options, source)
    if content == "json":
        data = read_meta(path)
        if is_model_card(data):
            return _load_card(path, data, trust_code, options)
        raise ModelError(path, "is a JSON file but no model card (a Latent Explorer VAE's "
                               "description is named model.json or <weights>.json)")
    raise SpecError(
        f"{path}: unknown kind of model file, by its name and by its content; expected a "
        "folder with model.json, a .json model card, .safetensors, a TorchScript or PyTorch "
        "checkpoint (.pt, .pth, .ckpt, .bin, .ts, or any name), or a Python adapter file (.py)"
    )


def _load_checkpoint(
    path: Path, trust_code: Trust, options: ModelOptions, source: str | None
) -> GenerativeModel:
    """Tell a TorchScript archive, a state_dict and a pickled module apart, and open it."""
    import torch

    from latent_explorer.core.models.torchscript import is_torchscript_archive, load_torchscript
    from latent_explorer.core.models.vae_io import find_vae_json, load_vae

    if is_torchscript_archive(path):  # told from its zip's names: loading runs its code
        return load_torchscript(path, options, trust_code=trust_code, source=source)
    from latent_explorer.core.models.content import looks_like_torch_file

    if not looks_like_torch_file(path):
        # Checked before unpickling: the unpickler reads any file starting with "c" as a
        # pickle, which would call a text file a pickled module.
        with path.open("rb") as stream:
            if stream.read(2) == b"PK":
                raise ModelError(path, "cannot be read as a PyTorch checkpoint: its zip archive "
                                       "is truncated or corrupt")
        raise ModelError(path, "is not a PyTorch checkpoint or TorchScript archive (neither a "
                               "zip archive nor a pickle, as torch.save writes them)")
    from latent_explorer.core.models.torch_file_memory import check_torch_file_memory

    check_torch_file_memory(path)  # a deflated member would be inflated whole
    try:
        torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        from latent_explorer.core.models.pickled_module import load_pickled_module

        return load_pickled_module(path, trust_code=trust_code, options=options, source=source)
    except Exception as exc:
        raise ModelError(path, f"cannot be read as a PyTorch checkpoint: {exc}") from exc
    if find_vae_json(path) is None:
        raise ModelError(
            path,
            "holds only weights (a state_dict), not the network that uses them. Put the "
            "model.json of a Latent Explorer VAE next to it, or write a Python adapter file "
            "(.py) that builds the network and loads these weights, and open that (File > "
            "Open Model writes the model card that ties them together)",
        )
    return _checked(load_vae(path, source=source), options, path)


def _load_card(
    card_path: Path, data: dict[str, object], trust_code: Trust, options: ModelOptions
) -> GenerativeModel:
    kind, target, card_options = read_model_card(card_path, data)
    merged = options.over(card_options)
    source = str(card_path.resolve())
    if not target.exists():
        raise ModelError(card_path, f"the model card's path {target} does not exist")
    if kind == "vae":
        from latent_explorer.core.models.vae_io import load_vae

        model = _checked(load_vae(target, source=source), options, card_path)
    elif kind == "torchscript":
        from latent_explorer.core.models.torchscript import load_torchscript

        model = load_torchscript(target, merged, trust_code=trust_code, source=source)
    elif kind == "adapter":
        from latent_explorer.core.models.adapter_file import load_adapter_file

        model = load_adapter_file(target, trust_code=trust_code, options=merged, source=source)
    else:
        from latent_explorer.core.models.pickled_module import load_pickled_module

        model = load_pickled_module(target, trust_code=trust_code, options=merged, source=source)
    if card_options.name:
        model.name = card_options.name
    return model


def _checked(model: TorchModel, options: ModelOptions, path: Path) -> TorchModel:
    """Refuse a stated latent shape that contradicts a VAE's own config."""
    if options.latent_shape is not None and options.latent_shape != model.latent_shape:
        raise ModelError(
            path,
            f"the VAE's latents have shape {model.latent_shape}, not {options.latent_shape}",
        )
    return model
