"""The built-in ``digits`` dataset: scikit-learn's 1,797 handwritten digits, 8x8 pixels.

It ships inside scikit-learn, so it works offline and loads in milliseconds, which makes it
the demo dataset and the one the tests use.
"""

from __future__ import annotations

import numpy as np

from latent_explorer.core.datasets.base import ArrayDataset

DIGITS_NAME = "digits"


def load_digits_dataset() -> ArrayDataset:
    """Load scikit-learn's handwritten digits as ``(1797, 8, 8, 1)`` uint8 images.

    The original values 0..16 are scaled to 0..255 (``round(v * 255 / 16)``); the labels are
    the digits 0-9, named ``"0"`` .. ``"9"``.

    Returns
    -------
    ArrayDataset
        Named and sourced ``"digits"``.
    """
    # sklearn pulls in scipy; import it only when the dataset is asked for.
    from sklearn.datasets import load_digits

    bunch = load_digits()
    values = np.asarray(bunch.images, dtype=np.float64)
    images = np.rint(values * (255.0 / 16.0)).clip(0, 255).astype(np.uint8)[..., np.newaxis]
    labels = np.asarray(bunch.target, dtype=np.int64)
    return ArrayDataset(
        name=DIGITS_NAME,
        source=DIGITS_NAME,
        images=images,
        labels=labels,
        label_names=[str(digit) for digit in range(10)],
    )
