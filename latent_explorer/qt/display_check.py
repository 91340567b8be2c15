"""Whether Qt can open a window here, asked before Qt starts.

On Linux, Qt aborts the whole process (exit status 134, "Reinstalling the application may fix
this problem") when it finds no display or cannot load its X11 platform plugin, most often
because the system lacks ``libxcb-cursor0``. Nothing after that abort can explain it, so the
window asks first: is there a display to connect to, and do the libraries of Qt's X11 (xcb)
plugin load? The answer is one line saying what is missing and what to do.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from latent_explorer.core.errors import LatentExplorerError

XCB_PACKAGES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
}
"""Libraries that Qt's xcb plugin loads and a minimal Linux system may lack, with the
Debian/Ubuntu package that brings each (the README lists them for a Linux desktop)."""

HEADLESS_HINT = ("'latent-explorer gui --screenshot window.png' (or QT_QPA_PLATFORM=offscreen, "
                 "or xvfb-run -a latent-explorer)")
"""What works where no window can open."""

_NEEDS_X11 = ("xcb",)
_FINE = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb", "minimalegl", "vkkhrdisplay")


class NoDisplayError(LatentExplorerError):
    """No window can open here (no display, or Qt's X11 plugin cannot load)."""


Loader = Callable[[str], object]
Connector = Callable[[str], bool]


def display_problem(environ: Mapping[str, str] | None = None, load: Loader | None = None,
                    connect: Connector | None = None,
                    platform: str | None = None) -> str | None:
    """Why Qt could not open a window here, in one line, or ``None`` when it can.

    Parameters
    ----------
    environ
        The environment to judge (default: this process's).
    load
        Loads a shared library by path and raises ``OSError`` naming what is missing (default:
        :class:`ctypes.CDLL`); tests pass one that fails as a system without a library would.
    connect
        Whether an X server answers at a ``DISPLAY`` value (default: asked through libxcb).
    platform
        ``sys.platform`` (default: this one's). Only Linux (and other X11 systems) can lack a
        display; macOS and Windows always have theirs.
    """
    env = os.environ if environ is None else environ
    if not (platform or sys.platform).startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return None
    asked = [part.split(":")[0].strip() for part in env.get("QT_QPA_PLATFORM", "").split(";")]
    asked = [name for name in asked if name]
    if any(name in _FINE for name in asked):
        return None  # a platform that needs no screen, asked for on purpose
    wayland = bool(env.get("WAYLAND_DISPLAY")) and (not asked or "wayland" in asked)
    if wayland or (asked and not any(name in _NEEDS_X11 for name in asked)):
        return None  # a Wayland session (or a platform this check does not know): Qt's call
    display = env.get("DISPLAY", "")
    if not display:
        return ("cannot open a window: there is no display (DISPLAY is not set); without a "
                f"screen, use {HEADLESS_HINT}")
    missing = _missing_xcb_library(load or ctypes.CDLL)
    if missing is not None:
        library, why = missing
        package = XCB_PACKAGES.get(library)
        install = (f"install the package {package} (sudo apt install {package} on Debian and "
                   "Ubuntu)" if package else f"install the system package that provides "
                   f"{library}")
        return (f"cannot open a window: Qt's X11 plugin cannot load {library} ({why}); "
                f"{install}; without a window, use {HEADLESS_HINT}")
    if not (connect or _can_connect)(display):
        return (f"cannot open a window: the display {display} (DISPLAY) does not answer; check "
                f"that its X server runs and lets this user in; without a screen, use "
                f"{HEADLESS_HINT}")
    return None


def check_display() -> None:
    """Raise :class:`NoDisplayError` (one line: what is missing, what to do) when Qt could not
    open a window here."""
    problem = display_problem()
    if problem is not None:
        raise NoDisplayError(problem)


def use_offscreen_if_no_display() -> bool:
    """For work that needs no screen (``--screenshot``): draw offscreen where no window can
    open. Returns whether it switched."""
    if display_problem() is None:
        return False
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return True


def _missing_xcb_library(load: Loader) -> tuple[str, str] | None:
    """The library (file name) that keeps Qt's xcb plugin from loading and why, or ``None``.

    The dynamic loader names the first library it could not load: ``libxcb-cursor.so.0:
    cannot open shared object file: No such file or directory``.
    """
    plugin = _xcb_plugin()
    if plugin is None:
        return None  # no plugin file to try (a frozen bundle lays it out its own way)
    try:
        load(plugin)
    except OSError as exc:
        path, _, why = str(exc).partition(": ")
        why = why.strip() or "it did not load"
        if "No such file" in why:
            why = "not installed"
        return Path(path.strip()).name or str(exc), why
    return None


def _xcb_plugin() -> str | None:
    from PySide6.QtCore import QLibraryInfo  # QtCore starts no platform: safe to ask

    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    path = folder / "platforms" / "libqxcb.so"
    return str(path) if path.is_file() else None


def _can_connect(display: str) -> bool:
    """Whether an X server answers at ``display`` (asked through libxcb, as Qt would)."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return True  # nothing to ask with; the plugin loaded, so Qt will say
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    try:
        return bool(connection) and xcb.xcb_connection_has_error(connection) == 0
    finally:
        if connection:
            xcb.xcb_disconnect(connection)
