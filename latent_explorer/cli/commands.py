"""The headless subcommands: ``gui``, ``info``, ``encode``, ``project``, ``train``, ``decode``,
``render`` and ``bench``; each a thin layer over ``latent_explorer.core``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from latent_explorer.cli.common import (
    dataset_cache_dir,
    open_inputs,
    open_map_inputs,
    result_cache,
    run_job,
)


def cmd_gui(args: argparse.Namespace) -> int:
    from latent_explorer.qt.app import run_app

    return run_app(args)


def cmd_info(args: argparse.Namespace) -> int:
    from latent_explorer.core.compute.encoding import check_compatible, try_encoder
    from latent_explorer.core.errors import IncompatibleError

    data, model, prior = open_map_inputs(args)
    h, w, c = data.image_shape
    print(f"dataset  {data.name}  ({data.source})")
    print(f"  images   {len(data):,} of {h}x{w}, {c} channel{'s' if c > 1 else ''}")
    if data.labels is not None:
        import numpy as np

        classes, counts = np.unique(data.labels, return_counts=True)
        mix = ", ".join(f"{data.label_name(int(k))}: {n}" for k, n in zip(classes, counts,
                                                                          strict=True))
        print(f"  labels   {_count(len(classes), 'class', 'classes')} ({mix})")
    for note in data.notes:
        print(f"  note     {note}")
    print(f"model    {model.name}  ({model.source})")
    print(f"  latent   {model.latent_dim} values, shape {tuple(model.latent_shape)}")
    from latent_explorer.core.models.families import SpatialModel

    if isinstance(model, SpatialModel):
        print(f"  family   {model.info.describe()}")
    print(f"  output   {'x'.join(str(v) for v in model.image_shape)}")
    problem = ""
    if not model.has_encoder:
        print("  encoder  no (decoder only)")
    elif tuple(model.image_shape) != tuple(data.image_shape):
        size = "x".join(str(v) for v in model.image_shape)
        print(f"  encoder  yes, for {size} images (not tried: this dataset's differ)")
    else:
        try:  # tried on one real image, not assumed
            try_encoder(model, data)
            print(f"  encoder  yes (tried on one image of {data.name})")
        except IncompatibleError as exc:
            problem = str(exc)
            print("  encoder  present, but it fails on this dataset's images")
    if model.num_classes:
        print(f"  classes  conditional on {_count(model.num_classes, 'class', 'classes')}")
    for note in getattr(model, "notes", ()):
        print(f"  note     {note}")
    if prior is not None:
        print(f"fit      the map shows {len(prior):,} latents drawn from the prior")
        return 0
    if problem:
        print(f"fit      no: {problem}")
        return 0
    try:
        check_compatible(model, data)
        print("fit      the model can encode this dataset")
    except IncompatibleError as exc:
        print(f"fit      no: {exc}")
    return 0


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def cmd_encode(args: argparse.Namespace) -> int:
    import numpy as np

    from latent_explorer.core.compute.pipeline import encode_cached

    data, model = open_inputs(args)
    start = time.perf_counter()
    latents = run_job(lambda ctx: encode_cached(model, data, result_cache(args), ctx))
    took = time.perf_counter() - start
    print(f"encoded {len(latents):,} images of {data.name} into {latents.shape[1]}-D latents "
          f"with {model.name} in {took:.2f} s")
    if args.out:
        np.save(args.out, latents)
        print(f"saved {args.out}")
    return 0


def cmd_project(args: argparse.Namespace) -> int:
    from latent_explorer.core.compute.pipeline import encode_cached, latents_key, project_cached
    from latent_explorer.core.session.state import ProjectionState

    data, model, prior = open_map_inputs(args)
    cache = result_cache(args)
    latents = prior if prior is not None else run_job(
        lambda ctx: encode_cached(model, data, cache, ctx))
    params = ProjectionState(method=args.method, n_components=args.dims,
                             n_neighbors=args.neighbors, min_dist=args.min_dist,
                             perplexity=args.perplexity, seed=args.seed).to_params()
    start = time.perf_counter()
    projector = run_job(lambda ctx: project_cached(latents, params, cache, ctx,
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


def cmd_train(args: argparse.Namespace) -> int:
    from latent_explorer.core.datasets import load_dataset
    from latent_explorer.core.models.training import train_and_save

    data = load_dataset(args.dataset, labels=args.labels, image_size=args.image_size,
                        cache_dir=dataset_cache_dir(args))
    hidden = tuple(int(v) for v in args.hidden.split(",") if v.strip())
    command = "latent-explorer " + " ".join(sys.argv[1:]) if sys.argv[1:] else ""
    start = time.perf_counter()
    out = run_job(lambda ctx: train_and_save(
        data, Path(args.out), latent_dim=args.latent_dim, hidden=hidden, kind=args.kind,
        epochs=args.epochs,
        batch_size=args.batch_size, lr=args.lr, seed=args.seed, ctx=ctx, command=command))
    print(f"trained on {len(data):,} images of {data.name} in {time.perf_counter() - start:.1f} s;"
          f" saved {out}")
    return 0


def cmd_decode(args: argparse.Namespace) -> int:
    import numpy as np

    from latent_explorer.core.compute.decoder import decode_one
    from latent_explorer.core.errors import SpecError
    from latent_explorer.core.export.images import save_png

    _, model = open_inputs(args, dataset=False)
    try:
        latent = np.array([float(v) for v in args.latent.split(",")], dtype=np.float32)
    except ValueError as exc:
        raise SpecError(f"--latent must be comma-separated numbers: {exc}") from None
    if latent.size != model.latent_dim:
        raise SpecError(f"--latent has {latent.size} values but {model.name} takes "
                        f"{model.latent_dim}")
    if model.num_classes and args.label is not None and not 0 <= args.label < model.num_classes:
        raise SpecError(f"--label {args.label}: {model.name} draws classes 0 to "
                        f"{model.num_classes - 1}")
    image = decode_one(model, latent, args.label)
    if image.ndim == 1:
        raise SpecError(f"{model.name} outputs a 1-D signal, not an image")
    save_png(args.out, image, max(1, args.scale))
    print(f"saved {args.out} ({image.shape[1] * args.scale}x{image.shape[0] * args.scale})")
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from latent_explorer.cli.render import cmd_render as render

    return render(args)


def cmd_bench(args: argparse.Namespace) -> int:
    from latent_explorer.bench import run_bench

    return run_bench(args)
