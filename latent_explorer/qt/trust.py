"""Asking the user before a model file's code runs: trust is for one file, one opening.

A file that runs code when opened (a Python adapter file, a pickled module, a TorchScript
archive, or a model card pointing at one) is opened only under a
:class:`~latent_explorer.core.models.TrustGrant` for that file as it is now (and the Python
files beside it that it imports). The grant comes from the user's own yes: "I trust this file"
in the Open Model dialog, ``--trust-code`` for the model named on the command line, or the
question asked here, which names the file that will run. Trust given to one file never opens
another. :class:`TrustGate` finds out on a worker whether a file runs code (detecting it and
reading what a yes would cover can take long on big files), so the window keeps answering.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QWidget

from latent_explorer.core.jobs import JobContext
from latent_explorer.core.models.trust import Trust, TrustChanged, TrustGrant
from latent_explorer.core.models.trust_check import TrustQuestion, check_trust
from latent_explorer.qt.bridges import JobRunner

Granted = Callable[[TrustGrant | None], None]
"""Goes on with the opening: under this grant, or with none (the file runs no code)."""
Refused = Callable[[str], None]
"""Stops the opening; the message says why, naming the file."""
_SHOWN_BESIDE = 4


class TrustGate(QObject):
    """Says whether, and under which grant, a model spec may be opened.

    Parameters
    ----------
    parent
        The window the question is asked over.
    jobs
        Where the check runs (the window's job runner: its progress bar and Cancel).
    """

    def __init__(self, parent: QWidget, jobs: JobRunner) -> None:
        super().__init__(parent)
        self.widget = parent
        self.jobs = jobs

    def request(self, spec: str, trust: Trust, granted: Granted, refused: Refused, *,
                changed: TrustChanged | None = None) -> None:
        """Decide about opening ``spec``, then call ``granted(grant)`` or ``refused(why)``
        on the GUI thread.

        ``trust`` is what the caller was told: a grant (used as it is: the load checks it), or
        ``True`` (the user said yes for this file: ``--trust-code``), or nothing, in which
        case a file that runs code makes the window ask. ``changed`` is the reason for asking
        again (the file, or the code beside it, changed since the user's yes).
        """
        if isinstance(trust, TrustGrant) and changed is None:
            granted(trust)
            return

        def check(ctx: JobContext) -> TrustQuestion | None:
            ctx.progress(None, f"Checking {Path(spec).name}")
            return check_trust(spec)

        def checked(question: TrustQuestion | None) -> None:
            if question is None:
                granted(None)
            elif (trust and changed is None) or ask(self.widget, question, changed):
                granted(question.grant)
            else:
                refused(f"{question.code_file} was not opened: it runs code, and you did not "
                        "say you trust it")

        self.jobs.start(f"Checking {Path(spec).name}", check, checked, reads_only=True)


def ask(parent: QWidget, question: TrustQuestion, changed: TrustChanged | None = None) -> bool:
    """Ask whether to run the code of ``question.code_file``; ``True`` for yes."""
    answer = QMessageBox.warning(
        parent, "This model runs code", question_text(question, changed),
        QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Open


def question_text(question: TrustQuestion, changed: TrustChanged | None = None) -> str:
    """The question, naming the file whose code runs (and what changed, when asked again)."""
    code = question.code_file
    lines = []
    if changed is not None:
        how = {"new": "is new beside it", "gone": "is gone from beside it"}.get(
            changed.how, "has changed")
        lines.append(f"{changed.changed} {how} since you said you trust {code.name}.")
    lines.append(f"{code} is {question.what}: opening it runs its code, which can do anything "
                 "your user account can (read, change or delete your files). Open it only if "
                 "you trust where it came from.")
    if Path(question.spec).expanduser().resolve() != code:
        lines.append(f"{question.spec} opens it.")
    beside = question.beside
    if beside:
        shown = ", ".join(beside[:_SHOWN_BESIDE])
        more = f" and {len(beside) - _SHOWN_BESIDE} more" if len(beside) > _SHOWN_BESIDE else ""
        lines.append(f"Your yes also covers the Python files beside it that it may import, as "
                     f"they are now: {shown}{more}.")
    return "\n\n".join([*lines, "Open it?"])
