"""A crash log for unexpected errors, and a one-line message to show the user instead.

The window installs an exception hook that calls :func:`log_exception` (full traceback to a
file the user can attach to a bug report) and shows :func:`short_message` in a dialog. The log
lives in the user's log folder (``$LATENT_EXPLORER_LOG`` overrides it) and is rotated at about
a megabyte, keeping a few old files, so it never grows without bound.
"""

from __future__ import annotations

import datetime
import os
import platform
import tempfile
import traceback
from pathlib import Path
from types import TracebackType

from latent_explorer._version import __version__
from latent_explorer.core.errors import InputFileError, LatentExplorerError

LOG_ENV = "LATENT_EXPLORER_LOG"
LOG_NAME = "crash.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
_MAX_MESSAGE = 200


def default_log_dir() -> Path:
    """The user's log folder (``$LATENT_EXPLORER_LOG`` overrides it)."""
    override = os.environ.get(LOG_ENV)
    if override:
        return Path(override)
    from platformdirs import user_log_dir

    return Path(user_log_dir("latent-explorer", appauthor=False))


def log_exception(
    exc_type: type[BaseException] | None,
    exc: BaseException | None,
    tb: TracebackType | None,
    *,
    folder: str | Path | None = None,
    max_bytes: int = MAX_BYTES,
    backups: int = BACKUPS,
) -> Path:
    """Append a report of an exception (the arguments ``sys.excepthook`` gets) to the log.

    Parameters
    ----------
    exc_type, exc, tb
        The exception, as ``sys.exc_info()`` or ``sys.excepthook`` give it.
    folder
        Where ``crash.log`` lives; ``None`` uses :func:`default_log_dir`.
    max_bytes
        Rotate (``crash.log`` -> ``crash.log.1`` -> ...) before the file would grow past this.
    backups
        How many rotated files to keep.

    Returns
    -------
    Path
        The log file written. When the log folder cannot be written, the system's temporary
        folder is used instead.

    Raises
    ------
    OSError
        Only if neither folder can be written.
    """
    entry = _format_entry(exc_type, exc, tb).encode("utf-8", errors="replace")
    target = Path(folder) if folder is not None else default_log_dir()
    try:
        return _append(target / LOG_NAME, entry, max_bytes, backups)
    except OSError:
        fallback = Path(tempfile.gettempdir()) / "latent-explorer" / LOG_NAME
        return _append(fallback, entry, max_bytes, backups)


def log_details(message: str, details: str, *, folder: str | Path | None = None) -> Path | None:
    """Append an error the user saw as one line (``message``) with its whole text
    (``details``, e.g. a model's traceback) to the log; the log file, or ``None`` if it
    cannot be written anywhere."""
    stamp = datetime.datetime.now(datetime.UTC).astimezone().isoformat(timespec="seconds")
    entry = (f"=== {stamp}  Latent Explorer {__version__}  pid {os.getpid()}\n{message}\n"
             f"{details.rstrip()}\n\n").encode("utf-8", errors="replace")
    target = Path(folder) if folder is not None else default_log_dir()
    for path in (target / LOG_NAME, Path(tempfile.gettempdir()) / "latent-explorer" / LOG_NAME):
        try:
            return _append(path, entry, MAX_BYTES, BACKUPS)
        except OSError:
            continue
    return None


def short_message(exc: BaseException) -> str:
    """One line, for a dialog or the status bar, that says what went wrong.

    Errors meant for the user (:class:`LatentExplorerError`) are shown as they are; anything
    else is named as an unexpected error so the user knows it is a bug, not their input.
    """
    if isinstance(exc, InputFileError):
        text = f"{Path(exc.path).name or exc.path}: {exc.problem}"
    elif isinstance(exc, LatentExplorerError):
        text = str(exc)
    elif isinstance(exc, MemoryError):
        text = "Out of memory"
    else:
        detail = _first_line(str(exc))
        name = type(exc).__name__
        text = f"Unexpected error ({name}: {detail})" if detail else f"Unexpected error ({name})"
    text = _first_line(text) or type(exc).__name__
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "\u2026"


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _format_entry(exc_type: type[BaseException] | None, exc: BaseException | None,
                  tb: TracebackType | None) -> str:
    stamp = datetime.datetime.now(datetime.UTC).astimezone().isoformat(timespec="seconds")
    header = (f"=== {stamp}  Latent Explorer {__version__}  Python {platform.python_version()}"
              f"  {platform.platform()}  pid {os.getpid()}\n")
    if exc is None:
        body = f"{exc_type.__name__ if exc_type else 'no exception'}\n"
    else:
        body = "".join(traceback.format_exception(type(exc), exc, tb))
    return header + body + "\n"


def _append(path: Path, entry: bytes, max_bytes: int, backups: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        size = 0
    if size and size + len(entry) > max_bytes:
        _rotate(path, backups)
    with path.open("ab") as stream:
        stream.write(entry)
    return path


def _rotate(path: Path, backups: int) -> None:
    """``crash.log.{n-1}`` -> ``.{n}`` ... ``crash.log`` -> ``.1``; the oldest is dropped."""
    if backups < 1:
        path.unlink(missing_ok=True)
        return
    path.with_name(f"{path.name}.{backups}").unlink(missing_ok=True)
    for number in range(backups - 1, 0, -1):
        older = path.with_name(f"{path.name}.{number}")
        if older.exists():
            os.replace(older, path.with_name(f"{path.name}.{number + 1}"))
    os.replace(path, path.with_name(f"{path.name}.1"))

