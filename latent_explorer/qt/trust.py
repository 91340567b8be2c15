"""Asking the user before a model file's code runs: trust is for one file, one opening.

A file that runs code when opened (a Python adapter file, a pickled module, or a model card
pointing at one) is opened only under a :class:`~latent_explorer.core.models.TrustGrant` for
that file as it is now. The grant comes from the user's own yes: "I trust this file" in the
Open Model dialog, ``--trust-code`` for the model named on the command line, or the question
asked here. Trust given to one file never opens another.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.models.trust import Trust, TrustGrant


def runs_code(spec: str) -> bool:
    """Whether opening ``spec`` runs code from a file (found without running any)."""
    path = Path(spec).expanduser()
    if not path.exists():
        return False
    from latent_explorer.core.models.detect import detect_model

    try:
        return detect_model(path).runs_code
    except (LatentExplorerError, OSError, ValueError):
        return False


def grant_for_opening(parent: QWidget, spec: str, trust: Trust) -> tuple[bool, TrustGrant | None]:
    """Whether to open ``spec`` and under which grant.

    ``trust`` is what the caller was told: a grant (used as it is), ``True`` (the user said
    yes for this file: the Open Model dialog's tick, ``--trust-code``), or nothing, in which
    case a file that runs code makes the window ask. Returns ``(False, None)`` when the user
    says no.
    """
    if isinstance(trust, TrustGrant):
        return True, trust
    if not runs_code(spec):
        return True, None
    from latent_explorer.core.models import trust_for

    if not trust:
        answer = QMessageBox.warning(
            parent, "This model runs code",
            f"{spec} runs Python code when it is opened; that code can do anything your "
            "user account can. Open it only if you trust where it came from.\n\nOpen it?",
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Open:
            return False, None
    try:
        return True, trust_for(spec)
    except LatentExplorerError:
        return True, None  # the load reports what is wrong with the file
