"""The ``latent-explorer`` command: the window (default) and every headless task.

Each subcommand is a thin layer over ``latent_explorer.core``; errors a user can cause are
printed as one clear line (``--debug`` shows the traceback) and end with exit status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Sequence

from latent_explorer._version import __version__
from latent_explorer.cli import commands, values
from latent_explorer.cli.atlas import add_atlas_parser, cmd_atlas
from latent_explorer.cli.cache import add_cache_parser, cmd_cache
from latent_explorer.cli.common import (
    add_data_args,
    join_negative_values,
)
from latent_explorer.cli.parser import OneLineParser
from latent_explorer.cli.render import add_render_parser
from latent_explorer.cli.scale import SCALE_HANDLERS, add_scale_commands
from latent_explorer.cli.train import add_train_parser, cmd_train
from latent_explorer.core.out_of_memory import out_of_memory, out_of_memory_message

DESCRIPTION = """\
Explore the latent space of a generative model: a live map of your dataset that decodes
wherever you point. Without a subcommand it opens the window on the built-in demo (6,000
coloured shapes and a small VAE that ship with the app, on their UMAP map with the decoded
atlas); the window's options work without naming it: latent-explorer --screenshot x.png."""

GUI_DESCRIPTION = """\
Open the explorer window.

  latent-explorer gui                                   the demo: coloured shapes, their VAE
                                                        and the decoded atlas
  latent-explorer gui --dataset my_images/ --model my-vae/model.json
  latent-explorer gui --dataset my_images/              no model yet: a map of the pixels,
                                                        with "Train a model on these images"
  latent-explorer gui --latents z.npy --metadata table.csv [--dataset my_images/]
                                                        embeddings with no decoder
  latent-explorer gui --latents table.parquet --x umap_x --y umap_y
                                                        the table's own 2-D layout as the map

A model that does not fit the dataset ends with a message and exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = OneLineParser(
        prog="latent-explorer", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    parser.add_argument(
        "--no-cache", action="store_true", help="neither read nor write cached latents and maps"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = sub.add_parser("gui", help="open the explorer window (the default)",
                         description=GUI_DESCRIPTION,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_args(gui)
    # No default model: --dataset alone opens the demo model where it fits, else the images'
    # own pixels (with a button to train a model on them).
    gui.set_defaults(dataset=None, model=None)
    gui.add_argument("--latents", metavar="FILE",
                     help="open a map of vectors that have no decoder (embeddings from another "
                     "network): an N x D .npy/.npz, or a .csv/.parquet table whose numeric "
                     "columns are the vectors and whose other columns are metadata; "
                     "--dataset then names the N images they belong to (optional)")
    gui.add_argument("--metadata", metavar="TABLE",
                     help="with --latents: a .csv/.parquet table of N rows to colour, filter "
                     "and hover by (a 'label' column labels the points; an image-path column "
                     "gives them pictures)")
    gui.add_argument("--x", metavar="COLUMN", dest="x_column",
                     help="with --latents: the table's column that is the map's x, as it is "
                     "(a layout made elsewhere, e.g. umap_x); needs --y. The vectors are "
                     "still what neighbours and clusters use")
    gui.add_argument("--y", metavar="COLUMN", dest="y_column",
                     help="with --latents: the table's column that is the map's y")
    gui.add_argument("--projection", choices=("pca", "umap", "tsne"), default=None,
                     help="map layout to compute first (PCA is shown at once in any case)")
    gui.add_argument("--screenshot", metavar="FILE.png",
                     help="open the window, wait until the map and the decoded image are "
                     "drawn, save a screenshot of the whole window and exit")
    gui.add_argument("--atlas", choices=("under", "instead"), default=None,
                     help="show the decoded atlas (the visible map decoded on a grid) under "
                     "the points or instead of them (View > Decoded Atlas in the window)")
    gui.add_argument("--view", choices=("2d", "3d"), default="2d",
                     help="start on the flat map (2d, the default) or the 3-D map (needs OpenGL)")
    gui.add_argument("--session", metavar="FILE.lxs",
                     help="open a saved session (dataset, model, map, paths ...)")
    gui.add_argument("--size", default="1400x900", metavar="WxH", type=values.window_size,
                     help="window size for --screenshot (default 1400x900)")

    info = sub.add_parser("info", help="describe a dataset and a model",
                          description="Print what a dataset and a model contain and whether "
                          "they fit together. Without --dataset: digits, or for a model with "
                          "no encoder latents drawn from its prior (as the window).")
    add_data_args(info)
    info.set_defaults(dataset=None)

    enc = sub.add_parser("encode", help="encode a dataset into latents",
                         description="Encode every image of the dataset with the model's "
                         "encoder. Results are cached, so the window opens instantly later.")
    add_data_args(enc)
    enc.add_argument("--out", metavar="FILE.npy|FILE.npz",
                     help="also save the latents (N x D float32): .npy, or .npz (as 'latents')")

    proj = sub.add_parser("project", help="compute a 2-D/3-D map of the latents",
                          description="Encode the dataset and project the latents with PCA, "
                          "UMAP or t-SNE. Results are cached. Without --dataset: digits, or "
                          "for a model with no encoder latents drawn from its prior.")
    add_data_args(proj)
    proj.set_defaults(dataset=None)
    proj.add_argument("--method", choices=("pca", "umap", "tsne"), default="pca")
    proj.add_argument("--dims", type=int, choices=(2, 3), default=2, help="map dimensions")
    proj.add_argument("--neighbors", type=values.whole(2), default=15,
                      help="UMAP n_neighbors, 2 or more and fewer than the samples (default 15)")
    proj.add_argument("--min-dist", type=values.number(0, 1), default=0.1,
                      help="UMAP min_dist, 0 to 1 (default 0.1)")
    proj.add_argument("--perplexity", type=values.number(1, above=True), default=30.0,
                      help="t-SNE perplexity, more than 1 and fewer than the samples "
                      "(default 30)")
    proj.add_argument("--seed", type=values.seed, default=0, help="random seed, 0 to 2^32-1")
    proj.add_argument("--out", metavar="FILE.csv|FILE.npy",
                      help="save the map coordinates (CSV with index,label,x,y[,z] or .npy)")

    add_train_parser(sub)

    dec = sub.add_parser("decode", help="decode one latent into an image",
                         description="Decode a latent vector and save the image as PNG.")
    add_data_args(dec, dataset=False)
    which = dec.add_mutually_exclusive_group(required=True)
    which.add_argument("--latent", metavar="V,V,...",
                       help="comma-separated latent values, in the model's latent order; "
                       "values may be negative: --latent -1,0.5 or --latent=-1,0.5")
    which.add_argument("--seed", type=values.seed, metavar="N",
                       help="the latent of seed N from the model's prior (for a StyleGAN: "
                       "the w of the z NVIDIA's tools draw for seed N)")
    dec.add_argument("--psi", type=values.number(-2, 2), metavar="P",
                     help="truncation for a StyleGAN, -2 to 2: 1 none (default), 0.7 "
                     "typical, 0 the average w")
    dec.add_argument("--label", type=values.whole(0), help="class for a conditional decoder")
    dec.add_argument("--scale", type=values.whole(1), default=1,
                     help="enlarge the image by this whole factor (default 1)")
    dec.add_argument("--out", required=True, metavar="FILE.png|FILE.jpg",
                     help="the image to write: .png, or .jpg/.jpeg")

    add_render_parser(sub)
    add_atlas_parser(sub)
    add_scale_commands(sub)
    add_cache_parser(sub)

    bench = sub.add_parser("bench", help="measure the app's speed",
                           description="Run the benchmarks and print a table (or JSON).")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument("--quick", action="store_true", help="fewer repetitions (for tests)")
    bench.add_argument("--only", metavar="GROUP,...",
                       help="run only these groups (window, startup, render, analysis, gl, "
                       "heavy, train, vectors, data, models, autosave, stylegan, scale); gl "
                       "needs OpenGL: run under xvfb-run or on a display")
    bench.add_argument("--scale", action="store_true",
                       help="also run the scale group: a million points against naive "
                       "pyqtgraph and napari, UMAP at 70,000 points (about 10 minutes)")
    # --debug also after the subcommand (latent-explorer info --debug); SUPPRESS keeps a
    # --debug given before it.
    for subparser in set(sub.choices.values()):
        subparser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                               help="show tracebacks of errors")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    parser = build_parser()
    words = _gui_by_default(join_negative_values(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(words)
    if args.command is None:
        args = parser.parse_args(["gui", *words])
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "gui": commands.cmd_gui, "info": commands.cmd_info, "encode": commands.cmd_encode,
        "project": commands.cmd_project, "train": cmd_train,
        "decode": commands.cmd_decode, "bench": commands.cmd_bench,
        "render": commands.cmd_render, "atlas": cmd_atlas, "cache": cmd_cache,
    }
    from latent_explorer.cli.leftovers import leftovers_swept
    from latent_explorer.cli.stopping import INTERRUPTED_STATUS, Stopped, stop_on_signals
    from latent_explorer.core.errors import LatentExplorerError

    handlers.update(SCALE_HANDLERS)
    # The window treats SIGTERM as a quit of its own (qt.app.quit_on_termination); the
    # benchmarks run Qt event loops, where an exception raised by a handler would not stop
    # them (and they write nothing of the user's): both keep the default.
    stopping = (contextlib.nullcontext() if args.command in ("gui", "bench")
                else stop_on_signals())
    try:
        with stopping, leftovers_swept():
            if getattr(args, "device", None):
                from latent_explorer.core.models.families.devices import set_device_preference

                set_device_preference(args.device)
            return handlers[args.command](args)
    except Stopped as exc:  # SIGTERM, SIGHUP: what was being written has been removed
        print(f"latent-explorer: stopped by {exc.name}", file=sys.stderr)
        return exc.exit_status
    except LatentExplorerError as exc:
        if args.debug:
            raise
        print(f"latent-explorer: error: {_one_line(str(exc))}{_logged(exc)}", file=sys.stderr)
        return 2
    except OSError as exc:  # an output that cannot be written, a folder that vanished
        if args.debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"latent-explorer: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except (MemoryError, RuntimeError) as exc:
        # numpy raises MemoryError, torch's CPU allocator a RuntimeError; other RuntimeErrors
        # are bugs and keep their traceback.
        if args.debug or not out_of_memory(exc):
            raise
        print(f"latent-explorer: error: {args.command}: {out_of_memory_message(exc)}",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("latent-explorer: interrupted", file=sys.stderr)
        return INTERRUPTED_STATUS


TOP_LEVEL_FLAGS = ("--debug", "--no-cache")


def _gui_by_default(words: list[str]) -> list[str]:
    """``latent-explorer --screenshot x.png`` as ``latent-explorer gui --screenshot x.png``:
    the window is the default command, so its options work without naming it."""
    for index, word in enumerate(words):
        if word in TOP_LEVEL_FLAGS:
            continue
        if word.startswith("-") and word not in ("-h", "--help", "--version"):
            return [*words[:index], "gui", *words[index:]]
        break
    return words


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def _logged(exc: BaseException) -> str:
    """Write a model's whole error text (``details``) to the log; a note saying where."""
    details = getattr(exc, "details", "")
    if not details:
        return ""
    from latent_explorer.core.session.crash_log import log_exception

    try:
        log = log_exception(type(exc), exc, exc.__traceback__)
    except OSError:
        return ""
    return f" (the whole error is in {log})"


if __name__ == "__main__":
    raise SystemExit(main())
