"""Uncaught exceptions never kill the app: they are logged and shown, and work goes on."""

from __future__ import annotations

import sys
import threading
import traceback
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from latent_explorer.core.session.crash_log import log_exception, short_message


class _Relay(QObject):
    """Carries an exception from any thread to the GUI thread."""

    caught = Signal(str, str, str)
    """(short message, details, log path). Delivered on the GUI thread."""


class CrashHandler:
    """Installed as ``sys.excepthook`` and ``threading.excepthook``.

    Each uncaught exception (in a slot, a timer, a worker thread) is appended to the log file in
    the user's log folder and shown in a non-blocking dialog with a short message and the
    traceback under "Show Details"; the app keeps running.
    """

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent
        self.relay = _Relay(parent)
        self.relay.caught.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self.dialogs: list[QMessageBox] = []
        self.count = 0

    def __call__(self, exc_type: type[BaseException], exc: BaseException,
                 tb: TracebackType | None) -> None:
        self.count += 1
        try:
            log = str(log_exception(exc_type, exc, tb))
        except OSError:
            log = "(the log file could not be written)"
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        print(details, file=sys.stderr)
        self.relay.caught.emit(short_message(exc), details, log)

    def thread_hook(self, args: Any) -> None:
        """``threading.excepthook`` signature."""
        if args.exc_type is SystemExit:
            return
        self(args.exc_type, args.exc_value, args.exc_traceback)

    def _show(self, message: str, details: str, log: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Something went wrong",
                          f"{message}\n\nThe app keeps running; nothing you made was lost. "
                          f"The details were written to {log}.", QMessageBox.StandardButton.Ok,
                          self.parent)
        box.setDetailedText(details)
        box.setModal(False)
        box.finished.connect(lambda _=0, b=box: self.dialogs.remove(b) if b in self.dialogs
                             else None)
        self.dialogs.append(box)
        box.show()
        status = getattr(self.parent, "report_error", None)
        if callable(status):
            status(message)


def install_crash_handler(window: QWidget) -> CrashHandler:
    """Route uncaught exceptions of every thread to a :class:`CrashHandler`."""
    handler = CrashHandler(window)
    sys.excepthook = handler
    threading.excepthook = handler.thread_hook
    return handler
