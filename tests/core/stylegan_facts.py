"""The StyleGAN reference networks of ``../shared/data/stylegan`` as record trees, for tests.

That folder (see its README) holds, for three small generators made by NVIDIA's own code
(``sg2``: StyleGAN2, skip architecture; ``sg3t``: StyleGAN3-T; ``sg3r``: StyleGAN3-R), the
object tree of ``G_ema`` as the snapshot pickle holds it (``{name}-structure.json``), every
tensor (``{name}-G_ema.safetensors``) and the reference implementation's outputs for fixed
seeds (``{name}-golden.npz``). It is not part of the repository: tests that need it skip
when it is absent. ``LATENT_EXPLORER_STYLEGAN`` names another folder.

In the structure files a tensor stands as ``{"tensor": shape, "dtype": ...}`` and a value
that JSON cannot hold as its type name (``"<class 'numpy.ndarray'>"``); :func:`reference_tree`
puts the real tensors in and keeps those names as they are.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import numpy as np
import pytest

from latent_explorer.core.models.families.stylegan.records import PersistentObject
from tests.shared_data import shared_data

NAMES = ("sg2", "sg3t", "sg3r")
STYLEGAN_DATA = shared_data("stylegan", "LATENT_EXPLORER_STYLEGAN")

needs_reference = pytest.mark.skipif(
    not (STYLEGAN_DATA / "sg2-structure.json").is_file(),
    reason=f"the StyleGAN reference networks are not in {STYLEGAN_DATA} "
    "(set LATENT_EXPLORER_STYLEGAN to the folder that holds sg2-structure.json ...)",
)


def structure(name: str) -> dict[str, Any]:
    """The whole ``{name}-structure.json``: ``G_ema``'s tree, the globals, the top keys."""
    with (STYLEGAN_DATA / f"{name}-structure.json").open(encoding="utf-8") as stream:
        data: dict[str, Any] = json.load(stream)
    return data


@cache
def reference_tensors(name: str) -> dict[str, Any]:
    """Every tensor of the reference ``G_ema``, keyed by its module path."""
    from safetensors.torch import load_file

    return dict(load_file(str(STYLEGAN_DATA / f"{name}-G_ema.safetensors")))


def golden(name: str) -> dict[str, np.ndarray]:
    """The reference outputs: ``seeds``, ``z``, ``images_psi1``, ``images_psi07``,
    ``raw_psi1``, ``ws``, ``w_avg`` (see the folder's README)."""
    with np.load(STYLEGAN_DATA / f"{name}-golden.npz") as data:
        return {key: data[key] for key in data.files}


def reference_tree(name: str) -> PersistentObject:
    """``G_ema`` of the reference network ``name`` as the reader would give it."""
    return _record(structure(name)["G_ema"], "", reference_tensors(name))


def _record(node: dict[str, Any], prefix: str, tensors: dict[str, Any]) -> PersistentObject:
    state: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("__") and key.endswith("__"):
            continue  # what the structure file says about the pickle, not state
        if key in ("_parameters", "_buffers"):
            state[key] = {  # a buffer set to None stands as "<class 'NoneType'>"
                n: (tensors[prefix + n] if isinstance(v, dict) else None)
                for n, v in value.items()
            }
        elif key == "_modules":
            state[key] = {
                n: (_record(v, f"{prefix}{n}.", tensors) if isinstance(v, dict) else None)
                for n, v in value.items()
            }
        else:
            state[key] = value
    return PersistentObject(node["__class_name__"], state, node.get("__module_src_chars__", 0))
