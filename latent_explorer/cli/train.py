"""``latent-explorer train``: the app's VAE trained on a dataset, chosen as the window chooses.

With no architecture options the command trains what the window's **Train a model on these
images** would (:func:`~latent_explorer.core.models.train_plan.plan_training`): fully
connected for grey images up to 32x32, convolutional for colour or larger ones, with a latent
size, batch size and number of epochs that follow the images and their count. Each option
given overrides its part of that choice; ``model.json`` records the whole command, every
value spelled out, so it rebuilds the same model whatever later versions choose.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Any

from latent_explorer.cli import values
from latent_explorer.cli.common import IMAGE_SIZE_HELP, dataset_cache_dir, image_size_arg, run_job

TRAIN_DATASET_HELP = (
    "the images to train on: 'digits' or 'shapes' (built in), an MNIST-style IDX file (.gz or "
    "raw), a .npz/.npy array, or a folder or .zip of PNG/JPEG/WebP images (labels from "
    "sub-folder names); default digits"
)

EXAMPLES = """\
With no --kind, --latent-dim, --hidden, --epochs or --batch-size, it trains the model the
window's "Train a model on these images" would: a fully connected VAE (256,128) for grey
images up to 32x32, a convolutional one otherwise (32,64,128,256 channels, as many stride-2
layers as the image size allows); latent 8 for grey images up to 16x16, 16 for others up
to 32x32, 32 for larger ones; about 200,000 image passes (5 to 60 epochs); batches of 128 (fully
connected) or 64 (convolutional). It prints its choice before it starts.

examples:
  latent-explorer train --dataset my_photos/ --image-size 64 --out photos-vae
  latent-explorer train --dataset t10k-images-idx3-ubyte.gz --epochs 30 --out mnist-vae
