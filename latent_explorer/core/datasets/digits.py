"""The built-in ``digits`` dataset: scikit-learn's 1,797 handwritten digits, 8x8 pixels.

It ships inside scikit-learn, so it works offline and loads in milliseconds, which makes it
the demo dataset and the one the tests use.
"""

from __future__ import annotations

import numpy as np

from latent_explorer.core.datasets.base import ArrayDataset

DIGITS_NAME = "digits"


def _read_digits_table() -> np.ndarray:
    """The digits as a ``(1797, 65)`` table: 64 pixel values (0..16), then the digit.

    Reads the data file that scikit-learn ships directly: importing scikit-learn itself costs
    most of a second at start-up. Falls back to ``sklearn.datasets.load_digits`` if the file
    is not where it used to be or holds something else.
    """
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("sklearn")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            try:
                table = np.loadtxt(path, delimiter=",", dtype=np.float64)
            except (OSError, ValueError):
                break
            if table.shape == (1797, 65):
                return table
    from sklearn.datasets import load_digits

    bunch = load_digits()
    flat = np.asarray(bunch.data, dtype=np.float64)
    return np.concatenate([flat, np.asarray(bunch.target, dtype=np.float64)[:, None]], axis=1)


def load_digits_dataset() -> ArrayDataset:
    """Load scikit-learn's handwritten digits as ``(1797, 8, 8, 1)`` uint8 images.

    The original values 0..16 are scaled to 0..255 (``round(v * 255 / 16)``); the labels are
    the digits 0-9, named ``"0"`` .. ``"9"``.

    Returns
    -------
    ArrayDataset
        Named and sourced ``"digits"``.
    """
    table = _read_digits_table()
    values = table[:, :64].reshape(-1, 8, 8)
    images = np.rint(values * (255.0 / 16.0)).clip(0, 255).astype(np.uint8)[..., np.newaxis]
    labels = table[:, 64].astype(np.int64)
    return ArrayDataset(
        name=DIGITS_NAME,
        source=DIGITS_NAME,
        images=images,
        labels=labels,
        label_names=[str(digit) for digit in range(10)],
    )
