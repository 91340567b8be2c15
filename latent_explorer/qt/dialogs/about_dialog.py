"""Help > About: the app's purpose and the versions it runs on."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from latent_explorer._version import __version__


def about_text() -> str:
    """The About box's text: versions of the app, torch, Qt and Python."""
    import platform

    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    try:
        import torch

        torch_version: str = torch.__version__
    except ImportError:  # pragma: no cover - torch is a dependency
        torch_version = "not installed"
    return (f"<b>Latent Explorer {__version__}</b><br>A live map of a dataset in a "
            f"generative model's latent space, decoded wherever you point.<br><br>"
            f"PyTorch {torch_version}<br>Qt {qVersion()} (PySide6 {pyside_version})<br>"
            f"Python {platform.python_version()}")


def show_about(parent: QWidget) -> None:
    """Show the About box over ``parent``."""
    QMessageBox.about(parent, "About Latent Explorer", about_text())
