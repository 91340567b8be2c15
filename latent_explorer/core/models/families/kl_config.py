"""A KL autoencoder's ``config.json`` checked against its weights, before anything is built.

diffusers builds ``AutoencoderKL`` from the config alone and compares the weights with it only
afterwards. A config that declares block widths of 4096 beside weights of width 128 would so
allocate many gigabytes before the mismatch showed. Here every number that sets the network's
size is compared with the shapes in the weights file's header (read without its data), and
what opening would hold in memory is checked against the machine's budget.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path
from typing import Any

from latent_explorer.core.errors import ModelError
from latent_explorer.core.memory_budget import check_memory

SIZE_FIELDS = ("in_channels", "out_channels", "latent_channels", "block_out_channels",
               "layers_per_block", "use_quant_conv", "use_post_quant_conv",
               "mid_block_add_attention")
"""The config's fields that set how large the network is; each must match the weights."""
BLOCK_LISTS = ("down_block_types", "up_block_types")
"""One entry per stage: as many as ``block_out_channels`` has."""
_MAX_HEADER = 100 << 20


def checked_config(stated: dict[str, Any], derived: dict[str, Any], config_path: Path,
                   weights: Path) -> dict[str, Any]:
    """``stated`` (a ``config.json``), its missing sizes filled in from ``derived`` (read from
    the weights' shapes).

    Raises
    ------
    ModelError
        Naming ``config_path`` and the first field whose value differs from what the
        weights hold.
    """
    config = dict(stated)
    for field in SIZE_FIELDS:
        if field not in stated:
            config[field] = derived[field]
        elif _plain(stated[field]) != _plain(derived[field]):
            raise ModelError(config_path, f"says {field} is {_show(stated[field])}, but "
                                          f"{weights.name} holds weights for "
                                          f"{_show(derived[field])}: the config and the weights "
                                          "do not belong together")
    stages = len(derived["block_out_channels"])
    for field in BLOCK_LISTS:
        value = stated.get(field)
        if value is None:
            config[field] = derived[field]
        elif not isinstance(value, list) or len(value) != stages:
            raise ModelError(config_path, f"says {field} is {_show(value)}, but {weights.name} "
                                          f"holds weights for {stages} stages")
    return config


def check_weights_memory(weights: Path, prefix: str = "") -> None:
    """Refuse, before reading them, weights whose tensors (under ``prefix``) would take more
    memory than a file may: their bytes as stored, plus the float32 network they fill.

    Raises
    ------
    ModelError
        Naming ``weights`` when the header is unreadable or the budget too small.
    """
    stored = 0
    values = 0
    for name, entry in _header(weights).items():
        if name == "__metadata__" or not name.startswith(prefix) or not isinstance(entry, dict):
            continue
        try:
            start, end = (int(v) for v in entry["data_offsets"])
            count = math.prod(int(n) for n in entry["shape"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(weights, f"has a damaged header at {name!r} ({exc})") from None
        stored += max(0, end - start)
        values += count
    check_memory(weights, stored + 4 * values, "its weights", ModelError)


def _header(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as stream:
            head = stream.read(8)
            if len(head) < 8:
                raise ModelError(path, "is too short to be a .safetensors file")
            (size,) = struct.unpack("<Q", head)
            if size > _MAX_HEADER:
                raise ModelError(path, f"declares a header of {size:,} bytes, more than a "
                                       ".safetensors file has")
            data = json.loads(stream.read(size))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelError(path, f"cannot be read as safetensors ({exc})") from None
    if not isinstance(data, dict):
        raise ModelError(path, "cannot be read as safetensors (its header is no JSON object)")
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _show(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, list | int | float | bool | str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
