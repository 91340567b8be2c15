"""The ``latent-explorer render`` subcommand: a walk through latent space as video or frames.

``add_render_parser(subparsers)`` adds the subcommand to the main parser and
``cmd_render(args)`` runs it; both are wired into :mod:`latent_explorer.cli.main`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

RENDER_DESCRIPTION = """\
Render a path through latent space: the model decodes a smooth walk between anchor points
and the frames become an MP4, WebM or GIF video, or a folder of PNG frames.

Anchors are dataset samples (--anchors 12,345,7: sample numbers; for a folder of images also
file names and globs, --anchors airplane/0004.jpg,horse/0703.jpg), each encoded with the
model; latent vectors from a file (--anchors-file); or a saved path file (--path-file) whose
settings are used unless a flag here says otherwise.

examples:
  latent-explorer render --anchors 12,345,7 --frames 120 --loop --out walk.mp4
  latent-explorer render --dataset pets/ --model vae/ --anchors 'cat/01.jpg,dog/*' --out pets.mp4
  latent-explorer render --anchors-file latents.npy --interp lerp --fps 24 --out walk.gif
  latent-explorer render --path-file walk.json --size 1024 --out walk_big.mp4
  latent-explorer render --model network-snapshot-000400.pkl --seeds 1,2,3 --psi 0.7 \
      --loop --out seeds.mp4"""

_EASING_NAMES = ("linear", "ease-in", "ease-out", "ease-in-out", "cosine")


def add_render_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``render`` subcommand to ``subparsers`` (from ``add_subparsers``)."""
    from latent_explorer.cli import values
    from latent_explorer.cli.common import (
        DATASET_HELP,
        MODEL_HELP,
        add_device_arg,
        add_image_size_arg,
    )
    from latent_explorer.core.export.render_limits import MAX_FPS, MAX_FRAMES, MAX_SHEET, MIN_FPS

    parser: argparse.ArgumentParser = subparsers.add_parser(
        "render", help="render a walk through latent space as a video, GIF or PNG frames",
        description=RENDER_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_argument_group("where the path goes")
    source.add_argument("--dataset", metavar="SPEC",
                        help=DATASET_HELP + " (default: the path file's, else digits)")
    source.add_argument("--labels", metavar="FILE",
                        help="labels file for an IDX dataset (found beside it when not given)")
    add_image_size_arg(source)
    source.add_argument("--model", metavar="SPEC",
                        help=MODEL_HELP + " (default: the path file's, else demo)")
    source.add_argument("--trust-code", action="store_true",
                        help="allow model formats that run Python code (adapter files, "
                        "pickled modules); only for files you trust")
    add_device_arg(source)
    anchors = source.add_mutually_exclusive_group()
    anchors.add_argument("--anchors", metavar="I,J,...",
                         help="the samples to pass through, in order, each encoded with the "
                         "model: sample numbers (counted from 0) or, for a folder or zip of "
                         "images, file names as listed in it (horse/0703.jpg, or 0703.jpg "
                         "when no other file has that name) and globs (horse/*.jpg: every "
                         "match, in the folder's order)")
    anchors.add_argument("--seeds", metavar="S,S,...",
                         help="seeds to pass through, in order (ranges like 4-7 too): each "
                         "is the latent of that seed from the model's prior (for a StyleGAN "
                         "the w of NVIDIA's z for the seed)")
    anchors.add_argument("--anchors-file", metavar="FILE",
                         help="latent vectors to pass through: .npy (anchors x latent values), "
                         "or .txt/.csv with one anchor per row")
    source.add_argument("--path-file", metavar="FILE.json",
                        help="a saved path (anchors and settings); flags given here override "
                        "its settings")
    source.add_argument("--label", type=values.whole(0), metavar="CLASS",
                        help="class to draw, for a conditional model")
    source.add_argument("--psi", type=values.number(-2, 2), metavar="P",
                        help="truncation for a StyleGAN, -2 to 2: 1 none (default), 0.7 "
                        "typical")

    path = parser.add_argument_group("how the path moves")
    path.add_argument("--frames", type=values.whole(1, MAX_FRAMES), metavar="N",
                      help="TOTAL number of frames in the output (holds included), spread "
                      "evenly over the segments between anchors (default 120, or the path "
                      "file's setting)")
    path.add_argument("--interp", choices=("slerp", "lerp", "spline"),
                      help="slerp (default): along the sphere, keeps latents at a typical "
                      "length; lerp: straight lines; spline: one smooth curve through all "
                      "anchors")
    path.add_argument("--easing", choices=_EASING_NAMES,
                      help="speed within each segment: linear (default) or slowing down near "
                      "the anchors (ease-in-out, cosine)")
    path.add_argument("--loop", action=argparse.BooleanOptionalAction, default=None,
                      help="return from the last anchor to the first, so the video repeats "
                      "seamlessly")
    path.add_argument("--pingpong", action=argparse.BooleanOptionalAction, default=None,
                      help="go through the anchors and back again (instead of --loop)")
    path.add_argument("--hold", type=values.whole(0, MAX_FRAMES), metavar="N",
                      help="extra frames to pause on each anchor (default 0)")

    out = parser.add_argument_group("output")
    out.add_argument("--out", required=True, metavar="FILE",
                     help="where to write: .mp4 (H.264), .webm (VP9), .gif, a folder for "
                     "PNG frames (walk/ -> walk/walk_0001.png ...), or a pattern like "
                     "frames/walk_%%04d.png")
    out.add_argument("--fps", type=values.number(MIN_FPS, MAX_FPS),
                     help=f"frames per second, {MIN_FPS:g} to {MAX_FPS:g} (default 30)")
    out.add_argument("--size", type=values.whole(1, 8192), metavar="PX",
                     help="long side of the frames in pixels, 1 to 8192 (default 512)")
    out.add_argument("--scale", choices=("nearest", "smooth"),
                     help="nearest (default): big sharp pixels; smooth: soft, blended "
                     "enlargement")
    out.add_argument("--crf", type=values.whole(0, 63), metavar="Q",
                     help="video quality, lower is better and larger (default 18 for MP4, "
                     "32 for WebM)")
    out.add_argument("--sheet", type=values.whole(0, MAX_SHEET), default=0, metavar="N",
                     help="also write a contact sheet of N evenly spaced frames as "
                     "<out name>_sheet.png")
    out.add_argument("--save-path", metavar="FILE.json",
                     help="also save this path (anchors and settings) to render it again "
                     "with --path-file")
    return parser


def cmd_render(args: argparse.Namespace) -> int:
    """Run ``latent-explorer render``; returns the exit status."""
    from latent_explorer.core.errors import SpecError
    from latent_explorer.core.export.path_file import PathFile, load_path_file, save_path_file
    from latent_explorer.core.export.render import render_path_file
    from latent_explorer.core.models import load_model

    base = load_path_file(args.path_file) if args.path_file else None
    if base is None and not (args.anchors or args.anchors_file or args.seeds):
        raise SpecError("render needs anchors: give --anchors, --seeds, --anchors-file or "
                        "--path-file")
    from latent_explorer.cli.seeds import parse_seeds, seed_latents, set_truncation

    seeds = parse_seeds(args.seeds) if args.seeds else None  # before the model opens
    model_spec = args.model or (base.model if base else None) or "demo"
    dataset_spec = args.dataset or (base.dataset if base else None)
    from latent_explorer.cli.common import trust_arg

    model = load_model(model_spec, trust_code=trust_arg(args, model_spec))
    psi = args.psi if args.psi is not None else (base.extra.get("truncation_psi")
                                                 if base else None)
    set_truncation(model, psi)
    indices: tuple[int | None, ...] | None = base.indices if base else None
    if seeds is not None:
        label = _pick(args.label, base.label if base else None)
        anchors, indices = seed_latents(model, seeds, label), None
    elif args.anchors:
        dataset_spec = dataset_spec or "digits"
        anchors, indices, model = _encode_samples(args.anchors, dataset_spec, args.labels,
                                                  model, args.image_size)
    elif args.anchors_file:
        anchors, indices = _read_anchor_file(Path(args.anchors_file)), None
    else:
        assert base is not None
        anchors = base.anchors
    _check_dim(anchors, model, args)
    if base is None:
        base = PathFile(anchors=anchors, frames=120)
    frames, per_segment = base.frames, base.frames_per_segment
    if args.frames is not None:
        frames, per_segment = args.frames, None
    spec = PathFile(
        anchors=anchors, indices=indices,
        interp=_pick(args.interp, base.interp), frames=frames, frames_per_segment=per_segment,
        easing=_pick(args.easing, base.easing).replace("-", "_"),
        loop=_pick(args.loop, base.loop), pingpong=_pick(args.pingpong, base.pingpong),
        hold=_pick(args.hold, base.hold), fps=_pick(args.fps, base.fps),
        size=_pick(args.size, base.size), scale=_pick(args.scale, base.scale),
        label=_pick(args.label, base.label), dataset=dataset_spec, model=model_spec,
        extra={**base.extra, **({"truncation_psi": psi} if psi is not None else {})},
    )
    if args.loop and spec.pingpong and args.pingpong is None:
        spec = _replace(spec, pingpong=False)  # --loop given over a ping-pong path file
    if args.pingpong and spec.loop and args.loop is None:
        spec = _replace(spec, loop=False)
    _check_settings(spec, args)
    if args.save_path:
        save_path_file(args.save_path, spec)
    report = _run(lambda ctx: render_path_file(model, spec, args.out, sheet=args.sheet,
                                               crf=args.crf, ctx=ctx))
    print(report.summary())
    for note in report.notes:
        print(f"note: {note}")
    if report.sheet is not None:
        print(f"contact sheet: {report.sheet}")
    if args.save_path:
        print(f"path saved: {args.save_path}")
    return 0


def _pick(given: Any, default: Any) -> Any:
    return default if given is None else given


def _replace(spec: Any, **changes: Any) -> Any:
    import dataclasses

    return dataclasses.replace(spec, **changes)


def _run(job: Any) -> Any:
    from latent_explorer.cli.terminal import TerminalProgress

    bar = TerminalProgress()
    try:
        return job(bar.context())
    finally:
        bar.finish()


def _check_settings(spec: Any, args: argparse.Namespace) -> None:
    from latent_explorer.core.errors import SpecError

    if spec.loop and spec.pingpong:
        raise SpecError("choose --loop or --pingpong, not both")
    if spec.frames is not None and spec.frames < 1:
        raise SpecError(f"--frames must be at least 1, not {spec.frames}")
    if isinstance(spec.hold, int) and spec.hold < 0:
        raise SpecError(f"--hold must be 0 or more frames, not {spec.hold}")
    if not 0 < spec.fps <= 1000:
        raise SpecError(f"--fps must be between 0 and 1000, not {spec.fps:g}")
    if not 1 <= spec.size <= 8192:
        raise SpecError(f"--size must be between 1 and 8192 pixels, not {spec.size}")
    if args.sheet < 0:
        raise SpecError(f"--sheet must be 0 or more frames, not {args.sheet}")
    if args.crf is not None and args.crf > 51 and Path(args.out).suffix.lower() == ".mp4":
        raise SpecError(f"--crf {args.crf}: H.264 (.mp4) takes a quality of 0 to 51")


def _encode_samples(text: str, dataset_spec: str, labels: str | None, model: Any,
                    image_size: Any = None) -> tuple[Any, tuple[int | None, ...], Any]:
    """The latents of the samples ``text`` names, and the model (an image family at the
    dataset's size)."""
    import numpy as np

    from latent_explorer.core.compute.encoding import check_compatible
    from latent_explorer.core.datasets import load_dataset
    from latent_explorer.core.datasets.sample_names import resolve_samples
    from latent_explorer.core.errors import ModelOutputError, SpecError
    from latent_explorer.core.models.calibration import fit_to_dataset

    if not text.strip(", "):
        raise SpecError("--anchors names no samples")
    data = load_dataset(dataset_spec, labels=labels, image_size=image_size)
    indices = resolve_samples(data, text, "--anchors")
    model = fit_to_dataset(model, data)
    check_compatible(model, data)
    images = np.concatenate([data.float_batch(i, i + 1) for i in indices])
    latents = np.asarray(model.encode(images), dtype=np.float32)
    if not np.all(np.isfinite(latents)):
        raise ModelOutputError(f"{model.name} returned NaN or infinite latents for the anchors")
    return latents, tuple(indices), model


def _read_anchor_file(path: Path) -> Any:
    import warnings

    import numpy as np

    from latent_explorer.core.errors import InputFileError

    if not path.is_file():
        raise InputFileError(path, "no such file")
    if path.stat().st_size == 0:
        raise InputFileError(path, "is empty; it must hold one latent vector per row")
    try:
        if path.suffix.lower() == ".npy":
            # Mapped, not read: a header declaring more than the file holds is refused by
            # numpy, and what is there is read as it is used.
            array = np.load(path, mmap_mode="r", allow_pickle=False)
        else:
            from latent_explorer.core.memory_budget import check_memory

            # Parsed text takes about 8 bytes per value, and a value takes 2 characters or more.
            check_memory(path, path.stat().st_size * 4, "reading it as text")
            text = path.read_text(encoding="utf-8")
            delimiter = "," if "," in text else None
            with warnings.catch_warnings():  # an empty table is said below, in one line
                warnings.simplefilter("ignore", UserWarning)
                array = np.loadtxt(path, delimiter=delimiter, dtype=np.float64, ndmin=2,
                                   comments="#")
    except (OSError, ValueError, EOFError, UnicodeDecodeError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise InputFileError(path, f"cannot be read as latent vectors ({reason})") from exc
    if array.dtype.kind not in "fiu":
        raise InputFileError(path, f"holds {array.dtype} values, not numbers")
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 1:
        raise InputFileError(path, f"must hold one latent vector per row, not shape "
                             f"{array.shape}")
    if not np.all(np.isfinite(array)):
        raise InputFileError(path, "holds NaN or infinite values")
    return array.astype(np.float32)


def _check_dim(anchors: Any, model: Any, args: argparse.Namespace) -> None:
    from latent_explorer.core.errors import IncompatibleError

    if anchors.shape[1] != model.latent_dim:
        where = args.anchors_file or args.path_file or "the anchors"
        raise IncompatibleError(f"{where} holds latents of {anchors.shape[1]} values, but "
                                f"{model.name} takes {model.latent_dim}")
