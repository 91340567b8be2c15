"""The ``latent-explorer`` command line: one module per group of subcommands.

Modules import downwards only (``main`` -> ``commands``/``render``/``scale`` -> ``common``);
nothing under ``qt/`` or ``core/`` imports this package.
"""

from latent_explorer.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
