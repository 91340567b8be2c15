"""Before a model opens: does opening it run code, which file's, and what would a yes cover?

The window asks the user before it opens a file whose opening runs code, naming that file;
:func:`check_trust` finds out what to ask, without running anything (it detects the kind of
file and reads the content a yes would cover). It reads whole files, so the window calls it on
a worker. The grant it makes is the content at that moment: if the file or the code beside it
changes before the load, the load refuses and the window asks again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from latent_explorer.core.models.trust import TrustGrant

_WHAT = {
    "adapter": "a Python adapter file",
    "pickle": "a whole pickled PyTorch module",
    "torchscript": "a TorchScript archive",
}


@dataclass(frozen=True)
class TrustQuestion:
    """What to ask before opening ``spec``: its opening runs the code of :attr:`code_file`."""

    spec: str
    """What is being opened (a model file, or a model card pointing at :attr:`code_file`)."""
    code_file: Path
    """The file whose code runs."""
    what: str
    """What that file is, in words ("a TorchScript archive")."""
    grant: TrustGrant
    """Trust in :attr:`code_file` (and the code beside it) as it is now: what a yes allows."""

    @property
    def beside(self) -> list[str]:
        """The Python files beside :attr:`code_file` that it may import (relative paths)."""
        return [name for name, _ in self.grant.beside or ()]


def grant_for_file(path: Path) -> TrustGrant:
    """Trust in ``path`` as it is now, with the ``.py`` files beside it unless it is a
    TorchScript archive (which imports no Python).

    Raises
    ------
    ModelError
        If the file cannot be read.
    """
    from latent_explorer.core.models.torchscript_scan import is_torchscript_archive

    return TrustGrant.for_file(path, code_beside=not is_torchscript_archive(path))


def code_to_run(spec: str) -> tuple[Path, str] | None:
    """The file whose code opening the model ``spec`` runs, and what it is in words; ``None``
    when it runs no code from a file (a bundled model, a known family, weights, a name that is
    no file). Found without running anything (the file's kind is detected, not loaded)."""
    from latent_explorer.core.models.detect import detect_model

    path = Path(spec).expanduser()
    if not path.exists():
        return None
    detection = detect_model(path)
    kind = detection.model_kind.value
    code_file = detection.checkpoint
    if detection.problem or kind not in _WHAT or not code_file.is_file():
        return None  # no code runs (weights alone open only as the project's VAE)
    return code_file.resolve(), _WHAT[kind]


def check_trust(spec: str) -> TrustQuestion | None:
    """The question to ask before opening the model ``spec`` (see :func:`code_to_run`), with
    the grant a yes gives; ``None`` when opening it runs no code from a file.

    Raises
    ------
    ModelError
        If the file (or the file a card points at) cannot be read.
    """
    found = code_to_run(spec)
    if found is None:
        return None
    code_file, what = found
    return TrustQuestion(str(spec), code_file, what, grant_for_file(code_file))
