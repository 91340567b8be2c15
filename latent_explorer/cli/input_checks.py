"""Checks of argument values that need the dataset or the model, made before any work starts.

The values alone are checked while the command line is read (:mod:`latent_explorer.cli.values`);
these need to know how many samples there are or what the model draws.
"""

from __future__ import annotations

import argparse
from typing import Any

from latent_explorer.core.errors import SpecError

MAP_OUTPUTS = (".csv", ".npy")
"""What ``project --out`` writes."""


def check_label(label: int | None, model: Any) -> None:
    """``--label`` names a class the model draws: refused for a model that takes none."""
    if label is None:
        return
    if not model.num_classes:
        raise SpecError(f"--label {label}: {model.name} is not conditional; it takes no label")
    if not 0 <= label < model.num_classes:
        raise SpecError(f"--label {label}: {model.name} draws classes 0 to "
                        f"{model.num_classes - 1}")


def check_map_output(out: str | None) -> None:
    """``project --out`` names a ``.csv`` or ``.npy`` file (checked before encoding)."""
    if out is None:
        return
    from pathlib import Path

    path = Path(out)
    if path.is_dir() or path.suffix.lower() not in MAP_OUTPUTS:
        raise SpecError(f"--out {out}: write the map to a .csv or .npy file")


def check_projection_options(args: argparse.Namespace, count: int) -> None:
    """UMAP's neighbours and t-SNE's perplexity must be fewer than the samples to map.

    The projectors quietly lower a value that is too large for a small sample; asked for on
    the command line, it is more likely a slip, and a huge one makes the fit take hours.
    """
    if args.method == "umap" and args.neighbors >= count:
        raise SpecError(f"--neighbors {args.neighbors}: the map has {count:,} samples; give "
                        f"2 to {max(2, count - 1):,}")
    most = (count - 1) / 3
    if args.method == "tsne" and args.perplexity > most:
        raise SpecError(f"--perplexity {args.perplexity:g}: the map has {count:,} samples; "
                        f"t-SNE takes a perplexity of at most (samples - 1) / 3 = {most:g}")
