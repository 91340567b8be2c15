"""What the subcommands share: help texts, the data arguments, opening inputs, progress."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence
from typing import Any

DATASET_HELP = (
    "the images: 'digits' (built in), an MNIST-style IDX file (.gz or raw), a .npz/.npy array, "
    "a folder of PNG/JPEG images (labels from sub-folder names), or prior:N (N latents drawn "
    "from the prior, decoded by the model)"
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
    model = load_model(args.model, trust_code=args.trust_code, latent_shape=args.latent_shape)
    return data, model


def open_map_inputs(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """The dataset, the model and, for ``--dataset prior:N``, the prior latents (else ``None``).

    ``prior:N`` maps ``N`` latents drawn from the standard normal prior, each shown as what
    the model decodes from it, as in the window.
    """
    from latent_explorer.core.compute.prior_map import is_prior_spec, prior_count, prior_dataset
    from latent_explorer.core.models import load_model

    if not is_prior_spec(args.dataset):
        data, model = open_inputs(args)
        return data, model, None
    count = prior_count(args.dataset)
    model = load_model(args.model, trust_code=args.trust_code, latent_shape=args.latent_shape)
    data, latents = run_job(lambda ctx: prior_dataset(model, count, ctx=ctx))
    return data, model, latents


NEGATIVE_VALUE_OPTIONS = ("--latent",)
"""Options whose value may start with a minus sign (``--latent -1,0.5``)."""


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


def run_job(job: Callable[[Any], Any]) -> Any:
    """Run ``job(ctx)`` with a terminal progress bar."""
    from latent_explorer.cli.terminal import TerminalProgress

    bar = TerminalProgress()
    try:
        return job(bar.context())
    finally:
        bar.finish()
