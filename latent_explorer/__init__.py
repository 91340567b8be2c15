"""Latent Explorer: a live map of a dataset in a generative model's latent space.

The Python API, for scripts and notebooks::

    import latent_explorer as lx

    explorer = lx.explore(my_vae, images, labels=digits)   # opens the window
    explorer.latent                                       # the latent shown now
    explorer.set_latent(z)                                # decode and show z

- :func:`explore` opens the explorer window on a model and data held in Python (an
  ``nn.Module`` or any object with ``decode``/``encode``, numpy arrays, torch tensors ...) or
  named as on the command line, and returns an :class:`Explorer` handle;
- :func:`load_model` and :func:`load_dataset` return the app's model and dataset objects;
- :class:`LatentExplorerError` is what they raise for input they cannot use (the message
  says what is wrong).

Importing this package imports neither Qt nor torch; they load when first needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from latent_explorer._version import __version__

if TYPE_CHECKING:
    from latent_explorer.api.explore import explore
    from latent_explorer.api.handle import Explorer
    from latent_explorer.api.loading import load_dataset, load_model
    from latent_explorer.core.errors import LatentExplorerError

__all__ = ["Explorer", "LatentExplorerError", "__version__", "explore", "load_dataset",
           "load_model"]

_LAZY = {
    "explore": "latent_explorer.api.explore",
    "Explorer": "latent_explorer.api.handle",
    "load_model": "latent_explorer.api.loading",
    "load_dataset": "latent_explorer.api.loading",
    "LatentExplorerError": "latent_explorer.core.errors",
}


def __getattr__(name: str) -> Any:
    """Import the public API's parts on first use, so ``import latent_explorer`` stays light."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'latent_explorer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
