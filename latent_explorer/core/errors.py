"""Errors that carry a message written for the user.

Every problem a user can cause (a missing or broken file, a shape mismatch, a model that
returns NaN) is raised as a subclass of :class:`LatentExplorerError`. The command line prints
``str(error)`` without a traceback; the window shows it in the status bar or a dialog.
"""

from __future__ import annotations

from pathlib import Path


class LatentExplorerError(Exception):
    """Base class of every error whose message is meant for the user."""


class InputFileError(LatentExplorerError):
    """A file the user gave could not be read.

    Parameters
    ----------
    path
        The file (or folder) that was being read.
    problem
        What is wrong with it, in plain words.
    """

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class DatasetError(InputFileError):
    """A dataset file or folder is missing, truncated or malformed."""


class ModelError(InputFileError):
    """A model file is missing, malformed, or does not fit the architecture."""


class ModelOutputError(LatentExplorerError):
    """A model raised an exception or produced non-finite values while running.

    The message is one line; ``details`` holds the whole text of the network's own error
    (a TorchScript traceback can run to dozens of lines) for the log.
    """

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details


def last_line(text: str) -> str:
    """The last non-empty line of ``text`` (where Python and TorchScript say what failed)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


class IncompatibleError(LatentExplorerError):
    """A dataset and a model do not fit together (e.g. different image shapes)."""


class SpecError(LatentExplorerError):
    """A ``--dataset`` / ``--model`` specification names nothing that can be opened."""


class ExportError(LatentExplorerError):
    """An output could not be written (unknown format, encoder failure, unwritable folder)."""


class JobCancelled(LatentExplorerError):  # noqa: N818 - reads better at the raise site
    """A long job stopped because the user asked it to."""

    def __init__(self) -> None:
        super().__init__("cancelled")
