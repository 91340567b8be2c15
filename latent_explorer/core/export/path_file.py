"""Path files: a small JSON document holding everything needed to render a path again.

A path file stores the anchors as latent vectors (so it renders without the dataset), the
dataset indices they came from when known, the path settings (interpolation, frame count,
easing, loop, ping-pong, holds) and the render settings (fps, size, scaling, class label),
plus the dataset and model specifications. Loading only parses JSON and checks every field;
nothing in the file is ever executed.

Example::

    {
      "schema": "latent-explorer-path",
      "version": 1,
      "dataset": "digits",
      "model": "demo",
      "latent_dim": 2,
      "anchors": [{"latent": [0.1, -1.2], "index": 12}, {"latent": [0.8, 0.3], "index": 345}],
      "path": {"interp": "slerp", "frames": 120, "frames_per_segment": null,
               "easing": "linear", "loop": true, "pingpong": false, "hold": 0},
      "render": {"fps": 30, "size": 512, "scale": "nearest", "label": null}
    }
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import InputFileError
from latent_explorer.core.fileio import atomic_write_text
from latent_explorer.core.interpolation.easing import EASINGS
from latent_explorer.core.interpolation.paths import INTERPOLATIONS

SCHEMA = "latent-explorer-path"
VERSION = 1
SCALINGS: tuple[str, ...] = ("nearest", "smooth")
_MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, eq=False)
class PathFile:
    """The contents of a path file.

    ``frames`` is the total number of frames of the render; ``frames_per_segment`` is the
    alternative way to say it (one of them, or neither for the default, is set).
    """

    anchors: npt.NDArray[np.float32]
    """``(K, latent_dim)`` anchor latents, K >= 1."""
    indices: tuple[int | None, ...] | None = None
    """Dataset index of each anchor, where it was a dataset sample."""
    interp: str = "slerp"
    frames: int | None = None
    frames_per_segment: int | None = None
    easing: str = "linear"
    loop: bool = False
    pingpong: bool = False
    hold: int | tuple[int, ...] = 0
    """Extra frames each anchor is held for: one count for all, or one per anchor."""
    fps: float = 30.0
    size: int = 512
    """Long side of the output frames in pixels."""
    scale: str = "nearest"
    label: int | None = None
    """Class for a conditional decoder."""
    dataset: str | None = None
    model: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Top-level keys this version does not know, kept so a save does not lose them."""

    @property
    def latent_dim(self) -> int:
        """Values per anchor latent."""
        return int(self.anchors.shape[1])

    def to_json(self) -> dict[str, Any]:
        """The JSON document (a plain dict)."""
        anchors = []
        for i, row in enumerate(np.asarray(self.anchors, dtype=np.float64)):
            entry: dict[str, Any] = {"latent": [float(v) for v in row]}
            if self.indices is not None and self.indices[i] is not None:
                entry["index"] = int(self.indices[i])  # type: ignore[arg-type]
            anchors.append(entry)
        return {
            **self.extra,
            "schema": SCHEMA,
            "version": VERSION,
            "dataset": self.dataset,
            "model": self.model,
            "latent_dim": self.latent_dim,
            "anchors": anchors,
            "path": {"interp": self.interp, "frames": self.frames,
                     "frames_per_segment": self.frames_per_segment, "easing": self.easing,
                     "loop": self.loop, "pingpong": self.pingpong,
                     "hold": list(self.hold) if isinstance(self.hold, tuple) else self.hold},
            "render": {"fps": self.fps, "size": self.size, "scale": self.scale,
                       "label": self.label},
        }


def save_path_file(path: str | Path, spec: PathFile) -> Path:
    """Write ``spec`` as JSON at ``path``, atomically (a temporary file renamed into place)."""
    target = Path(path)
    _validate(target, spec.to_json())  # refuse to write what could not be read back
    text = json.dumps(spec.to_json(), indent=2, allow_nan=False) + "\n"
    return atomic_write_text(target, text)


def _is_session(source: Path) -> bool:
    """Whether ``source`` is a zip archive holding ``session.json`` (a ``.lxs`` session)."""
    import zipfile

    with source.open("rb") as stream:
        if stream.read(4) != b"PK\x03\x04":
            return False
    try:
        with zipfile.ZipFile(source) as archive:
            return "session.json" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return source.suffix.lower() == ".lxs"


def load_path_file(path: str | Path) -> PathFile:
    """Read and check a path file.

    Raises
    ------
    InputFileError
        If the file is missing, is not JSON, is no path file (schema), comes from a newer
        version, or a field has the wrong type, shape or a non-finite value.
    """
    source = Path(path)
    try:
        if source.stat().st_size > _MAX_BYTES:
            raise InputFileError(source, "is too large to be a path file")
        if _is_session(source):
            raise InputFileError(
                source, f"is a session file, not a path file: open it with 'latent-explorer "
                f"gui --session {source}', then File > Export Path renders its path (File > "
                "Save Path File writes a path file for 'render --path-file')")
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(source, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(source, f"cannot be read ({exc})") from exc
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InputFileError(source, f"is not valid JSON ({exc.msg}, line {exc.lineno})"
                             ) from None
    except ValueError as exc:
        raise InputFileError(source, str(exc)) from None
    except RecursionError:  # json recurses once per nesting level: "[[[[..." exhausts it
        raise InputFileError(source, "is nested too deeply to be a path file") from None
    return _validate(source, data)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"holds {name}, which is not a number a path can use")


