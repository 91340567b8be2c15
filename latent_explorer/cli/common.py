"""What the subcommands share: help texts, the data arguments, opening inputs, progress."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence
from typing import Any

DATASET_HELP = (
    "the images: 'digits' (built in), an MNIST-style IDX file (.gz or raw), a .npz/.npy array, "
    "a folder or .zip of PNG/JPEG/WebP images (labels from sub-folder names), or prior:N "
    "(N latents drawn from the prior, decoded by the model)"
)
IMAGE_SIZE_HELP = (
    "load the images at this size, e.g. 256 (square) or 320x240 (width x height): a folder or "
    ".zip of images (resized copies are cached, so the next run is fast), or an IDX or "
    ".npz/.npy array (a 32 px array at 64 for a model that wants 64); each image is cropped "
    "around its centre and resized (default: a folder's most common size; an array's own)"
)
MODEL_HELP = (
    "the model: 'demo' (built in), a model.json written by 'latent-explorer train', a model "
    "card (.json), a TAESD *_decoder.pth / *_encoder.pth, a KL autoencoder (diffusers folder "
    "or .safetensors VAE), or, with --trust-code, a TorchScript archive or a Python adapter "
    "file (both run their code); a renamed checkpoint (vae.bak) is read by its content"
)
DEVICE_HELP = (
    "where image autoencoders (TAESD, KL) run: auto (a CUDA or Apple MPS accelerator when "
    "there is one, else the CPU; the default), cpu, cuda or mps"
)


def add_device_arg(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--device auto|cpu|cuda|mps`` (applied by ``main`` before any model opens)."""
    parser.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default=None,
                        help=DEVICE_HELP)


def image_size_arg(text: str) -> int | tuple[int, int]:
    """``--image-size``: ``256`` or ``320x240`` (width x height) -> ``256`` or ``(240, 320)``."""
    width, sep, height = text.strip().lower().partition("x")
    try:
        sizes = [int(width)] + ([int(height)] if sep else [])
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a size: give pixels, e.g. 256 or 320x240") from None
    if not all(1 <= size <= 16384 for size in sizes):
        raise argparse.ArgumentTypeError(f"{text!r}: sizes go from 1 to 16384 pixels")
    return sizes[0] if len(sizes) == 1 else (sizes[1], sizes[0])


def add_image_size_arg(parser: Any) -> None:
    """Add ``--image-size`` to a parser (or argument group) that takes ``--dataset``."""
    parser.add_argument("--image-size", type=image_size_arg, default=None, metavar="PX",
                        help=IMAGE_SIZE_HELP)


def dataset_cache_dir(args: argparse.Namespace) -> Any:
    """Where resized images of folders are cached (``None`` with ``--no-cache``)."""
    from latent_explorer.core.compute.cache import default_cache_dir

    return None if getattr(args, "no_cache", False) else default_cache_dir()


def add_data_args(parser: argparse.ArgumentParser, dataset: bool = True) -> None:
    if dataset:
        parser.add_argument("--dataset", default="digits", metavar="SPEC", help=DATASET_HELP)
        parser.add_argument(
            "--labels", metavar="FILE", help="labels file for an IDX dataset (found beside it "
            "by its standard name when not given)"
        )
        add_image_size_arg(parser)
    parser.add_argument("--model", default="demo", metavar="SPEC", help=MODEL_HELP)
    parser.add_argument(
        "--latent-shape", metavar="SHAPE",
        help="shape of one latent, e.g. 128 or 8,2,2, for model files that do not say it",
    )
    parser.add_argument(
        "--trust-code", action="store_true",
        help="run the code of the model file named (an adapter file, a pickled module, a "
        "TorchScript archive, or the file a card names), as it is now, with the Python files "
        "beside it; only for files you trust",
    )
    add_device_arg(parser)



def result_cache(args: argparse.Namespace) -> Any:
    """The cache of latents and maps, unless ``--no-cache`` was given."""
    from latent_explorer.core.compute.cache import ResultCache

    return ResultCache(enabled=not args.no_cache)


