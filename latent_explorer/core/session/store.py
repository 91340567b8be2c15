"""Saving and opening session files (``.lxs``).

A session file is a zip archive holding ``session.json`` (see
:mod:`latent_explorer.core.session.schema`) and ``arrays.npz`` (``np.savez``). It is written
atomically, so a crash while saving leaves the previous file intact. Opening one only parses
JSON and reads plain numeric arrays (``allow_pickle=False``): nothing in it is ever executed,
and every way it can be broken ends in one :class:`SessionError` that says what is wrong.

Memory is bounded by what the file declares, checked before anything large is read: only the
arrays that ``session.json`` refers to are read (other members are skipped unread), and what
opening would hold in memory, counted from their declared sizes, must stay under
:data:`MAX_ARRAYS_BYTES` and under the share of the machine's free memory a file may take
(:mod:`latent_explorer.core.memory_budget`). That count is what is materialised: each array's
bytes once, plus one copy per field that refers to it (forty bookmarks naming one array make
forty copies). ``arrays.npz`` is streamed out of the session file, never held whole in
memory.
"""

from __future__ import annotations

import hashlib
import io
import json
import tokenize
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from latent_explorer.core.fileio import atomic_writer
from latent_explorer.core.jobs import JobContext, null_context
from latent_explorer.core.memory_budget import memory_budget
from latent_explorer.core.session.data import SessionData
from latent_explorer.core.session.reader import decode_session
from latent_explorer.core.session.schema import (
    Arrays,
    SessionError,
    encode_session,
    migrate,
    referenced_arrays,
)
from latent_explorer.core.sizes import format_size

__all__ = ["SESSION_SUFFIX", "SessionError", "load_session", "save_session", "session_digest"]

SESSION_SUFFIX = ".lxs"
JSON_MEMBER = "session.json"
ARRAYS_MEMBER = "arrays.npz"
MAX_JSON_BYTES = 32 * 1024 * 1024
MAX_ARRAYS_BYTES = 512 * 1024**2
"""Refuse sessions whose arrays would hold more than this in memory, every copy counted (a map
of a million points takes 16 MB): a small, damaged or hostile file must not exhaust memory."""
_MAX_HEADER_BYTES = 64 * 1024

Wanted = dict[str, list[int]]
"""Member name -> the bytes per value of each copy the reader makes of it."""

# Everything zipfile, zlib and numpy raise for damaged archives and arrays.
_READ_ERRORS = (OSError, EOFError, ValueError, zipfile.BadZipFile, zipfile.LargeZipFile,
                zlib.error, NotImplementedError, RuntimeError, KeyError, TypeError,
                OverflowError, MemoryError, tokenize.TokenError, SyntaxError)


