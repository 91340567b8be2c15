"""Switching a set of files, a folder, or a file and the one it names, as a whole.

One rename switches one file. A render of PNG frames into a pattern (``walk_%04d.png``) puts
many files into a folder that holds other files too, and a trained model is a ``model.json``
plus the weights it names: done one rename at a time, a kill in between would leave frame 1
of the new walk beside frames 2-3000 of the old one, or new weights under an old
``model.json``.

So a switch is written down before anything moves: a *switch record*, a small JSON file named
like the app's other temporary files (``.walk_%04d.png.<pid>-<token>.switch``, beside the
staging folder ``.walk_%04d.png.<pid>-<token>.part`` it belongs to), flushed to disk. From that
moment the new version wins: the files are moved in, the old files the new version does not
replace are removed, and the record goes last. Every step can be done again safely, so a
process killed in between leaves a record that the next start of any command (the sweep in
:mod:`latent_explorer.core.fileio`) finishes the same way. A record cut short while it was
being written does not parse: nothing had moved yet, so its staging folder is thrown away and
the old version stays whole.

Kinds of switch:

``files``
    Files from the staging folder into its parent folder (a frame pattern).
``folder``
    The staging folder in place of a folder (``walk/``): the old one is first renamed aside to
    ``.walk.<pid>-<token>.old``, then removed.
``manifest``
    A file (``model.json``) that names one of two files (its new or its old weights): the
    one it does not name when the switch ends is removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from latent_explorer.core.pause_points import pause_point

RECORD_KIND = "switch"
"""The last part of a switch record's name."""
_RECORD_NAME = re.compile(r"^\.(?P<target>.+)\.(?P<stamp>[0-9]+-[0-9a-f]{8})\.switch$")
_VERSION = 1


def record_of(staging: Path) -> Path:
    """The switch record that belongs to the staging folder ``staging`` (``….part``)."""
    return staging.with_name(staging.name.removesuffix(".part") + f".{RECORD_KIND}")


def switch_files(staging: Path, names: Sequence[str], remove: Sequence[str] = ()) -> None:
    """Move the files ``names`` from ``staging`` into its parent folder (replacing files of
    those names) and remove the files ``remove`` there, as one switch; ``staging`` goes too.

    Raises
    ------
    OSError
        When the record cannot be written (nothing has moved then) or a move fails (the
        record stays, and the next start finishes the switch).
    """
    keep = set(names)
    record = {"version": _VERSION, "kind": "files", "names": list(names),
              "remove": [name for name in remove if name not in keep]}
    _switch(record_of(staging), record)


def switch_folder(staging: Path, target: Path) -> None:
    """Put the folder ``staging`` in place of the folder ``target`` (which may not exist yet),
    as one switch; the old folder is removed."""
    if staging.parent != target.parent:
        raise ValueError(f"{staging} and {target} must be in one folder")
    _switch(record_of(staging), {"version": _VERSION, "kind": "folder"})


def begin_manifest_switch(manifest: Path, new: str, old: str | None,
                          key: str = "weights") -> Path:
    """Record that ``manifest`` (a JSON file) is about to name ``new`` instead of ``old``
    under ``key``; returns the record. Write ``new``, then ``manifest``, then call
    :func:`finish_switch` with the record, also when the writes failed: the file the
    manifest does not name then is removed."""
    record = manifest.with_name(f".{manifest.name}.{os.getpid()}-{secrets.token_hex(4)}."
                                f"{RECORD_KIND}")
    _write_record(record, {"version": _VERSION, "kind": "manifest", "key": key, "new": new,
                           "old": old})
    return record


def finish_switch(record: Path) -> bool:
    """Finish (or, if it was cut short, drop) the switch that ``record`` describes.

    Returns ``True`` when the switch is done, ``False`` when the record was incomplete or
    damaged (then nothing had moved: the staging folder and the record are removed).

    Raises
    ------
    OSError
        When a step fails; the record stays, so a later call can finish it.
    """
    match = _RECORD_NAME.match(record.name)
    doc = _read_record(record) if match is not None else None
    staging = record.with_name(record.name.removesuffix(f".{RECORD_KIND}") + ".part")
    if doc is None or match is None:
        shutil.rmtree(staging, ignore_errors=True)
        record.unlink(missing_ok=True)
        return False
    folder = record.parent
    target = folder / match["target"]
    if doc["kind"] == "files":
        _move_files(staging, folder, doc["names"], doc["remove"])
    elif doc["kind"] == "folder":
        _move_folder(staging, target, record.with_name(staging.name.removesuffix(".part")
                                                       + ".old"))
    else:
        _keep_the_named(target, doc["key"], doc["new"], doc["old"])
    _sync_folder(folder)
    record.unlink(missing_ok=True)
    return True


def _switch(record: Path, doc: dict[str, Any]) -> None:
    staging = record.with_name(record.name.removesuffix(f".{RECORD_KIND}") + ".part")
    _sync_folder(staging)  # the staged files' names are on disk before the switch begins
    _write_record(record, doc)
    pause_point("switch-committed")
    finish_switch(record)


def _move_files(staging: Path, folder: Path, names: list[str], remove: list[str]) -> None:
    for name in names:
        source = staging / name
        if source.exists():  # not moved yet (each os.replace is atomic)
            os.replace(source, folder / name)
            pause_point("switch-moved")
    for name in remove:
        (folder / name).unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)


def _move_folder(staging: Path, target: Path, old: Path) -> None:
    if staging.exists():
        if target.exists() or target.is_symlink():
            os.replace(target, old)
            pause_point("switch-moved")
        os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def _keep_the_named(manifest: Path, key: str, new: str, old: str | None) -> None:
    try:
        named = json.loads(manifest.read_text(encoding="utf-8")).get(key)
    except (OSError, ValueError, AttributeError):
        named = None  # no manifest (a first save killed early): the new file is an orphan
    for candidate in (new, old):
        if candidate and candidate != named:
            (manifest.parent / candidate).unlink(missing_ok=True)


def _write_record(path: Path, doc: dict[str, Any]) -> None:
    data = json.dumps(doc).encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    os.close(fd)
    _sync_folder(path.parent)


def _read_record(path: Path) -> dict[str, Any] | None:
    """The record's content when it is whole and well-formed, else ``None``."""
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("version") != _VERSION:
        return None
    kind = doc.get("kind")
    if kind == "files":
        names, remove = doc.get("names"), doc.get("remove")
        if _plain_names(names) and _plain_names(remove):
            return doc
    elif kind == "folder":
        return doc
    elif kind == "manifest":
        old = doc.get("old")
        if isinstance(doc.get("key"), str) and _plain_names([doc.get("new")]) \
                and (old is None or _plain_names([old])):
            return doc
    return None


def _plain_names(names: Any) -> bool:
    """Whether ``names`` is a list of file names within one folder (no paths, no hidden)."""
    return isinstance(names, list) and all(
        isinstance(name, str) and name and not name.startswith(".") and "/" not in name
        and "\\" not in name and "\0" not in name for name in names)


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries (renames, new names) to disk, where the system allows it."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
