"""Attribute directions in latent space: "more like selection B than A", and the main ways a
selection varies.

An :class:`AttributeVector` is a direction with a scale, so that a slider's ``amount`` means
the same thing for every kind: moving a latent by ``amount = 1`` goes

- from the centre of selection A to the centre of selection B
  (:func:`attribute_from_selections`, the classic "smiling minus not smiling" vector), or
- one standard deviation along a principal direction of one selection
  (:func:`principal_directions`, GANSpace-style, within the selected samples only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import LatentExplorerError

FloatArray = npt.NDArray[np.float32]


class SelectionError(LatentExplorerError):
    """A selection is empty or too small for what was asked of it."""


@dataclass(frozen=True, eq=False)
class AttributeVector:
    """A named direction in latent space, scaled so that ``amount = 1`` is a natural step."""

    name: str
    """Short name shown beside its slider."""
    vector: FloatArray
    """The step ``(D,)`` float32 added to a latent per unit of ``amount``."""
    description: str = ""
    """How it was made, in words (shown as a tooltip)."""

    @property
    def norm(self) -> float:
        """Euclidean length of :attr:`vector`."""
        return float(np.linalg.norm(self.vector))

    @property
    def unit(self) -> FloatArray:
        """:attr:`vector` scaled to length 1 (zeros for a zero vector)."""
        norm = self.norm
        return (self.vector / norm if norm > 0 else self.vector).astype(np.float32)

    def coordinate(self, latents: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """How far along this attribute each latent lies, in units of :attr:`vector`.

        ``(N,)`` for ``(N, D)`` latents (a scalar array for one): useful to colour the map
        by an attribute.
        """
        norm2 = float(np.dot(self.vector, self.vector))
        values = np.asarray(latents, dtype=np.float64) @ self.vector.astype(np.float64)
        return np.asarray(values / norm2 if norm2 > 0 else np.zeros_like(values))


def attribute_from_selections(
    latents: npt.ArrayLike,
    a_idx: npt.ArrayLike,
    b_idx: npt.ArrayLike,
    name: str = "A to B",
) -> AttributeVector:
    """The difference of centroids ``mean(latents[b_idx]) - mean(latents[a_idx])``.

    Parameters
    ----------
    latents
        ``(N, D)`` codes.
    a_idx, b_idx
        Row indices of the two selections (they may overlap).
    name
        The attribute's name.

    Raises
    ------
    SelectionError
        If either selection is empty.
    """
    data = _as_latents(latents)
    a = _rows(a_idx, len(data), "selection A")
    b = _rows(b_idx, len(data), "selection B")
    centre_a = data[a].astype(np.float64).mean(axis=0)
    centre_b = data[b].astype(np.float64).mean(axis=0)
    vector = (centre_b - centre_a).astype(np.float32)
    description = (
        f"centre of B ({len(b):,} samples) minus centre of A ({len(a):,} samples); "
        f"length {float(np.linalg.norm(vector)):.3g}"
    )
    return AttributeVector(name, vector, description)


def principal_directions(
    latents: npt.ArrayLike, idx: npt.ArrayLike, n: int = 3, name: str = "PC"
) -> list[AttributeVector]:
    """The ``n`` main directions of variation within one selection (PCA of its latents).

    Each vector is a unit direction times the selection's standard deviation along it, so
    ``amount = 1`` is one standard deviation. Signs are fixed so that each direction's largest
    component is positive: the same selection gives the same directions.

    Parameters
    ----------
    latents
        ``(N, D)`` codes.
    idx
        Row indices of the selection (at least 2 rows).
    n
        Directions wanted; fewer come back when the selection spans fewer.
    name
        Prefix of the names (``PC 1``, ``PC 2`` ...).

    Raises
    ------
    SelectionError
        If the selection has fewer than 2 samples.
    """
    data = _as_latents(latents)
    rows = _rows(idx, len(data), "the selection")
    if len(rows) < 2:
        raise SelectionError("principal directions need a selection of at least 2 samples")
    picked = data[rows].astype(np.float64)
    centred = picked - picked.mean(axis=0)
    variances, vectors = np.linalg.eigh(centred.T @ centred / (len(rows) - 1))
    order = np.argsort(variances)[::-1]
    total = max(float(variances.clip(0).sum()), 1e-300)
    result: list[AttributeVector] = []
    for rank, column in enumerate(order[: max(n, 0)], start=1):
        variance = float(variances[column])
        if variance <= 1e-12 * total:
            break
        direction = vectors[:, column]
        direction = direction * np.sign(direction[np.argmax(np.abs(direction))])
        share = 100.0 * variance / total
        result.append(AttributeVector(
            f"{name} {rank}",
            (direction * np.sqrt(variance)).astype(np.float32),
            f"principal direction {rank} of {len(rows):,} selected samples "
            f"({share:.0f}% of their variance); 1 = one standard deviation",
        ))
    return result


def apply(
    latent: npt.ArrayLike, vector: AttributeVector | npt.ArrayLike, amount: float
) -> FloatArray:
    """``latent + amount * vector`` for one latent ``(D,)`` or many ``(N, D)`` (new array)."""
    step = vector.vector if isinstance(vector, AttributeVector) else np.asarray(vector)
    base = np.asarray(latent, dtype=np.float32)
    if step.shape != (base.shape[-1],):
        raise ValueError(f"the vector has shape {step.shape}, the latents {base.shape}")
    return (base + np.float32(amount) * step.astype(np.float32)).astype(np.float32)


def _as_latents(latents: npt.ArrayLike) -> FloatArray:
    data = np.asarray(latents, dtype=np.float32)
    if data.ndim != 2:
        raise ValueError(f"latents must be (N, D), got {data.shape}")
    return data


def _rows(idx: npt.ArrayLike, count: int, what: str) -> npt.NDArray[np.int64]:
    """``idx`` as valid row indices (a boolean mask is accepted too)."""
    values = np.asarray(idx)
    if values.dtype == np.bool_:
        if values.shape != (count,):
            raise ValueError(f"a mask for {what} must have {count} entries, got {values.shape}")
        values = np.flatnonzero(values)
    rows = values.astype(np.int64).reshape(-1)
    if len(rows) == 0:
        raise SelectionError(f"{what} is empty; select some samples first")
    if rows.min() < 0 or rows.max() >= count:
        raise ValueError(f"{what} holds indices outside 0..{count - 1}")
    return rows