def save_session(path: str | Path, session: SessionData) -> Path:
    """Write ``session`` to ``path`` atomically and return the path.

    Raises
    ------
    SessionError
        If the session holds something that could not be read back (a NaN, an unknown
        projection method, latents of different sizes, ...); nothing is written then.
    OSError
        If the folder cannot be written; an existing file at ``path`` stays as it was.
    """
    target = Path(path)
    json_bytes, npz_bytes = _serialise(session, target)
    with atomic_writer(target) as stream, zipfile.ZipFile(stream, "w") as archive:
        archive.writestr(JSON_MEMBER, json_bytes, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(ARRAYS_MEMBER, npz_bytes, compress_type=zipfile.ZIP_STORED)
    return target


def load_session(path: str | Path, ctx: JobContext | None = None) -> SessionData:
    """Open a session file of this or any older schema version.

    ``ctx`` (optional) receives progress as the arrays are read and can cancel.

    Raises
    ------
    SessionError
        If the file is missing, no zip archive, lacks ``session.json`` or ``arrays.npz``,
        holds invalid JSON, comes from a newer version of the app, declares arrays that would
        take more memory than :data:`MAX_ARRAYS_BYTES` (or the machine's budget for one file),
        or a field has the wrong type, shape or a non-finite value. Never any other exception
        for a bad file.
    JobCancelled
        If ``ctx`` was cancelled.
    """
    ctx = ctx or null_context()
    source = Path(path)
    where = str(source)
    if not source.is_file():
        raise SessionError(source, "no such file" if not source.exists() else "is not a file")
    try:
        with zipfile.ZipFile(source) as archive:
            json_bytes = _member(archive, JSON_MEMBER, MAX_JSON_BYTES, where) or b""
            doc = migrate(_parse_json(json_bytes, where), where)
            arrays = _read_arrays(archive, referenced_arrays(doc), where, ctx)
    except SessionError:
        raise
    except zipfile.BadZipFile:
        raise SessionError(source, "is not a Latent Explorer session (not a zip archive)"
                           ) from None
    except _READ_ERRORS as exc:
        raise SessionError(source, f"is damaged and cannot be read ({_why(exc)})") from None
    try:
        return decode_session(doc, arrays, where)
    except MemoryError:
        raise SessionError(source, "needs more memory than is free to open it") from None


def _read_arrays(archive: zipfile.ZipFile, wanted: Wanted, where: str,
                 ctx: JobContext) -> Arrays:
    """The arrays named in ``wanted``, streamed from ``arrays.npz`` inside ``archive``."""
    if not wanted:
        return {}
    try:
        info = archive.getinfo(ARRAYS_MEMBER)
    except KeyError:
        return {}
    try:
        with archive.open(info) as stream, zipfile.ZipFile(stream) as npz:
            return read_npz_members(npz, wanted, where, ctx)
    except SessionError:
        raise
    except zipfile.BadZipFile as exc:
        raise SessionError(where, f"{ARRAYS_MEMBER} is damaged ({_why(exc)})") from None


def session_digest(session: SessionData) -> str:
    """A hash of everything that would be saved: equal digests mean an identical file.

    Cheap enough to call every few seconds (no zip, no compression): autosave compares it.
    """
    doc, arrays = encode_session(session)
    doc.pop("app_version", None)
    digest = hashlib.sha256(json.dumps(doc, sort_keys=True, default=repr).encode())
    for key in sorted(arrays):
        array = arrays[key]
        digest.update(f"\x1f{key}{array.dtype.str}{array.shape}".encode())
        # The array's own memory, not a copy: hashing it lets go of the GIL, so an autosave
        # hashing a million-point map on its thread leaves the GUI thread free meanwhile.
        digest.update(np.ascontiguousarray(array).data)
    return digest.hexdigest()


def _serialise(session: SessionData, target: Path) -> tuple[bytes, memoryview]:
    try:
        doc, arrays = encode_session(session)
        text = json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError, OverflowError) as exc:
        raise SessionError(target, f"cannot be saved: {exc}") from None
    for key, array in arrays.items():
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            raise SessionError(target, f"cannot be saved: {key} holds NaN or infinite values")
    try:  # refuse to write what could not be read back
        decode_session(doc, arrays, str(target))
    except SessionError as exc:
        raise SessionError(target, f"cannot be saved: {exc.problem}") from None
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    return text.encode("utf-8"), buffer.getbuffer()  # no copy of the arrays


def _member(archive: zipfile.ZipFile, name: str, limit: int, where: str,
            optional: bool = False) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        if optional:
            return None
        raise SessionError(where, f"is not a Latent Explorer session (no {name} inside)"
                           ) from None
    if info.file_size > limit:
        raise SessionError(where, f"{name} is too large ({info.file_size:,} bytes)")
    with archive.open(info) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise SessionError(where, f"{name} is too large")
    return data


