"""Seeds and truncation on the command line: ``decode --seed 42 --psi 0.7`` and
``render --seeds 1,2,3``.

A seed names one latent from the model's prior: for a StyleGAN the ``w`` of the ``z`` NVIDIA's
tools draw for that seed, for any other model the standard normal draw of that seed.
Truncation (``--psi``) moves a StyleGAN's ``w`` toward the file's average ``w``.
"""

from __future__ import annotations

import math
from typing import Any

MAX_SEED = 2**32 - 1


MAX_SEEDS = 10_000
"""The most seeds one command takes: each becomes an anchor the walk passes through (and is
mapped to its latent one by one), so ``0-4294967295`` is a slip, refused before any work."""


def parse_seeds(text: str, flag: str = "--seeds") -> list[int]:
    """``"1,2,3"`` (or ``"4-7"`` ranges) as seeds; ``SpecError`` naming ``flag`` otherwise.

    Ranges are counted before they are spelled out: more than :data:`MAX_SEEDS` is refused
    without building the list.
    """
    from latent_explorer.core.errors import SpecError

    spans: list[tuple[int, int]] = []
    try:
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            first, dash, last = part.partition("-")
            if dash and first:
                spans.append((int(first), int(last)))
                if spans[-1][1] < spans[-1][0]:
                    raise SpecError(f"{flag}: {part} is an empty range; write the smaller "
                                    f"seed first, like {last}-{first}")
            else:
                spans.append((int(part), int(part)))
    except ValueError:
        raise SpecError(f"{flag} must be comma-separated whole numbers (or ranges like "
                        f"4-7), not {text!r}") from None
    bad = [s for span in spans for s in span if not 0 <= s <= MAX_SEED]
    if not spans or bad:
        raise SpecError(f"{flag}: seeds are whole numbers 0 to {MAX_SEED:,}"
                        + (f"; {bad[0]} is not" if bad else ""))
    count = sum(last - first + 1 for first, last in spans)
    if count > MAX_SEEDS:
        raise SpecError(f"{flag}: {count:,} seeds; one command takes at most {MAX_SEEDS:,}")
    return [s for first, last in spans for s in range(first, last + 1)]


def seed_latents(model: Any, seeds: list[int], label: int | None = None) -> Any:
    """One latent per seed, ``(len(seeds), latent_dim)``, from the model's own prior."""
    import numpy as np

    from latent_explorer.core.models.base import draw_latents

    label = label if model.num_classes else None
    return np.concatenate([draw_latents(model, 1, seed=s, label=label) for s in seeds])


def set_truncation(model: Any, psi: float | None) -> None:
    """Decode ``model`` with truncation ``psi`` (``None``: as it is)."""
    from latent_explorer.core.errors import SpecError

    if psi is None:
        return
    if not hasattr(model, "truncation_psi"):
        raise SpecError(f"--psi: {model.name} has no truncation (it is for StyleGAN "
                        "generators)")
    if not math.isfinite(psi) or not -2.0 <= psi <= 2.0:
        raise SpecError(f"--psi must be between -2 and 2 (1: none, 0: the average w), not "
                        f"{psi:g}")
    model.truncation_psi = float(psi)