def _validate(source: Path, data: Any) -> PathFile:
    def fail(problem: str) -> InputFileError:
        return InputFileError(source, problem)

    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise fail(f"is not a Latent Explorer path file (no \"schema\": \"{SCHEMA}\")")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise fail("has no valid \"version\"")
    if version > VERSION:
        raise fail(f"was written by a newer Latent Explorer (path file version {version}; "
                   f"this one reads version {VERSION})")
    anchors, indices = _anchors(data.get("anchors"), fail)
    dim = data.get("latent_dim", anchors.shape[1])
    if not _is_int(dim) or dim != anchors.shape[1]:
        raise fail(f"\"latent_dim\" is {dim!r} but the anchors have {anchors.shape[1]} values")
    path = _section(data, "path", fail)
    render = _section(data, "render", fail)
    if path.get("loop") is True and path.get("pingpong") is True:
        raise fail("\"loop\" and \"pingpong\" are both true; a path does one or the other")
    known = {"schema", "version", "dataset", "model", "latent_dim", "anchors", "path",
             "render"}
    return PathFile(
        anchors=anchors, indices=indices,
        interp=_choice(path, "interp", INTERPOLATIONS, "slerp", fail),
        frames=_count(path, "frames", 2, fail),
        frames_per_segment=_count(path, "frames_per_segment", 1, fail),
        easing=_choice(path, "easing", tuple(EASINGS), "linear", fail),
        loop=_flag(path, "loop", fail), pingpong=_flag(path, "pingpong", fail),
        hold=_holds(path.get("hold", 0), len(anchors), fail),
        fps=_fps(render.get("fps", 30.0), fail),
        size=_count(render, "size", 1, fail) or 512,
        scale=_choice(render, "scale", SCALINGS, "nearest", fail),
        label=_count(render, "label", 0, fail),
        dataset=_text(data, "dataset", fail), model=_text(data, "model", fail),
        extra={k: v for k, v in data.items() if k not in known},
    )


def _anchors(raw: Any, fail: Any) -> tuple[npt.NDArray[np.float32], tuple[int | None, ...] | None]:
    if not isinstance(raw, list) or not raw:
        raise fail("\"anchors\" must be a non-empty list")
    rows: list[list[float]] = []
    indices: list[int | None] = []
    for number, entry in enumerate(raw, start=1):
        latent = entry.get("latent") if isinstance(entry, dict) else None
        if not isinstance(latent, list) or not latent:
            raise fail(f"anchor {number} has no \"latent\" list of numbers")
        if not all(_is_number(v) and math.isfinite(v) for v in latent):
            raise fail(f"anchor {number}'s latent holds something other than finite numbers")
        if rows and len(latent) != len(rows[0]):
            raise fail(f"anchor {number} has {len(latent)} latent values, anchor 1 has "
                       f"{len(rows[0])}")
        index = entry.get("index")
        if index is not None and (not _is_int(index) or index < 0):
            raise fail(f"anchor {number}'s \"index\" must be a sample number >= 0")
        rows.append([float(v) for v in latent])
        indices.append(index)
    with np.errstate(over="ignore"):  # too large for float32 becomes inf, refused below
        array = np.asarray(rows, dtype=np.float32)
    if not np.all(np.isfinite(array)):
        raise fail("an anchor latent is too large for 32-bit floats")
    return array, (tuple(indices) if any(i is not None for i in indices) else None)


def _section(data: dict[str, Any], key: str, fail: Any) -> dict[str, Any]:
    value = data.get(key, {})
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise fail(f"\"{key}\" must be an object")
    return value


def _choice(section: dict[str, Any], key: str, options: tuple[str, ...], default: str,
            fail: Any) -> str:
    value = section.get(key, default)
    if isinstance(value, str):
        value = value.replace("-", "_")  # "ease-in-out" as typed on the command line
    if value not in options:
        raise fail(f"\"{key}\" is {value!r}; expected one of {', '.join(options)}")
    return str(value)


def _count(section: dict[str, Any], key: str, minimum: int, fail: Any) -> int | None:
    value = section.get(key)
    if value is None:
        return None
    if not _is_int(value) or value < minimum:
        raise fail(f"\"{key}\" must be a whole number >= {minimum}, not {value!r}")
    return int(value)


def _holds(value: Any, anchors: int, fail: Any) -> int | tuple[int, ...]:
    if _is_int(value) and value >= 0:
        return int(value)
    if (isinstance(value, list) and len(value) == anchors
            and all(_is_int(v) and v >= 0 for v in value)):
        return tuple(int(v) for v in value)
    raise fail(f"\"hold\" must be a whole number >= 0 or a list of {anchors} of them, "
               f"not {value!r}")


def _flag(section: dict[str, Any], key: str, fail: Any) -> bool:
    value = section.get(key, False)
    if not isinstance(value, bool):
        raise fail(f"\"{key}\" must be true or false, not {value!r}")
    return value


def _fps(value: Any, fail: Any) -> float:
    if not _is_number(value) or not math.isfinite(value) or not 0 < value <= 1000:
        raise fail(f"\"fps\" must be a number between 0 and 1000, not {value!r}")
    return float(value)


def _text(data: dict[str, Any], key: str, fail: Any) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise fail(f"\"{key}\" must be a text (a specification) or null, not {value!r}")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
