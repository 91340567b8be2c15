"""``python -m latent_explorer`` runs the command-line interface."""

from latent_explorer.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
