"""Even-speed reparametrisation: re-space path positions so that every step looks alike.

Equal steps in latent space rarely look equal once decoded: one segment may barely change the
image while the next flips it. Measure a step size between consecutive samples (e.g. the mean
absolute difference of consecutive decoded images), then :func:`even_speed_params` returns new
positions at which those steps are all the same size (arc-length reparametrisation, with the
step sizes as the metric). Evaluate the path there with
:func:`~latent_explorer.core.interpolation.paths.sample_path_at`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import LatentExplorerError


def even_speed_params(
    step_sizes: npt.ArrayLike, count: int, params: npt.ArrayLike | None = None
) -> npt.NDArray[np.float64]:
    """Positions in [0, 1] at which consecutive steps would all be equally large.

    Parameters
    ----------
    step_sizes
        ``(M,)`` sizes of the steps between ``M + 1`` samples of the path (non-negative).
    count
        How many positions to return (the first is 0, the last is 1).
    params
        ``(M + 1,)`` increasing positions the samples were taken at; evenly spaced over [0, 1]
        when omitted.

    Returns
    -------
    numpy.ndarray
        ``(count,)`` increasing positions. The size of the change between two samples is
        assumed to grow linearly within each measured step.
    """
    steps = np.asarray(step_sizes, dtype=np.float64).ravel()
    if steps.size < 1 or not np.isfinite(steps).all() or (steps < 0).any():
        raise LatentExplorerError("step sizes must be one or more finite numbers >= 0")
    if count < 2:
        raise LatentExplorerError(f"even-speed resampling needs count >= 2, got {count}")
    if params is None:
        knots = np.linspace(0.0, 1.0, steps.size + 1)
    else:
        knots = np.asarray(params, dtype=np.float64).ravel()
        if knots.size != steps.size + 1 or (np.diff(knots) <= 0).any():
            raise LatentExplorerError(
                f"params must be {steps.size + 1} increasing positions, one per sample"
            )
    total = float(steps.sum())
    if total <= 0.0:
        return np.linspace(float(knots[0]), float(knots[-1]), count)
    # A floor on each step keeps the cumulative length strictly increasing, so positions are
    # spread over steps without measurable change instead of piling up at their start.
    cumulative = np.concatenate([[0.0], np.cumsum(np.maximum(steps, total * 1e-9))])
    targets = np.linspace(0.0, float(cumulative[-1]), count)
    out = np.interp(targets, cumulative, knots)
    out[0], out[-1] = knots[0], knots[-1]
    return out
