"""Command-line pieces for working at scale: ``latent-explorer encode-distributed``.

:mod:`latent_explorer.cli.main` adds the subcommand (``add_scale_commands``) and its handler
(``SCALE_HANDLERS``).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any


def add_scale_commands(sub: Any) -> None:
    """Add ``encode-distributed`` to the ``latent-explorer`` subcommands ``sub``."""
    from latent_explorer.cli import values
    from latent_explorer.cli.common import add_image_size_arg

    enc = sub.add_parser(
        "encode-distributed",
        help="encode a large dataset on a Dask cluster into a Zarr latent store",
        description="Encode a dataset on a Dask cluster (a local one of worker processes by "
        "default, or --scheduler tcp://host:8786) into a chunked Zarr latent store that the "
        "app opens directly. Needs: pip install 'latent-explorer[scale]'. On a real cluster, "
        "every worker must reach the dataset, the model and --out at the same path.",
    )
    enc.add_argument("--dataset", required=True, metavar="SPEC",
                     help="the images (as for 'encode'); every worker opens it itself")
    enc.add_argument("--labels", metavar="FILE", help="labels file for an IDX dataset")
    add_image_size_arg(enc)
    enc.add_argument("--model", required=True, metavar="SPEC", help="the model with an encoder")
    enc.add_argument("--trust-code", action="store_true",
                     help="allow model formats that run Python code (on every worker)")
    enc.add_argument("--out", required=True, metavar="STORE.zarr",
                     help="the latent store to write; an earlier store there is replaced when "
                     "the new one is complete (a folder of other files is refused)")
    enc.add_argument("--workers", type=values.whole(1, 4096), default=None, metavar="N",
                     help="worker processes of the local cluster (default: one per core)")
    enc.add_argument("--scheduler", metavar="ADDR", default=None,
                     help="a running Dask scheduler, e.g. tcp://host:8786 (no local cluster)")
    enc.add_argument("--chunk", type=values.whole(1), default=4096, metavar="ROWS",
                     help="images per task and per store chunk (default 4096)")
    enc.add_argument("--threads-per-worker", type=values.whole(1, 1024), default=1, metavar="T",
                     help="torch threads inside each worker task (default 1)")


def run_encode_distributed(args: argparse.Namespace) -> int:
    """Handler of ``encode-distributed``; prints a one-line summary."""
    from latent_explorer.cli.common import trust_arg
    from latent_explorer.cli.terminal import TerminalProgress
    from latent_explorer.core.compute.distributed import encode_distributed

    # Dask logs its own housekeeping (a worker cancelled, a worker killed at shutdown) on
    # stderr, here and in every worker process; the command says what matters in one line.
    # Set before dask is imported (the workers inherit it); a user's own setting wins.
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")
    bar = TerminalProgress()
    try:
        summary = encode_distributed(
            args.dataset, args.model, args.out, workers=args.workers, scheduler=args.scheduler,
            chunk=args.chunk, trust_code=trust_arg(args, args.model),
            labels_spec=args.labels,
            threads_per_worker=args.threads_per_worker, ctx=bar.context(),
            image_size=args.image_size)
    finally:
        bar.finish()
    print(f"encoded {summary['count']:,} images into {summary['latent_dim']}-D latents on "
          f"{summary['workers']} workers in {summary['seconds']:.1f} s "
          f"({summary['images_per_s']:,.0f} images/s); store {summary['store']}")
    return 0


SCALE_HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "encode-distributed": run_encode_distributed,
}
