"""Entry point of the frozen app (PyInstaller runs this file as ``__main__``).

UMAP and t-SNE run in child processes started with multiprocessing's "spawn" method. In a
frozen app the child is the same executable started with special arguments;
``multiprocessing.freeze_support()`` recognises them, runs the child's work and exits, so it
must come before anything else, and importing this module must not start the app.
"""

import multiprocessing
import sys


def main() -> int:
    """Run the ``latent-explorer`` command line (the window when no subcommand is given)."""
    from latent_explorer.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
