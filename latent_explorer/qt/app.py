"""Starting the window: the QApplication, the first load, and ``--screenshot`` mode."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path
from typing import cast

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from latent_explorer.qt.main_window import MainWindow

SCREENSHOT_TIMEOUT_S = 600


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once), named so settings and window titles are right."""
    app = cast("QApplication | None", QApplication.instance())
    if app is None:
        app = QApplication(argv or [sys.argv[0]])
    app.setApplicationName("Latent Explorer")
    app.setOrganizationName("latent-explorer")
    app.setDesktopFileName("io.github.latent_explorer")
    # Fusion looks the same everywhere and follows the system's light/dark palette in Qt 6.
    app.setStyle("Fusion")
    from PySide6.QtGui import QIcon

    from latent_explorer.resources import resource_path

    icon = resource_path("icons", "io.github.latent_explorer.svg")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app


class ScreenshotTaker(QObject):
    """Saves a screenshot of ``window`` once its map and first decoded image are drawn.

    Then it closes the window and ends the application's event loop (``gui --screenshot``);
    the Python API keeps the loop running (``quit_app=False``) and may keep the window open
    (``close_window=False``).
    """

    finished = Signal(int)
    """The screenshot was saved (0) or could not be taken (1). Emitted on the GUI thread."""

    def __init__(self, window: MainWindow, path: Path, view_3d: bool = False,
                 session: bool = False, close_window: bool = True,
                 quit_app: bool = True) -> None:
        super().__init__(window)
        self.close_window = close_window
        self.quit_app = quit_app
        self.error = ""
        self.window = window
        self.path = path
        self.view_3d = view_3d
        self.waiting_for_session = session
        window.view3d.map3d_changed.connect(self._check)
        window.sessions.restored.connect(self._on_restored)
        window.paths.thumbnails_ready.connect(self._check)
        self.exit_code: int | None = None
        window.decoder_view.decoded_pane.painted.connect(self._check)
        window.map_changed.connect(self._check)
        window.atlas.level_shown.connect(self._check)
        window.jobs.failed.connect(self._on_failed)
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.timeout.connect(self._on_timeout)
        self._timeout.start(SCREENSHOT_TIMEOUT_S * 1000)
        self._scheduled = False
        self._polling = False
        QTimer.singleShot(0, self._check)  # the window may be ready already

    def _ready(self) -> bool:
        ws = self.window.workspace
        ready_3d = (not self.view_3d or not self.window.view3d.available
                    or self.window.view3d.projector is not None)
        return (ws is not None and not self.waiting_for_session
                and ws.projector.params.method == self.window.projection.method
                and (not ws.has_decoder
                     or self.window.decoder_view.decoded_pane.array is not None)
                and not self.window.jobs.running and not self.window.paths.thumbs.running
                and not self.window.view3d.jobs.running
                and self.window.atlas.settled and ready_3d)

    def _on_restored(self, session: object) -> None:
        self.waiting_for_session = False
        self._check()

    def _check(self) -> None:
        if self.exit_code is None and not self._scheduled and self._ready():
            self._scheduled = True
            # Let pending paints (legend, docks) finish before grabbing.
            QTimer.singleShot(300, self._take)
        elif (self.exit_code is None and not self._scheduled
              and self.window.workspace is not None and not self._polling):
            # A map with no decoder paints no decoded image, the last signal the other cases
            # wait for: look again shortly (its loading job may still be ending).
            self._polling = True
            QTimer.singleShot(250, self._poll)

    def _poll(self) -> None:
        self._polling = False
        self._check()

    def _take(self) -> None:
        if self.exit_code is not None:
            return
        if not self._ready():  # something started meanwhile (a projection, a decode)
            self._scheduled = False
            QTimer.singleShot(200, self._check)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        from latent_explorer.qt.images import save_png_atomic

        ok = save_png_atomic(self.window.grab(), self.path)
        if ok:
            print(f"saved screenshot {self.path}")
        else:
            self._fail(f"could not write {self.path}")
        self._finish(0 if ok else 2)

    def _on_failed(self, title: str, message: str, details: str) -> None:
        self._fail(message)
        self._finish(2)  # bad input (a dataset or model that does not open), as every command

    def _on_timeout(self) -> None:
        self._fail(f"the window was not ready after {SCREENSHOT_TIMEOUT_S} s")
        self._finish(1)

    def _fail(self, message: str) -> None:
        self.error = message
        if self.quit_app:  # the command line; the Python API raises the error instead
            print(f"latent-explorer: error: {message}", file=sys.stderr)

    def _finish(self, code: int) -> None:
        if self.exit_code is not None:
            return
        self.exit_code = code
        self._timeout.stop()
        if self.close_window:
            self.window.close()
        self.finished.emit(code)
        if self.quit_app:
            QApplication.instance().exit(code)  # type: ignore[union-attr]


def quit_on_termination(window: MainWindow) -> None:
    """Treat SIGTERM and SIGHUP (a logout, ``kill``, a service manager) like a quit.

    The window closes as if the user closed it: settings are saved, this run's recovery file
    is removed (it was no crash) and the workers stop. Python runs signal handlers only
    between bytecodes, which a Qt event loop waiting in C++ never reaches; the signal's
    wake-up byte on a socket that Qt watches brings control back to Python at once.
    """
    if sys.platform == "win32":
        return
    import signal
    import socket

    from PySide6.QtCore import QSocketNotifier

    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, window)

    def drain() -> None:
        with contextlib.suppress(OSError):
            reader.recv(64)

    notifier.activated.connect(drain)

    def on_signal(signum: int, frame: object) -> None:
        QTimer.singleShot(0, window.close)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    window._termination = (reader, writer, notifier)  # type: ignore[attr-defined]  # keep alive


