"""Interpolation between latents: lerp and slerp, easing, multi-anchor paths, even speed.

Pure numpy. The path editor, the animation preview and the video export all build a
:class:`PathSpec` and call :func:`sample_path`.
"""

from __future__ import annotations

from latent_explorer.core.interpolation.blend import lerp, slerp
from latent_explorer.core.interpolation.easing import EASINGS, Easing, get_easing
from latent_explorer.core.interpolation.paths import (
    INTERPOLATIONS,
    PathSpec,
    frame_params,
    sample_path,
    sample_path_at,
)
from latent_explorer.core.interpolation.resample import even_speed_params

__all__ = [
    "EASINGS",
    "INTERPOLATIONS",
    "Easing",
    "PathSpec",
    "even_speed_params",
    "frame_params",
    "get_easing",
    "lerp",
    "sample_path",
    "sample_path_at",
    "slerp",
]
