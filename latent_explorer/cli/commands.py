"""The headless subcommands: ``gui``, ``info``, ``encode``, ``project``, ``train``, ``decode``,
``render`` and ``bench``; each a thin layer over ``latent_explorer.core``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from latent_explorer.cli.common import (
    open_inputs,
    open_map_inputs,
    result_cache,
    run_job,
)


def cmd_gui(args: argparse.Namespace) -> int:
    _check_gui_inputs(args)
    if not args.screenshot:  # (a screenshot draws offscreen where there is no screen)
        from latent_explorer.qt.display_check import check_display

        check_display()  # before the window's modules load: Qt would abort with no word
    from latent_explorer.qt.app import run_app

    return run_app(args)


def _check_gui_inputs(args: argparse.Namespace) -> None:
    """Refuse, before any window opens, files named on the command line that do not exist
    (and a session that cannot be read): one line and exit status 2, as every command."""
    from latent_explorer.core.errors import InputFileError, SpecError

    for flag, spec in (("--dataset", args.dataset), ("--labels", args.labels),
                       ("--model", args.model), ("--session", args.session)):
        if spec and _names_a_file(spec) and not Path(spec).expanduser().exists():
            raise SpecError(f"{flag} {spec}: no such file or folder")
    if args.session:
        from latent_explorer.core.session.store import load_session

        session = load_session(args.session)  # raises SessionError, one line naming it
        if args.screenshot:  # nobody is there to answer the window's questions
            _check_session_needs_no_question(args, session)
    if args.screenshot and args.model and not args.trust_code and _names_a_file(args.model):
        from latent_explorer.core.models.trust_check import code_to_run

        if code_to_run(args.model):  # the window would ask; nobody would answer
            raise SpecError(f"--model {args.model} runs code when opened; add --trust-code "
                            "if you trust it")
    if args.screenshot and not args.session and Path(args.screenshot).is_dir():
        raise InputFileError(args.screenshot, "is a folder; --screenshot needs a .png file")
    if args.screenshot and Path(args.screenshot).suffix.lower() != ".png":
        raise InputFileError(args.screenshot, "--screenshot writes a PNG image; name it .png")


def _check_session_needs_no_question(args: argparse.Namespace, session: Any) -> None:
    from latent_explorer.core.errors import SpecError
    from latent_explorer.core.session.references import session_files, vectors_in_memory

    if vectors_in_memory(session):
        raise SpecError(f"{args.session}: the session's vectors were handed over in memory "
                        "and saved nowhere; save the session again from the window (it offers "
                        "to write them beside it) or with save_vectors=True from Python")
    # (a map of vectors names its files inside its "vectors:" spec: those are checked)
    for kind, spec in session_files(session):
        if not Path(spec).expanduser().exists():
            raise SpecError(f"{args.session}: the session's {kind} {spec} no longer exists; "
                            "open the session in the window to locate it")
    from latent_explorer.core.models.trust_check import code_to_run

    if not args.trust_code and code_to_run(session.model.spec):  # whatever the session says
        raise SpecError(f"{args.session}: the session's model {session.model.spec} runs code "
                        "when opened; add --trust-code if you trust it")


def _names_a_file(spec: str) -> bool:
    """Whether a --dataset / --model value is a path (not ``digits``, ``demo``, ``prior:N``)."""
    return "/" in spec or "\\" in spec or Path(spec).suffix != ""


def cmd_info(args: argparse.Namespace) -> int:
    from latent_explorer.core.compute.encoding import check_compatible, try_encoder
    from latent_explorer.core.errors import IncompatibleError

    data, model, prior = open_map_inputs(args)
    _check_decodes(model)
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
    elif getattr(model, "description", ""):  # a StyleGAN generator, in words
        print(f"  family   {model.description}")
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



def _check_decodes(model: Any) -> None:
    """Decode one latent (the prior's centre) so a broken model is reported, not called fine.

    Raises ModelOutputError naming the file (NaN weights, a network that raises).
    """
    import numpy as np

    from latent_explorer.core.compute.decoder import decode_one

    decode_one(model, np.zeros(model.latent_dim, dtype=np.float32),
               0 if model.num_classes else None)


def _save_latents(path: Path, latents: Any) -> None:
    """Write ``latents`` to exactly ``path``: ``.npy`` (one array) or ``.npz`` (``latents``)."""
    import numpy as np

    from latent_explorer.core.fileio import atomic_writer

    suffix = path.suffix.lower()
    with atomic_writer(path) as stream:
        if suffix == ".npy":
            np.save(stream, latents)
        else:
            np.savez(stream, latents=latents)


def cmd_encode(args: argparse.Namespace) -> int:
    from latent_explorer.core.compute.pipeline import encode_cached

    data, model = open_inputs(args)
    if args.out and Path(args.out).suffix.lower() not in (".npy", ".npz"):
        from latent_explorer.core.errors import SpecError

        raise SpecError(f"--out {args.out}: write latents to a .npy or .npz file")
    start = time.perf_counter()
    latents = run_job(lambda ctx: encode_cached(model, data, result_cache(args), ctx))
    took = time.perf_counter() - start
    if args.out:  # written before anything is said: success is told only once it is true
        _save_latents(Path(args.out), latents)
    print(f"encoded {len(latents):,} images of {data.name} into {latents.shape[1]}-D latents "
          f"with {model.name} in {took:.2f} s")
    if args.out:
        print(f"saved {args.out}")
    return 0


def cmd_project(args: argparse.Namespace) -> int:
    from latent_explorer.cli.input_checks import check_map_output, check_projection_options
    from latent_explorer.core.compute.pipeline import encode_cached, latents_key, project_cached
    from latent_explorer.core.session.state import ProjectionState

    check_map_output(args.out)
    data, model, prior = open_map_inputs(args)
    check_projection_options(args, len(prior) if prior is not None else len(data))
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
    """The map as ``.npy`` or CSV (``index,label,x,y[,z]``), written atomically."""
    import numpy as np

    from latent_explorer.core.fileio import atomic_write_text, atomic_writer

    if path.suffix.lower() == ".npy":
        with atomic_writer(path) as stream:
            np.save(stream, coords)
        return
    axes = "xyz"[: coords.shape[1]]
    lines = ["index,label," + ",".join(axes)]
    for i, row in enumerate(coords):
        label = "" if labels is None else str(int(labels[i]))
        lines.append(f"{i},{label}," + ",".join(f"{v:.6g}" for v in row))
    atomic_write_text(path, "\n".join(lines) + "\n")


def cmd_decode(args: argparse.Namespace) -> int:
    import numpy as np

    from latent_explorer.cli.input_checks import check_label
    from latent_explorer.cli.seeds import parse_seeds, seed_latents, set_truncation
    from latent_explorer.core.compute.decoder import decode_one
    from latent_explorer.core.errors import SpecError
    from latent_explorer.core.export.still_image import check_enlargement, save_still, still_format

    still_format(args.out)  # the name's format, before the model opens
    _, model = open_inputs(args, dataset=False)
    set_truncation(model, args.psi)
    check_label(args.label, model)
    if args.seed is not None:
        latent = seed_latents(model, parse_seeds(str(args.seed), "--seed"), args.label)[0]
    else:
        try:
            latent = np.array([float(v) for v in args.latent.split(",")], dtype=np.float32)
        except ValueError as exc:
            raise SpecError(f"--latent must be comma-separated numbers: {exc}") from None
        bad = np.flatnonzero(~np.isfinite(latent))
        if len(bad):
            raise SpecError(f"--latent: value {bad[0] + 1} is {latent[bad[0]]}, not a finite "
                            "number; a latent holds finite numbers only")
    if latent.size != model.latent_dim:
        raise SpecError(f"--latent has {latent.size} values but {model.name} takes "
                        f"{model.latent_dim}")
    if len(model.image_shape) == 3:  # before decoding: an enlargement too large is refused
        check_enlargement(tuple(model.image_shape), args.scale, args.out)
    image = decode_one(model, latent, args.label)
    if image.ndim == 1:
        raise SpecError(f"{model.name} outputs a 1-D signal, not an image")
    save_still(args.out, image, args.scale)
    print(f"saved {args.out} ({image.shape[1] * args.scale}x{image.shape[0] * args.scale})")
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from latent_explorer.cli.render import cmd_render as render

    return render(args)


def cmd_bench(args: argparse.Namespace) -> int:
    from latent_explorer.bench import run_bench

    return run_bench(args)
