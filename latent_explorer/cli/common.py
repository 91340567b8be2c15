"""What the subcommands share: help texts, the data arguments, opening inputs, progress."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

DATASET_HELP = (
    "the images: 'digits' (built in), an MNIST-style IDX file (.gz or raw), a .npz/.npy array, "
    "or a folder of PNG/JPEG images (labels from sub-folder names)"
)
MODEL_HELP = (
    "the model: 'demo' (built in), a model.json written by 'latent-explorer train', a model "
    "card (.json), a TorchScript archive, a TAESD *_decoder.pth / *_encoder.pth, a KL "
    "autoencoder (diffusers folder or .safetensors VAE), or a Python adapter file (needs "
    "--trust-code)"
)
DEVICE_HELP = (
    "where image autoencoders (TAESD, KL) run: auto (a CUDA or Apple MPS accelerator when "
    "there is one, else the CPU; the default), cpu, cuda or mps"
)


def add_device_arg(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--device auto|cpu|cuda|mps`` (applied by ``main`` before any model opens)."""
    parser.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default=None,
                        help=DEVICE_HELP)


def add_data_args(parser: argparse.ArgumentParser, dataset: bool = True) -> None:
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
    add_device_arg(parser)



def result_cache(args: argparse.Namespace) -> Any:
    """The cache of latents and maps, unless ``--no-cache`` was given."""
    from latent_explorer.core.compute.cache import ResultCache

    return ResultCache(enabled=not args.no_cache)


def open_inputs(args: argparse.Namespace, dataset: bool = True) -> tuple[Any, Any]:
    """The dataset (or ``None``) and the model that the arguments name."""
    from latent_explorer.core.datasets import load_dataset
    from latent_explorer.core.models import load_model
    from latent_explorer.core.models.families import fit_to_images

    data = load_dataset(args.dataset, labels=args.labels) if dataset else None
    model = load_model(args.model, trust_code=args.trust_code, latent_shape=args.latent_shape,
                       image_size=getattr(args, "image_size", None))
    if data is not None:  # an image family (TAESD, KL) works at the dataset's size
        model = fit_to_images(model, data.image_shape)
    return data, model


def run_job(job: Callable[[Any], Any]) -> Any:
    """Run ``job(ctx)`` with a terminal progress bar."""
    from latent_explorer.cli.terminal import TerminalProgress

    bar = TerminalProgress()
    try:
        return job(bar.context())
    finally:
        bar.finish()
