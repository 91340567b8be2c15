"""The version of Latent Explorer (one place, read by the facade, sessions and crash logs)."""

__version__ = "0.1.0"
