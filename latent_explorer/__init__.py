"""Latent Explorer: a live map of a dataset in a generative model's latent space."""

from latent_explorer._version import __version__

__all__ = ["__version__"]
