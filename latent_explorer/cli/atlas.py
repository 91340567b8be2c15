"""``latent-explorer atlas``: the decoded atlas of a map as one PNG picture, without a window."""

from __future__ import annotations

import argparse
import time
from typing import Any

from latent_explorer.cli.common import add_data_args, open_inputs, result_cache, run_job

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
    atlas.add_argument("--grid", type=int, default=16, help="grid side (default 16: 16x16)")
    atlas.add_argument("--margin", type=float, default=0.0,
                       help="extend the map's extent by this fraction on each side")
    atlas.add_argument("--label", type=int, help="class for a conditional decoder")
    atlas.add_argument("--out", required=True, metavar="FILE.png")


def cmd_atlas(args: argparse.Namespace) -> int:
    """Write the decoded atlas of the dataset's map."""
    from latent_explorer.core.compute.atlas import AtlasRequest, decode_level
    from latent_explorer.core.compute.pipeline import encode_cached, latents_key, project_cached
    from latent_explorer.core.errors import SpecError
    from latent_explorer.core.export.images import save_png
    from latent_explorer.core.session.state import ProjectionState

    if not 2 <= args.grid <= 64:
        raise SpecError(f"--grid must be 2 to 64, got {args.grid}")
    if args.margin < 0:
        raise SpecError(f"--margin must not be negative, got {args.margin}")
    data, model = open_inputs(args)
    if len(model.image_shape) != 3:
        raise SpecError(f"{model.name} outputs a 1-D signal, not images: no atlas to draw")
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
    save_png(args.out, level.mosaic)
    h, w = level.mosaic.shape[:2]
    print(f"saved {args.out} ({args.grid}x{args.grid} grid, {w}x{h} pixels, decoded in "
          f"{time.perf_counter() - start:.2f} s)")
    return 0
