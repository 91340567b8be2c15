"""Per-layer ``ws`` for a StyleGAN: style mixing and edits limited to a range of layers.

The synthesis network takes one ``w`` per style input (``num_ws`` of them, coarse layers
first: the first few set pose and shape, the middle ones features, the last ones colour and
fine texture). The app's latent is one ``w``, broadcast to all of them; a
:class:`LayerOverride` puts another ``w`` into a range of those inputs:

- **style mixing**: a second sample's ``w`` for the coarse, middle or fine layers (or any
  range), as the StyleGAN paper mixes styles;
- **an edit limited to layers**: after the user moved along a direction (a slider), the layers
  outside the chosen range keep the ``w`` from before the edit (GANSpace's layer-wise edits).

Ranges are ``(start, stop)`` over the ``num_ws`` inputs, ``stop`` excluded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import torch

LayerRange = tuple[int, int]
"""``(start, stop)``: style inputs ``start`` to ``stop - 1``."""
PRESETS = ("coarse", "middle", "fine")
"""The named layer ranges, coarse to fine."""


def layer_presets(num_ws: int) -> dict[str, LayerRange]:
    """The coarse, middle and fine ranges of a network with ``num_ws`` style inputs.

    As the StyleGAN paper splits them: coarse are the inputs of the 4 and 8 pixel layers
    (the first 4), middle those of 16 and 32 pixels (the next 4), fine all the rest. A small
    network (fewer than 9 inputs) is split in thirds, so that each range holds something.
    """
    if num_ws >= 9:
        return {"coarse": (0, 4), "middle": (4, 8), "fine": (8, num_ws)}
    third = max(1, math.ceil(num_ws / 3))
    middle_stop = min(num_ws, 2 * third)
    return {"coarse": (0, third), "middle": (third, middle_stop),
            "fine": (middle_stop, num_ws)}


def preset_of(layers: LayerRange, num_ws: int) -> str:
    """The preset name of ``layers`` (``custom`` when it is none of them)."""
    for name, span in layer_presets(num_ws).items():
        if span == tuple(layers):
            return name
    return "custom"


def check_range(layers: LayerRange, num_ws: int) -> LayerRange:
    """``layers`` as two ints inside ``0 .. num_ws``, start before stop.

    Raises ``ValueError`` saying what is wrong (for the API and sessions).
    """
    start, stop = (int(v) for v in layers)
    if not 0 <= start < stop <= num_ws:
        raise ValueError(f"layer range {start} to {stop} does not fit a network with "
                         f"{num_ws} style inputs (0 <= start < stop <= {num_ws})")
    return start, stop


@dataclass(frozen=True, eq=False)
class LayerOverride:
    """Style inputs ``start`` to ``stop - 1`` take ``w`` instead of the decoded latent."""

    start: int
    stop: int
    w: npt.NDArray[np.float32]
    """``(w_dim,)``."""


def mixing_overrides(mix_w: npt.NDArray[np.float32] | None,
                     layers: LayerRange) -> tuple[LayerOverride, ...]:
    """The override that mixes ``mix_w`` into ``layers`` (none without a ``mix_w``)."""
    if mix_w is None:
        return ()
    return (LayerOverride(layers[0], layers[1], np.asarray(mix_w, np.float32).copy()),)


def edit_overrides(anchor: npt.NDArray[np.float32] | None, layers: LayerRange | None,
                   num_ws: int) -> tuple[LayerOverride, ...]:
    """Overrides that keep ``anchor`` (the ``w`` before an edit) outside ``layers``.

    None when there is no anchor or the edit reaches every layer.
    """
    if anchor is None or layers is None or tuple(layers) == (0, num_ws):
        return ()
    w = np.asarray(anchor, np.float32).copy()
    start, stop = layers
    return tuple(LayerOverride(a, b, w) for a, b in ((0, start), (stop, num_ws)) if b > a)


def apply_overrides(ws: torch.Tensor, overrides: tuple[LayerOverride, ...]) -> torch.Tensor:
    """``ws`` ``(N, num_ws, w_dim)`` with each override's ``w`` in its layers (in order, the
    later ones on top)."""
    import torch

    if not overrides:
        return ws
    ws = ws.clone()
    for override in overrides:
        w = torch.from_numpy(override.w).to(device=ws.device, dtype=ws.dtype)
        ws[:, override.start:override.stop] = w
    return ws


def broadcast_ws(w: npt.NDArray[np.float32], num_ws: int,
                 overrides: tuple[LayerOverride, ...] = ()) -> npt.NDArray[np.float32]:
    """``(B, w_dim)`` ``w`` as ``(B, num_ws, w_dim)`` ``ws``, with ``overrides`` applied."""
    w = np.asarray(w, np.float32).reshape(len(w), -1)
    ws = np.repeat(w[:, None, :], num_ws, axis=1)
    for override in overrides:
        ws[:, override.start:override.stop] = override.w
    return ws