"""


MAX_EPOCHS = 1_000_000
"""More passes than anyone trains for; a larger number is a typing slip."""


def add_train_parser(sub: Any) -> None:
    """The ``train`` subcommand's arguments."""
    train = sub.add_parser("train", help="train the project's own VAE on a dataset",
                           description="Train a VAE on a dataset and save it in --out as "
                           "model.json and the weights it names (model-<hash>.safetensors); a "
                           "model saved there before is replaced as a whole.", epilog=EXAMPLES,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_argument("--dataset", default="digits", metavar="SPEC", help=TRAIN_DATASET_HELP)
    train.add_argument("--labels", metavar="FILE", help="labels file for an IDX dataset")
    train.add_argument("--image-size", type=image_size_arg, default=None, metavar="PX",
                       help=IMAGE_SIZE_HELP)
    train.add_argument("--out", required=True, metavar="DIR", help="folder to write the model to")
    train.add_argument("--kind", choices=("mlp", "conv"), default=None,
                       help="fully connected (mlp) or convolutional (conv: --hidden lists "
                       "channel counts; H and W must be divisible by 2^layers); default: mlp "
                       "for grey images up to 32x32, conv otherwise (as the window chooses)")
    train.add_argument("--latent-dim", type=values.whole(1), default=None, metavar="N",
                       help="latent size; default: 8 for grey images up to 16x16, 16 for "
                       "other images up to 32x32, 32 for larger ones")
    train.add_argument("--hidden", default=None, metavar="N,N",
                       help="hidden layer sizes of encoder and decoder (channel counts for "
                       "conv); default: 256,128 for mlp (512,256 for colour or larger images), "
                       "32,64,... for conv, one layer per halving the image size allows")
    train.add_argument("--epochs", type=values.whole(1, MAX_EPOCHS), default=None,
                       help=f"passes over the dataset, 1 to {MAX_EPOCHS:,}; default: about "
                       "200,000 images in all, 5 to 60 epochs")
    train.add_argument("--batch-size", type=values.whole(1), default=None,
                       help="default: 128 for mlp, 64 for conv")
    train.add_argument("--lr", type=values.number(0, above=True), default=2e-3,
                       help="learning rate, a number more than 0 (default 0.002)")
    train.add_argument("--seed", type=values.seed, default=0, help="random seed, 0 to 2^32-1 "
                       "(default 0)")


def cmd_train(args: argparse.Namespace) -> int:
    """Train and save; prints what was chosen, then where the model went."""
    import json

    from latent_explorer.core.compute.prior_map import is_prior_spec
    from latent_explorer.core.datasets import load_dataset
    from latent_explorer.core.errors import SpecError
    from latent_explorer.core.models.train_plan import (
        default_architecture,
        default_batch_size,
        default_epochs,
    )
    from latent_explorer.core.models.training import train_and_save
    from latent_explorer.core.models.vae import VAEConfig
    from latent_explorer.core.models.vae_io import check_model_folder

    check_model_folder(args.out)  # a file in the way is said before anything is read
    if is_prior_spec(args.dataset):
        raise SpecError(f"--dataset {args.dataset}: training needs images, and prior:N has "
                        "none (it draws latents from a model's prior)")
    data = load_dataset(args.dataset, labels=args.labels, image_size=args.image_size,
                        cache_dir=dataset_cache_dir(args))
    for flag, value in (("--latent-dim", args.latent_dim), ("--epochs", args.epochs),
                        ("--batch-size", args.batch_size)):
        if value is not None and value < 1:
            raise SpecError(f"{flag} must be at least 1, not {value}")
    kind, planned_latent, planned_hidden = default_architecture(data.image_shape, args.kind)
    latent_dim = args.latent_dim or planned_latent
    hidden = planned_hidden if args.hidden is None else _hidden(args.hidden)
    batch_size = args.batch_size or default_batch_size(kind)
    epochs = args.epochs or default_epochs(len(data))
    try:
        VAEConfig(image_shape=data.image_shape, latent_dim=latent_dim, hidden=hidden, kind=kind)
    except ValueError as exc:
        hint = ("; use --kind mlp, fewer --hidden layers, or images whose sides divide by "
                f"{2 ** len(hidden)}" if kind == "conv" else "")
        raise SpecError(f"cannot train on {data.name} ({data.image_shape[0]}x"
                        f"{data.image_shape[1]} images) with --kind {kind} --hidden "
                        f"{','.join(map(str, hidden))}: {exc}{hint}") from None
    settings = {"kind": kind, "latent-dim": latent_dim, "hidden": ",".join(map(str, hidden)),
                "epochs": epochs, "batch-size": batch_size, "lr": args.lr,
                "seed": args.seed}
    command = _command(args, settings)
    described = "fully connected" if kind == "mlp" else "convolutional"
    print(f"training a {described} VAE ({settings['hidden']}), latent {latent_dim}, "
          f"{epochs} epochs of batches of {batch_size} on {len(data):,} images of "
          f"{data.name}")
    out = run_job(lambda ctx: train_and_save(
        data, Path(args.out), latent_dim=latent_dim, hidden=hidden, kind=kind,
        epochs=epochs, batch_size=batch_size, lr=args.lr, seed=args.seed, ctx=ctx,
        command=command))
    seconds = json.loads(out.read_text(encoding="utf-8"))["training"]["seconds"]
    print(f"trained on {len(data):,} images of {data.name} in {seconds:.1f} s; saved {out}")
    return 0


def _hidden(text: str) -> tuple[int, ...]:
    from latent_explorer.core.errors import SpecError

    try:
        hidden = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise SpecError(f"--hidden must be comma-separated whole numbers, not {text!r}"
                        ) from None
    if not hidden or min(hidden) < 1:
        raise SpecError(f"--hidden must list one or more sizes of at least 1, not {text!r}")
    return hidden


def _command(args: argparse.Namespace, settings: dict[str, Any]) -> str:
    """The ``latent-explorer train`` command that rebuilds this model, every value given."""
    words = ["latent-explorer", "train", "--dataset", args.dataset]
    if args.labels:
        words += ["--labels", args.labels]
    if args.image_size is not None:
        size = args.image_size
        words += ["--image-size", str(size) if isinstance(size, int) else f"{size[1]}x{size[0]}"]
    for key, value in settings.items():
        words += [f"--{key}", str(value)]
    words += ["--out", args.out]
    return shlex.join(words)