def open_inputs(args: argparse.Namespace, dataset: bool = True) -> tuple[Any, Any]:
    """The dataset (or ``None``) and the model that the arguments name."""
    from latent_explorer.core.datasets import load_dataset
    from latent_explorer.core.models import load_model
    from latent_explorer.core.models.calibration import COUNT, fit_to_dataset

    data = load_dataset(args.dataset, labels=args.labels, image_size=args.image_size,
                        cache_dir=dataset_cache_dir(args)) if dataset else None
    samples = data.float_batch(0, min(COUNT, len(data))) if data is not None and len(data) \
        else None  # what the model file does not say is found out on a few of these
    model = load_model(args.model, trust_code=trust_arg(args, args.model),
                       latent_shape=args.latent_shape, image_size=getattr(args, "image_size", None),
                       sample_images=samples)
    if data is not None:  # an image family (TAESD, KL) works at the dataset's size
        model = fit_to_dataset(model, data)
    return data, model


def open_map_inputs(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """The dataset, the model and, for ``--dataset prior:N``, the prior latents (else ``None``).

    ``prior:N`` maps ``N`` latents drawn from the standard normal prior, each shown as what
    the model decodes from it, as in the window. No ``--dataset`` (``None``) means ``digits``
    for a model with an encoder and the prior for one without, as in the window.
    """
    from latent_explorer.core.compute.prior_map import is_prior_spec, prior_count, prior_dataset
    from latent_explorer.core.models import load_model

    model = None
    if args.dataset is None:  # as the window: digits, or the prior of a model with no encoder
        model = load_model(args.model, trust_code=trust_arg(args, args.model),
                           latent_shape=args.latent_shape)
        args.dataset = "digits" if model.has_encoder else "prior"
        if model.has_encoder:
            from latent_explorer.core.datasets import load_dataset
            from latent_explorer.core.models.calibration import fit_to_dataset

            data = load_dataset("digits")
            return data, fit_to_dataset(model, data), None
    if not is_prior_spec(args.dataset):
        data, model = open_inputs(args)
        return data, model, None
    count = prior_count(args.dataset)
    if model is None:
        model = load_model(args.model, trust_code=trust_arg(args, args.model),
                           latent_shape=args.latent_shape)
    data, latents = run_job(lambda ctx: prior_dataset(model, count, ctx=ctx))
    return data, model, latents


NEGATIVE_VALUE_OPTIONS = ("--latent", "--anchors")
"""Options whose value may start with a minus sign (``--latent -1,0.5``); ``--anchors -1,2``
is then refused for its sample number, not as a missing value."""


def join_negative_values(argv: Sequence[str]) -> list[str]:
    """Turn ``--latent -1,0.5`` into ``--latent=-1,0.5``, which argparse reads as a value.

    argparse takes a word starting with ``-`` for an option unless it is one plain number.
    """
    out: list[str] = []
    words = list(argv)
    i = 0
    while i < len(words):
        word = words[i]
        if (word in NEGATIVE_VALUE_OPTIONS and i + 1 < len(words)
                and re.match(r"-\.?\d", words[i + 1])):  # fmt: skip
            out.append(f"{word}={words[i + 1]}")
            i += 2
            continue
        out.append(word)
        i += 1
    return out


def trust_arg(args: argparse.Namespace, spec: str) -> Any:
    """What ``--trust-code`` allows: running the code of the one file ``spec`` names (or that
    its model card points at), as it is now; nothing else."""
    if not getattr(args, "trust_code", False):
        return False
    from latent_explorer.core.models import trust_for

    return trust_for(spec) or False


def run_job(job: Callable[[Any], Any]) -> Any:
    """Run ``job(ctx)`` with a terminal progress bar."""
    from latent_explorer.cli.terminal import TerminalProgress

    bar = TerminalProgress()
    try:
        return job(bar.context())
    finally:
        bar.finish()