def _print_timings(window: MainWindow) -> None:
    """Print wall-clock stamps of start-up events on stderr (read by ``bench``)."""
    QTimer.singleShot(0, lambda: print(f"timing window_visible {time.time()}", file=sys.stderr,
                                       flush=True))
    pane = window.decoder_view.decoded_pane
    done: list[bool] = []

    def on_painted() -> None:
        if pane.array is not None and not done:
            done.append(True)
            print(f"timing first_decode_visible {time.time()}", file=sys.stderr, flush=True)

    pane.painted.connect(on_painted)


def run_app(args: argparse.Namespace) -> int:
    """Open the window on ``args.dataset`` / ``args.model`` and run until it closes."""
    started = time.perf_counter()
    dataset, model = first_inputs(args)
    app = make_application()
    from latent_explorer.core.session.autosave import RecoveryStore
    from latent_explorer.qt.crash_handler import install_crash_handler

    recovery = None if args.screenshot else RecoveryStore()
    if recovery is not None:
        # What exports killed mid-write left beside their targets goes now; this run's
        # export folders are remembered for the next start.
        from latent_explorer.core.fileio import sweep_write_folders, track_write_folders

        sweep_write_folders(recovery.folder)
        track_write_folders(recovery.folder)
    window = MainWindow(use_cache=not args.no_cache, recovery=recovery)
    install_crash_handler(window)
    quit_on_termination(window)
    if getattr(args, "device", None):  # --device wins over the window's remembered choice
        from latent_explorer.core.models.families.devices import set_device_preference

        set_device_preference(args.device)
        window.device_menu.refresh(check_hardware=False)
    if args.projection:
        window.projection.method = args.projection
    if getattr(args, "atlas", None):
        window.atlas.set_mode(args.atlas)
    taker = None
    if args.screenshot:
        width, _, height = args.size.partition("x")
        window.resize(int(width), int(height))
        taker = ScreenshotTaker(window, Path(args.screenshot), view_3d=args.view == "3d",
                                session=bool(getattr(args, "session", None)))
    window.show()
    window.startup_s = time.perf_counter() - started  # type: ignore[attr-defined]
    if os.environ.get("LATENT_EXPLORER_TIMING"):
        _print_timings(window)
    failed: list[str] = []

    def first_load_failed(title: str, message: str, details: str) -> None:
        # What the user named on the command line does not open (e.g. a model that does not
        # fit the dataset): say so in one line and end with status 2, like every command.
        window.jobs.failed.disconnect(first_load_failed)
        failed.append(message)
        if taker is None:  # the screenshot taker has printed the same line already
            print(f"latent-explorer: error: {message}", file=sys.stderr)
        window.close()
        app.exit(2)

    def first_load() -> None:
        # What the command line asks for loads at once; a crashed session's recovery is
        # offered beside it, without blocking it.
        session = getattr(args, "session", None)
        if session:
            window.sessions.open_session(session, trust_code=args.trust_code)
        else:
            def ready(ws: object) -> None:
                window.jobs.failed.disconnect(first_load_failed)
                if args.view == "3d":
                    window.view3d.set_active(True)

            window.jobs.failed.connect(first_load_failed)
            window.open(dataset, model, args.trust_code, args.labels, on_ready=ready,
                        image_size=getattr(args, "image_size", None))
        window.sessions.offer_recovery()

    QTimer.singleShot(0, first_load)
    if not args.screenshot:
        # Compile UMAP in a background child now, so the user's first UMAP does not wait for
        # numba; the child is reused by later fits and stopped when the app ends.
        from latent_explorer.core.projection.umap_projector import enable_warm_umap

        enable_warm_umap(warm_up=True)
    code = app.exec()
    if not args.screenshot:
        from latent_explorer.core.projection.umap_projector import shutdown_warm_umap

        shutdown_warm_umap()
    if failed:
        return 2
    if taker is not None and taker.exit_code is not None:
        return taker.exit_code
    return int(code)


def first_inputs(args: argparse.Namespace) -> tuple[str | None, str]:
    """The dataset and model specs that ``gui``'s arguments ask to open first.

    ``--latents`` makes a ``vectors:`` spec (no decoder); ``--dataset`` without ``--model``
    asks for ``auto`` (the demo model where it fits, else the images' own pixels); nothing
    at all opens the demo.
    """
    from latent_explorer.core.compute.pipeline import AUTO_MODEL_SPEC
    from latent_explorer.core.compute.vectors_workspace import VectorsSpec
    from latent_explorer.core.errors import SpecError

    dataset, model = getattr(args, "dataset", None), getattr(args, "model", None)
    latents, metadata = getattr(args, "latents", None), getattr(args, "metadata", None)
    if latents:
        if model:
            raise SpecError("--latents opens vectors that have no decoder; leave out --model "
                            "(to decode latents of a model, give them as --dataset codes.zarr)")

        def absolute(path: str | None) -> str | None:
            return None if path is None else str(Path(path).expanduser().resolve())

        return None, VectorsSpec(absolute(latents), absolute(dataset),
                                 absolute(metadata)).to_spec()
    if metadata:
        raise SpecError("--metadata goes with --latents; for a dataset, put metadata.csv "
                        "beside it or use Load metadata in the Colour panel")
    if model:
        return dataset or "digits", model
    return (dataset, AUTO_MODEL_SPEC) if dataset else ("digits", "demo")
