"""``latent-explorer atlas``: the decoded atlas of a map as one PNG picture, without a window."""

from __future__ import annotations

import argparse
import time
from typing import Any

from latent_explorer.cli import values
from latent_explorer.cli.common import add_data_args, open_inputs, result_cache, run_job

MAX_MARGIN = 10.0
"""The widest margin, in map widths: beyond it the grid lies far outside anything encoded."""

EXAMPLES = """examples:
  latent-explorer atlas --dataset shapes --model demo-shapes --method umap --out atlas.png
  latent-explorer atlas --model demo --grid 24 --margin 0.1 --out digits-atlas.png
"""


def add_atlas_parser(sub: Any) -> None:
    """The ``atlas`` subcommand's arguments."""
    atlas = sub.add_parser(
        "atlas", help="decode the map on a grid and save it as one picture",
        description="Encode the dataset, lay out its map (PCA, UMAP or t-SNE) and decode a "
        "grid of places covering the map: the 'decoded manifold' picture the window's "
        "Decoded Atlas shows.", epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_args(atlas)
    atlas.add_argument("--method", choices=("pca", "umap", "tsne"), default="pca",
                       help="map layout (default pca)")
    atlas.add_argument("--grid", type=values.whole(2, 64), default=16,
                       help="grid side, 2 to 64 (default 16: 16x16)")
    atlas.add_argument("--margin", type=values.number(0, MAX_MARGIN), default=0.0,
                       help="extend the map's extent by this fraction on each side, 0 to "
                       f"{MAX_MARGIN:g} (default 0)")
    atlas.add_argument("--label", type=values.whole(0), help="class for a conditional decoder")
    atlas.add_argument("--out", required=True, metavar="FILE.png|FILE.jpg")


def cmd_atlas(args: argparse.Namespace) -> int:
    """Write the decoded atlas of the dataset's map."""
    from latent_explorer.cli.input_checks import check_label
    from latent_explorer.core.compute.atlas import AtlasRequest, decode_level
    from latent_explorer.core.compute.pipeline import encode_cached, latents_key, project_cached
    from latent_explorer.core.errors import SpecError
    from latent_explorer.core.export.still_image import (
        check_enlargement,
        save_still,
        still_format,
    )
    from latent_explorer.core.session.state import ProjectionState

    still_format(args.out)  # the name's format, before any work
    data, model = open_inputs(args)
    if len(model.image_shape) != 3:
        raise SpecError(f"{model.name} outputs a 1-D signal, not images: no atlas to draw")
    check_label(args.label, model)
    h, w, c = model.image_shape
    check_enlargement((h * args.grid, w * args.grid, c), 1, args.out)
    cache = result_cache(args)
    latents = run_job(lambda ctx: encode_cached(model, data, cache, ctx))
    params = ProjectionState(method=args.method).to_params()
    projector = run_job(lambda ctx: project_cached(latents, params, cache, ctx,
                                                    latents_key(model, data)))
    coords = projector.coords[:, :2]
    low, high = coords.min(axis=0), coords.max(axis=0)
    pad = (high - low) * args.margin
    rect = (float(low[0] - pad[0]), float(low[1] - pad[1]),
            float(high[0] + pad[0]), float(high[1] + pad[1]))
    start = time.perf_counter()
    level = decode_level(model, lambda points: projector.inverse(points),
                         AtlasRequest(1, rect, (args.grid,), args.label), args.grid)
    assert level is not None
    save_still(args.out, level.mosaic)
    h, w = level.mosaic.shape[:2]
    print(f"saved {args.out} ({args.grid}x{args.grid} grid, {w}x{h} pixels, decoded in "
          f"{time.perf_counter() - start:.2f} s)")
    return 0