def _parse_json(data: bytes, where: str) -> dict[str, Any]:
    def reject(name: str) -> Any:
        raise ValueError(f"holds {name}, which a session never contains")

    try:
        doc = json.loads(data.decode("utf-8"), parse_constant=reject)
    except UnicodeDecodeError:
        raise SessionError(where, f"{JSON_MEMBER} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise SessionError(where, f"{JSON_MEMBER} is not valid JSON ({exc.msg}, line "
                                  f"{exc.lineno})") from None
    except (ValueError, RecursionError) as exc:
        raise SessionError(where, f"{JSON_MEMBER} cannot be read ({_why(exc)})") from None
    if not isinstance(doc, dict):
        raise SessionError(where, f"{JSON_MEMBER} must hold a JSON object")
    return doc


def read_npz(data: bytes, where: str, wanted: Wanted | None = None) -> Arrays:
    """The numeric arrays of an ``.npz`` held in memory (those in ``wanted``, or all).

    Never unpickles anything; see :func:`read_npz_members` for the checks.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if wanted is None:
                wanted = {n.removesuffix(".npy"): [] for n in archive.namelist()
                          if n.endswith(".npy")}
            return read_npz_members(archive, wanted, where, null_context())
    except SessionError:
        raise
    except _READ_ERRORS as exc:
        raise SessionError(where, f"{ARRAYS_MEMBER} is damaged ({_why(exc)})") from None


def read_npz_members(archive: zipfile.ZipFile, wanted: Wanted, where: str,
                     ctx: JobContext) -> Arrays:
    """Read the members of an ``.npz`` archive named in ``wanted`` (others stay unread).

    ``wanted`` maps each member to the bytes per value of the copies that will be made of it
    (see :func:`~latent_explorer.core.session.schema.referenced_arrays`). First every wanted
    member's ``.npy`` header is read and checked against the member's size, and what they
    would hold in memory is added up (each array once, plus its copies): more than
    :data:`MAX_ARRAYS_BYTES`, or than the machine's memory budget, is refused before any
    array data is read. Then the arrays are read one by one.
    """
    members = []
    for name in sorted(wanted):
        try:
            members.append((name, archive.getinfo(f"{name}.npy")))
        except KeyError:
            continue  # the reader names the field that refers to a missing array
    members.sort(key=lambda item: item[1].header_offset)  # stream forwards
    headers = []
    total = 0
    held = 0
    cap = min(MAX_ARRAYS_BYTES, memory_budget().size)
    for name, info in members:
        with archive.open(info) as stream:
            head = stream.read(_MAX_HEADER_BYTES)
        shape, fortran, dtype, offset = _npy_header(head, name, where)
        count = 1
        for size in shape:
            count *= int(size)
        nbytes = count * dtype.itemsize
        if info.file_size != offset + nbytes:
            raise SessionError(where, f"{ARRAYS_MEMBER}: {name} is cut short or padded (its "
                                      f"header says shape {shape})")
        total += nbytes
        copies = wanted[name]
        held += nbytes + count * sum(copies)
        if held > cap:
            raise SessionError(where, f"{ARRAYS_MEMBER} declares arrays that would take more "
                                      f"than {format_size(cap)} of memory"
                                      f"{_reused(name, copies)}, more than a session holds "
                                      "here; it is damaged or not a session")
        headers.append((name, info, shape, fortran, dtype, offset, nbytes))
    arrays: Arrays = {}
    done = 0
    for name, info, shape, fortran, dtype, offset, nbytes in headers:
        ctx.check()
        with archive.open(info) as stream:
            stream.read(offset)
            raw = stream.read(nbytes)
        if len(raw) != nbytes:
            raise SessionError(where, f"{ARRAYS_MEMBER}: {name} is cut short")
        array = np.frombuffer(raw, dtype=dtype, count=nbytes // max(dtype.itemsize, 1))
        arrays[name] = array.reshape(shape, order="F" if fortran else "C")
        done += nbytes
        ctx.progress(done / total if total else 1.0, "Reading the session's arrays")
    return arrays


def _reused(name: str, copies: list[int]) -> str:
    if len(copies) < 2:
        return ""
    return f" ({len(copies)} fields refer to {name}, and each gets its own copy)"


def _npy_header(head: bytes, name: str, where: str) -> tuple[Any, bool, np.dtype[Any], int]:
    stream = io.BytesIO(head)
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
    else:
        raise SessionError(where, f"{ARRAYS_MEMBER}: {name} has an unknown .npy version")
    if dtype.hasobject or dtype.kind not in "biuf":
        raise SessionError(where, f"{ARRAYS_MEMBER}: {name} holds {dtype}, not numbers")
    return shape, bool(fortran), dtype, stream.tell()


def _why(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
