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
    "card (.json), a TorchScript archive, or a Python adapter file (needs --trust-code)"
)


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



def result_cache(args: argparse.Namespace) -> Any:
    """The cache of latents and maps, unless ``--no-cache`` was given."""
    from latent_explorer.core.compute.cache import ResultCache

    return ResultCache(enabled=not args.no_cache)


def open_inputs(args: argparse.Namespace, dataset: bool = True) -> tuple[Any, Any]:
    """The dataset (or ``None``) and the model that the arguments name."""
    from latent_explorer.core.datasets import load_dataset
    from latent_explorer.core.models import load_model

    data = load_dataset(args.dataset, labels=args.labels) if dataset else None
    model = load_model(args.model, trust_code=trust_arg(args, args.model),
                       latent_shape=args.latent_shape)
    return data, model


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
