"""Saving and opening session files (``.lxs``).

A session file is a zip archive holding ``session.json`` (see
:mod:`latent_explorer.core.session.schema`) and ``arrays.npz`` (``np.savez``). It is written
atomically, so a crash while saving leaves the previous file intact. Opening one only parses
JSON and reads plain numeric arrays (``allow_pickle=False``): nothing in it is ever executed,
and every way it can be broken ends in one :class:`SessionError` that says what is wrong.
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
from latent_explorer.core.session.data import SessionData
from latent_explorer.core.session.reader import decode_session
from latent_explorer.core.session.schema import (
    Arrays,
    SessionError,
    encode_session,
    migrate,
)

__all__ = ["SESSION_SUFFIX", "SessionError", "load_session", "save_session", "session_digest"]

SESSION_SUFFIX = ".lxs"
JSON_MEMBER = "session.json"
ARRAYS_MEMBER = "arrays.npz"
MAX_JSON_BYTES = 32 * 1024 * 1024
MAX_ARRAY_BYTES = 2 * 1024**3
"""Refuse members claiming more than this: a damaged size must not exhaust memory."""

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


def load_session(path: str | Path) -> SessionData:
    """Open a session file of this or any older schema version.

    Raises
    ------
    SessionError
        If the file is missing, no zip archive, lacks ``session.json`` or ``arrays.npz``,
        holds invalid JSON, comes from a newer version of the app, or a field has the wrong
        type, shape or a non-finite value. Never any other exception for a bad file.
    """
    source = Path(path)
    where = str(source)
    if not source.is_file():
        raise SessionError(source, "no such file" if not source.exists() else "is not a file")
    try:
        with zipfile.ZipFile(source) as archive:
            json_bytes = _member(archive, JSON_MEMBER, MAX_JSON_BYTES, where) or b""
            npz_bytes = _member(archive, ARRAYS_MEMBER, MAX_ARRAY_BYTES, where, optional=True)
    except SessionError:
        raise
    except zipfile.BadZipFile:
        raise SessionError(source, "is not a Latent Explorer session (not a zip archive)"
                           ) from None
    except _READ_ERRORS as exc:
        raise SessionError(source, f"is damaged and cannot be read ({_why(exc)})") from None
    doc = migrate(_parse_json(json_bytes, where), where)
    arrays = {} if npz_bytes is None else read_npz(npz_bytes, where)
    return decode_session(doc, arrays, where)


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
        digest.update(array.tobytes())
    return digest.hexdigest()


def _serialise(session: SessionData, target: Path) -> tuple[bytes, bytes]:
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
    return text.encode("utf-8"), buffer.getvalue()


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


def read_npz(data: bytes, where: str) -> Arrays:
    """The numeric arrays of an ``.npz`` held in memory; never unpickles anything.

    Each member's header is checked against its real size before the array is allocated.
    """
    arrays: Arrays = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                if info.file_size > MAX_ARRAY_BYTES:
                    raise SessionError(where, f"{ARRAYS_MEMBER}: {info.filename} is too large")
                with archive.open(info) as stream:
                    raw = stream.read(MAX_ARRAY_BYTES + 1)
                arrays[info.filename.removesuffix(".npy")] = _read_npy(raw, info.filename, where)
    except SessionError:
        raise
    except _READ_ERRORS as exc:
        raise SessionError(where, f"{ARRAYS_MEMBER} is damaged ({_why(exc)})") from None
    return arrays


def _read_npy(raw: bytes, name: str, where: str) -> np.ndarray[Any, Any]:
    stream = io.BytesIO(raw)
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
    else:
        raise SessionError(where, f"{ARRAYS_MEMBER}: {name} has an unknown .npy version")
    if dtype.hasobject or dtype.kind not in "biuf":
        raise SessionError(where, f"{ARRAYS_MEMBER}: {name} holds {dtype}, not numbers")
    count = 1
    for size in shape:
        count *= int(size)
    if count * dtype.itemsize != len(raw) - stream.tell():
        raise SessionError(where, f"{ARRAYS_MEMBER}: {name} is cut short or padded (its "
                                  f"header says shape {shape})")
    array = np.frombuffer(raw, dtype=dtype, count=count, offset=stream.tell())
    return array.reshape(shape, order="F" if fortran else "C").copy()


def _why(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
