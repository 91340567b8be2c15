"""The ``latent-explorer`` command: the window (default) and every headless task.

Each subcommand is a thin layer over ``latent_explorer.core``; errors a user can cause are
printed as one clear line (``--debug`` shows the traceback) and end with exit status 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from latent_explorer import __version__

DESCRIPTION = """\
Explore the latent space of a generative model: a live map of your dataset that decodes
wherever you point. Without a subcommand it opens the window on the built-in demo
(scikit-learn's handwritten digits and a small VAE that ships with the app)."""

DATASET_HELP = (
    "the images: 'digits' (built in), an MNIST-style IDX file (.gz or raw), a .npz/.npy array, "
    "or a folder of PNG/JPEG images (labels from sub-folder names)"
)
MODEL_HELP = (
    "the model: 'demo' (built in), a model.json written by 'latent-explorer train', a model "
    "card (.json), a TorchScript archive, or a Python adapter file (needs --trust-code)"
)


def _add_data_args(parser: argparse.ArgumentParser, dataset: bool = True) -> None:
    if dataset:
        parser.add_argument("--dataset", default="digits", metavar="SPEC", help=DATASET_HELP)
        parser.add_argument(
            "--labels", metavar="FILE", help="labels file for an IDX dataset (found beside it "
            "by its standard name when not given)"
        )
    parser.add_argument("--model", default="demo", metavar="SPEC", help=MODEL_HELP)
    parser.add_argument(
        "--latent-shape", metavar="SHAPE",
        help="shape of one latent, e.g. 128 or 8,2,2, for model files that do not say it",
    )
    parser.add_argument(
        "--trust-code", action="store_true",
        help="allow model formats that run Python code (adapter files, pickled modules); "
        "only for files you trust",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
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
                         description="Open the explorer window.")
    _add_data_args(gui)
    gui.add_argument("--projection", choices=("pca", "umap", "tsne"), default=None,
                     help="map layout to compute first (PCA is shown at once in any case)")
    gui.add_argument("--screenshot", metavar="FILE.png",
                     help="open the window, wait until the map and the decoded image are "
                     "drawn, save a screenshot of the whole window and exit")
    gui.add_argument("--view", choices=("2d", "3d"), default="2d",
                     help="start on the flat map (2d, the default) or the 3-D map (needs OpenGL)")
    gui.add_argument("--session", metavar="FILE.lxs",
                     help="open a saved session (dataset, model, map, paths ...)")
    gui.add_argument("--size", default="1400x900", metavar="WxH",
                     help="window size for --screenshot (default 1400x900)")

    info = sub.add_parser("info", help="describe a dataset and a model",
                          description="Print what a dataset and a model contain and whether "
                          "they fit together.")
    _add_data_args(info)

    enc = sub.add_parser("encode", help="encode a dataset into latents",
                         description="Encode every image of the dataset with the model's "
                         "encoder. Results are cached, so the window opens instantly later.")
    _add_data_args(enc)
    enc.add_argument("--out", metavar="FILE.npy", help="also save the latents (N x D float32)")

    proj = sub.add_parser("project", help="compute a 2-D/3-D map of the latents",
                          description="Encode the dataset and project the latents with PCA, "
                          "UMAP or t-SNE. Results are cached.")
    _add_data_args(proj)
    proj.add_argument("--method", choices=("pca", "umap", "tsne"), default="pca")
    proj.add_argument("--dims", type=int, choices=(2, 3), default=2, help="map dimensions")
    proj.add_argument("--neighbors", type=int, default=15, help="UMAP n_neighbors (default 15)")
    proj.add_argument("--min-dist", type=float, default=0.1, help="UMAP min_dist (default 0.1)")
    proj.add_argument("--perplexity", type=float, default=30.0, help="t-SNE perplexity")
    proj.add_argument("--seed", type=int, default=0)
    proj.add_argument("--out", metavar="FILE.csv|FILE.npy",
                      help="save the map coordinates (CSV with index,label,x,y[,z] or .npy)")

    train = sub.add_parser("train", help="train the project's own VAE on a dataset",
                           description="Train a VAE on a dataset and save it as "
                           "model.safetensors + model.json in --out.")
    train.add_argument("--dataset", default="digits", metavar="SPEC", help=DATASET_HELP)
    train.add_argument("--labels", metavar="FILE", help="labels file for an IDX dataset")
    train.add_argument("--out", required=True, metavar="DIR", help="folder to write the model to")
    train.add_argument("--latent-dim", type=int, default=8)
    train.add_argument("--hidden", default="256,128", metavar="N,N",
                       help="hidden layer sizes of encoder and decoder (default 256,128)")
    train.add_argument("--kind", choices=("mlp", "conv"), default="mlp",
                       help="fully connected (mlp, the default) or convolutional (conv: "
                       "--hidden lists channel counts; H and W must be divisible by 2^layers)")
    train.add_argument("--epochs", type=int, default=100)
    train.add_argument("--batch-size", type=int, default=128)
    train.add_argument("--lr", type=float, default=2e-3, help="learning rate")
    train.add_argument("--seed", type=int, default=0)

    dec = sub.add_parser("decode", help="decode one latent into an image",
                         description="Decode a latent vector and save the image as PNG.")
    _add_data_args(dec, dataset=False)
    dec.add_argument("--latent", required=True, metavar="V,V,...",
                     help="comma-separated latent values, in the model's latent order")
    dec.add_argument("--label", type=int, help="class for a conditional decoder")
    dec.add_argument("--scale", type=int, default=1, help="enlarge the PNG by this factor")
    dec.add_argument("--out", required=True, metavar="FILE.png")

    from latent_explorer.cli_render import add_render_parser
    from latent_explorer.cli_scale import add_scale_commands

    add_render_parser(sub)
    add_scale_commands(sub)

    bench = sub.add_parser("bench", help="measure the app's speed",
                           description="Run the benchmarks and print a table (or JSON).")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument("--quick", action="store_true", help="fewer repetitions (for tests)")
    bench.add_argument("--only", metavar="GROUP,...",
                       help="run only these groups (window, startup, render, analysis, gl, "
                       "scale); gl needs OpenGL: run under xvfb-run or on a display")
    bench.add_argument("--scale", action="store_true",
                       help="also run the scale group: a million points against naive "
                       "pyqtgraph and napari, UMAP at 70,000 points (about 10 minutes)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.command is None:
        args = parser.parse_args(["gui", *(sys.argv[1:] if argv is None else argv)])
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "gui": _cmd_gui, "info": _cmd_info, "encode": _cmd_encode, "project": _cmd_project,
        "train": _cmd_train, "decode": _cmd_decode, "bench": _cmd_bench, "render": _cmd_render,
    }
    from latent_explorer.cli_scale import SCALE_HANDLERS
    from latent_explorer.core.errors import LatentExplorerError

    handlers.update(SCALE_HANDLERS)
    try:
        return handlers[args.command](args)
    except LatentExplorerError as exc:
        if args.debug:
            raise
        print(f"latent-explorer: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("latent-explorer: interrupted", file=sys.stderr)
        return 130


def _cache(args: argparse.Namespace) -> Any:
    from latent_explorer.core.compute.cache import ResultCache

    return ResultCache(enabled=not args.no_cache)


def _open(args: argparse.Namespace, dataset: bool = True) -> tuple[Any, Any]:
    from latent_explorer.core.datasets import load_dataset
    from latent_explorer.core.models import load_model

    data = load_dataset(args.dataset, labels=args.labels) if dataset else None
    model = load_model(args.model, trust_code=args.trust_code, latent_shape=args.latent_shape)
    return data, model


def _run_job(job: Callable[[Any], Any]) -> Any:
    from latent_explorer.terminal import TerminalProgress

    bar = TerminalProgress()
    try:
        return job(bar.context())
    finally:
        bar.finish()


def _cmd_gui(args: argparse.Namespace) -> int:
    from latent_explorer.qt.app import run_app

    return run_app(args)


def _cmd_info(args: argparse.Namespace) -> int:
    from latent_explorer.core.compute.encoding import check_compatible
    from latent_explorer.core.errors import IncompatibleError

    data, model = _open(args)
    h, w, c = data.image_shape
    print(f"dataset  {data.name}  ({data.source})")
    print(f"  images   {len(data):,} of {h}x{w}, {c} channel{'s' if c > 1 else ''}")
    if data.labels is not None:
        import numpy as np

        classes, counts = np.unique(data.labels, return_counts=True)
        mix = ", ".join(f"{data.label_name(int(k))}: {n}" for k, n in zip(classes, counts,
                                                                          strict=True))
        print(f"  labels   {len(classes)} classes ({mix})")
    for note in data.notes:
        print(f"  note     {note}")
    print(f"model    {model.name}  ({model.source})")
    print(f"  latent   {model.latent_dim} values, shape {tuple(model.latent_shape)}")
    print(f"  output   {'x'.join(str(v) for v in model.image_shape)}")
    print(f"  encoder  {'yes' if model.has_encoder else 'no (decoder only)'}")
    if model.num_classes:
        print(f"  classes  conditional on {model.num_classes} classes")
    try:
        check_compatible(model, data)
        print("fit      the model can encode this dataset")
    except IncompatibleError as exc:
        print(f"fit      no: {exc}")
    return 0


def _cmd_encode(args: argparse.Namespace) -> int:
    import numpy as np

    from latent_explorer.core.compute.pipeline import encode_cached

    data, model = _open(args)
    start = time.perf_counter()
    latents = _run_job(lambda ctx: encode_cached(model, data, _cache(args), ctx))
    took = time.perf_counter() - start
    print(f"encoded {len(latents):,} images of {data.name} into {latents.shape[1]}-D latents "
          f"with {model.name} in {took:.2f} s")
    if args.out:
        np.save(args.out, latents)
        print(f"saved {args.out}")
    return 0


def _cmd_project(args: argparse.Namespace) -> int:
    from latent_explorer.core.compute.pipeline import encode_cached, latents_key, project_cached
    from latent_explorer.core.session.state import ProjectionState

    data, model = _open(args)
    cache = _cache(args)
    latents = _run_job(lambda ctx: encode_cached(model, data, cache, ctx))
    params = ProjectionState(method=args.method, n_components=args.dims,
                             n_neighbors=args.neighbors, min_dist=args.min_dist,
                             perplexity=args.perplexity, seed=args.seed).to_params()
    start = time.perf_counter()
    projector = _run_job(lambda ctx: project_cached(latents, params, cache, ctx,
                                                    latents_key(model, data)))
    coords = projector.coords
    print(f"{args.method.upper()} map of {len(coords):,} points in {args.dims}-D "
          f"in {time.perf_counter() - start:.2f} s")
    if getattr(projector, "sampled", None):
        print(f"note: fitted on a sample of {projector.sampled:,} points, the rest placed by "
              "their nearest neighbours")
    if args.out:
        _save_coords(Path(args.out), coords, data.labels)
        print(f"saved {args.out}")
    return 0


def _save_coords(path: Path, coords: Any, labels: Any) -> None:
    import numpy as np

    if path.suffix == ".npy":
        np.save(path, coords)
        return
    axes = "xyz"[: coords.shape[1]]
    with path.open("w", encoding="utf-8") as handle:
        handle.write("index,label," + ",".join(axes) + "\n")
        for i, row in enumerate(coords):
            label = "" if labels is None else str(int(labels[i]))
            handle.write(f"{i},{label}," + ",".join(f"{v:.6g}" for v in row) + "\n")


def _cmd_train(args: argparse.Namespace) -> int:
    from latent_explorer.core.datasets import load_dataset
    from latent_explorer.core.models.training import train_and_save

    data = load_dataset(args.dataset, labels=args.labels)
    hidden = tuple(int(v) for v in args.hidden.split(",") if v.strip())
    command = "latent-explorer " + " ".join(sys.argv[1:]) if sys.argv[1:] else ""
    start = time.perf_counter()
    out = _run_job(lambda ctx: train_and_save(
        data, Path(args.out), latent_dim=args.latent_dim, hidden=hidden, kind=args.kind,
        epochs=args.epochs,
        batch_size=args.batch_size, lr=args.lr, seed=args.seed, ctx=ctx, command=command))
    print(f"trained on {len(data):,} images of {data.name} in {time.perf_counter() - start:.1f} s;"
          f" saved {out}")
    return 0


def _cmd_decode(args: argparse.Namespace) -> int:
    import numpy as np

    from latent_explorer.core.compute.decoder import decode_one
    from latent_explorer.core.errors import SpecError
    from latent_explorer.core.export.images import save_png

    _, model = _open(args, dataset=False)
    try:
        latent = np.array([float(v) for v in args.latent.split(",")], dtype=np.float32)
    except ValueError as exc:
        raise SpecError(f"--latent must be comma-separated numbers: {exc}") from None
    if latent.size != model.latent_dim:
        raise SpecError(f"--latent has {latent.size} values but {model.name} takes "
                        f"{model.latent_dim}")
    image = decode_one(model, latent, args.label)
    if image.ndim == 1:
        raise SpecError(f"{model.name} outputs a 1-D signal, not an image")
    save_png(args.out, image, max(1, args.scale))
    print(f"saved {args.out} ({image.shape[1] * args.scale}x{image.shape[0] * args.scale})")
    return 0


def _cmd_render(args: argparse.Namespace) -> int:
    from latent_explorer.cli_render import cmd_render

    return cmd_render(args)


def _cmd_bench(args: argparse.Namespace) -> int:
    from latent_explorer.bench import run_bench

    return run_bench(args)


if __name__ == "__main__":
    raise SystemExit(main())
