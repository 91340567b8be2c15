"""``latent-explorer cache``: where the image cache is, how big, its limit; what else is kept
(computed latents, maps, exported decoders); clear them."""

from __future__ import annotations

import argparse
import os
from typing import Any

DESCRIPTION = """\
Folders and zip archives of images opened at a chosen size (--image-size, or File > Open
Image Folder in the window) are decoded once and kept, resized, in the image cache, so they
open at once the next time. The cache is kept within a size limit: when a new folder is added,
the ones used longest ago are removed until the rest fits. A folder that a running window or
command has open is never removed. Removing entries only costs time: a folder removed from the
cache is decoded again when it is next opened.

Without options, print where the cache is, what it holds and its limit. The limit is stored in
the app's settings (the window's File > Image Cache changes the same setting); the
environment variable LATENT_EXPLORER_CACHE_LIMIT overrides it while it is set.

The cache folder also keeps what was computed, so that reopening is quick: the latents of a
dataset under a model, maps (projections), and decoders exported for ONNX Runtime. They are
small beside the images, are not counted in the limit, and --clear removes them too."""

EXAMPLES = """examples:
  latent-explorer cache                  where it is, its size and its limit
  latent-explorer cache --clear          remove every cached folder not open now, and
                                         every computed result
  latent-explorer cache --limit 20G      keep at most 20 GiB from now on
  latent-explorer cache --limit default  back to the default limit (10 GiB)
"""


def limit_arg(text: str) -> int | None:
    """``--limit``: a size (``500M``, ``20G`` ...) in bytes, or ``None`` for ``default``."""
    from latent_explorer.core.datasets.image_cache_limit import parse_size

    if text.strip().lower() == "default":
        return None
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_cache_parser(sub: Any) -> None:
    """The ``cache`` subcommand's arguments."""
    cache = sub.add_parser("cache", help="show the image cache's size and limit, or clear it",
                           description=DESCRIPTION, epilog=EXAMPLES,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    cache.add_argument("--clear", action="store_true",
                       help="remove every cached folder that no running window or command has "
                       "open, and every computed result (files the cache did not make are "
                       "never touched)")
    cache.add_argument("--limit", type=limit_arg, default=argparse.SUPPRESS, metavar="SIZE",
                       help="keep at most this much from now on, e.g. 500M, 20G or 2.5GiB "
                       "(K, M, G, T are 1024-based; KB, MB, GB, TB 1000-based), remembered in "
                       "the settings; 'default' goes back to 10 GiB; entries beyond it are "
                       "removed at once")


def cmd_cache(args: argparse.Namespace) -> int:
    """Print the image cache's state; set its limit and trim it; clear it."""
    from latent_explorer.core.compute.cache import default_cache_dir
    from latent_explorer.core.compute.cached_results import clear_results, results_usage
    from latent_explorer.core.datasets.image_cache_folder import (
        cache_usage,
        clear_image_cache,
        images_folder,
        trim_image_cache,
    )
    from latent_explorer.core.datasets.image_cache_limit import (
        LIMIT_ENV,
        format_size,
        image_cache_limit,
    )

    root = default_cache_dir()
    folder = images_folder(root)
    if hasattr(args, "limit"):
        _store_limit(args.limit)
        limit = image_cache_limit()
        if os.environ.get(LIMIT_ENV, "").strip():
            print(f"note: {LIMIT_ENV} is set, so {limit.describe()} applies while it is")
        report = trim_image_cache(folder, limit.size)
        if report.removed:
            print(f"removed {_folders(report.removed)} used longest ago "
                  f"({format_size(report.freed)}) to fit {format_size(limit.size)}")
    if args.clear:
        report = clear_image_cache(folder)
        files, freed = clear_results(root)
        print(f"removed {_folders(report.removed)} ({format_size(report.freed)}) and "
              f"{_files(files)} of computed results ({format_size(freed)})")
    usage = cache_usage(folder)
    limit = image_cache_limit()
    print(f"image cache  {folder}")
    held = f"{_folders(usage.entries)}, {format_size(usage.size)}"
    if usage.in_use:
        held += f" ({usage.in_use:,} open in a running window or command, kept)"
    print(f"  holds      {held}")
    print(f"  limit      {limit.describe()}")
    print(f"computed     {root} (not counted in the limit)")
    for part in results_usage(root).parts:
        print(f"  {part.name:<10} {_files(part.files)}, {format_size(part.size)}")
    return 0


def _folders(count: int) -> str:
    return f"{count:,} cached folder{'s' if count != 1 else ''}"


def _files(count: int) -> str:
    return f"{count:,} file{'s' if count != 1 else ''}"


def _store_limit(size: int | None) -> None:
    """Remember ``size`` bytes (``None``: the default) in the app's settings, for every later
    window and command, and use it in this one."""
    from latent_explorer.core.datasets.image_cache_limit import (
        LIMIT_SETTING,
        set_image_cache_limit,
    )
    from latent_explorer.qt.settings import app_settings

    settings = app_settings()
    if size is None:
        settings.remove(LIMIT_SETTING)
    else:
        settings.setValue(LIMIT_SETTING, size)
    settings.sync()
    set_image_cache_limit(size)
