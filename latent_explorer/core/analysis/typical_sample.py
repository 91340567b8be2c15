"""The sample to start on: a real one, near the middle of the data.

The mean latent of image autoencoders decodes to a grey texture (their latents are pictures,
and the mean of many pictures is no picture), and even for a VAE it is a blur of every class.
The window therefore starts the probe on the sample whose latent lies nearest the mean: a real
image that the model reconstructs, in the middle of the map.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

_CHUNK = 65_536


def typical_sample(latents: npt.NDArray[np.floating], mean: npt.NDArray[np.floating] | None = None
                   ) -> int | None:
    """The index of the latent nearest ``mean`` (default: the latents' own), or ``None`` for
    no latents. Non-finite rows are never chosen; memory stays bounded for a million rows."""
    count = len(latents)
    if count == 0:
        return None
    centre = (np.mean(latents, axis=0, dtype=np.float64) if mean is None
              else np.asarray(mean)).astype(np.float32)
    best, best_distance = None, np.inf
    for start in range(0, count, _CHUNK):
        block = np.asarray(latents[start:start + _CHUNK], dtype=np.float32)
        distance = np.sum((block - centre) ** 2, axis=1)
        distance[~np.isfinite(distance)] = np.inf
        index = int(np.argmin(distance))
        if distance[index] < best_distance:
            best, best_distance = start + index, float(distance[index])
    return best
