"""Latent Explorer: a live map of a dataset in a generative model's latent space."""

__version__ = "0.1.0"
