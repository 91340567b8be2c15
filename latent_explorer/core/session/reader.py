"""Checking a current-version session document field by field and building :class:`SessionData`.

Every problem becomes a :class:`SessionError` that names the field (``paths[1].fps``) and says
what was expected, so a user who edited a file by hand can find the mistake.
"""

from __future__ import annotations

import base64
import binascii
import math
from typing import Any

import numpy as np

from latent_explorer.core.interpolation.easing import EASINGS
from latent_explorer.core.interpolation.paths import INTERPOLATIONS
from latent_explorer.core.projection.base import MAP_METHODS
from latent_explorer.core.session.analysis_data import check_fits, decode_analysis
from latent_explorer.core.session.data import (
    AttributeVector,
    Bookmark,
    DatasetRef,
    FloatArray,
    IntArray,
    ModelRef,
    ProjectionSettings,
    Selection,
    SessionData,
    SessionPath,
)
from latent_explorer.core.session.schema import Arrays, Document, SessionError

SLIDER_BASES = ("raw", "pca")


class _Reader:
    """Typed access to JSON values that raises :class:`SessionError` naming the field."""

    def __init__(self, source: str, arrays: Arrays) -> None:
        self.source = source
        self.arrays = arrays

    def fail(self, where: str, problem: str) -> SessionError:
        return SessionError(self.source, f"session.json: {where} {problem}")

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "must be an object")
        return value

    def items(self, value: Any, where: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(where, "must be a list")
        return value

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise self.fail(where, f"must be a text, not {_show(value)}")
        return value

    def opt_text(self, value: Any, where: str) -> str | None:
        return None if value is None else self.text(value, where)

    def base64_text(self, value: Any, where: str) -> str | None:
        text = self.opt_text(value, where)
        if text is not None:
            try:
                base64.b64decode(text.encode("ascii"), validate=True)
            except (UnicodeEncodeError, binascii.Error):
                raise self.fail(where, "must be base64 text") from None
        return text

    def integer(self, value: Any, where: str, minimum: int | None = None) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(where, f"must be a whole number, not {_show(value)}")
        if minimum is not None and value < minimum:
            raise self.fail(where, f"must be >= {minimum}, not {value}")
        if abs(value) > 2**62:
            raise self.fail(where, f"is too large ({_show(value)})")
        return value

    def opt_integer(self, value: Any, where: str, minimum: int | None = None) -> int | None:
        return None if value is None else self.integer(value, where, minimum)

    def number(self, value: Any, where: str, positive: bool = False) -> float:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise self.fail(where, f"must be a number, not {_show(value)}")
        number = float(value) if abs(value) < 1e300 else math.inf
        if not math.isfinite(number) or (positive and number <= 0):
            raise self.fail(where, f"must be a finite{' positive' if positive else ''} number, "
                                   f"not {_show(value)}")
        return number

    def flag(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, f"must be true or false, not {_show(value)}")
        return value

    def choice(self, value: Any, where: str, options: tuple[str, ...]) -> str:
        if value not in options:
            raise self.fail(where, f"is {_show(value)}; expected one of {', '.join(options)}")
        return str(value)

    def array(self, key: Any, where: str, ndim: int, integer: bool = False) -> np.ndarray[Any, Any]:
        name = self.text(key, where)
        if name not in self.arrays:
            raise self.fail(where, f"names the array {name!r}, which arrays.npz does not hold")
        array = self.arrays[name]
        if array.ndim != ndim or 0 in array.shape:
            raise self.fail(where, f"must be a non-empty {ndim}-D array, not shape {array.shape}")
        if integer:
            if array.dtype.kind not in "iu":
                raise self.fail(where, f"must hold whole numbers, not {array.dtype}")
            return array.astype(np.int64)
        if array.dtype.kind not in "fiu":
            raise self.fail(where, f"must hold numbers, not {array.dtype}")
        out = array.astype(np.float32)
        if not np.all(np.isfinite(out)):
            raise self.fail(where, "holds NaN or infinite values")
        return out

    def floats(self, key: Any, where: str, ndim: int) -> FloatArray:
        return self.array(key, where, ndim)

    def ints(self, key: Any, where: str) -> IntArray:
        array = self.array(key, where, 1, integer=True)
        if np.any(array < 0):
            raise self.fail(where, "holds negative sample indices")
        return array

    def ints_of(self, value: Any, where: str, minimum: int | None = None) -> list[int]:
        return [self.integer(v, f"{where}[{i}]", minimum)
                for i, v in enumerate(self.items(value, where))]


def _image_size(r: _Reader, value: Any) -> tuple[int, int] | None:
    """``dataset.image_size``: absent or null, else ``[height, width]`` (added in app 0.1)."""
    if value is None:
        return None
    sides = r.ints_of(value, "dataset.image_size", minimum=1)
    if len(sides) != 2 or max(sides) > 1 << 16:
        raise r.fail("dataset.image_size", f"must be [height, width], not {_show(value)}")
    return sides[0], sides[1]


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def decode_session(doc: Document, arrays: Arrays, source: str) -> SessionData:
    """Check a current-version document and its arrays; build the session they describe.

    Raises
    ------
    SessionError
        Naming the first field that is missing, of the wrong type or shape, or not finite.
    """
    r = _Reader(source, arrays)
    data = r.obj(doc.get("dataset"), "dataset")
    dataset = DatasetRef(r.text(data.get("spec"), "dataset.spec"),
                         r.opt_text(data.get("labels"), "dataset.labels"),
                         r.text(data.get("fingerprint", ""), "dataset.fingerprint"),
                         _image_size(r, data.get("image_size")))
    data = r.obj(doc.get("model"), "model")
    model = ModelRef(r.text(data.get("spec"), "model.spec"),
                     r.flag(data.get("trust_code", False), "model.trust_code"),
                     r.text(data.get("fingerprint", ""), "model.fingerprint"),
                     _model_options(r, data.get("options", {})))
    view = r.obj(doc.get("view", {}), "view")
    layout = r.obj(doc.get("layout", {}), "layout")
    latent = view.get("current_latent")
    probe = view.get("probe_position")
    session = SessionData(
        dataset=dataset, model=model, projection=_projection(r, doc.get("projection", {})),
        current_latent=None if latent is None else r.floats(latent, "view.current_latent", 1),
        probe_position=None if probe is None else tuple(
            r.number(v, f"view.probe_position[{i}]")
            for i, v in enumerate(r.items(probe, "view.probe_position"))),
        selected_index=r.opt_integer(view.get("selected_index"), "view.selected_index", 0),
        hidden_labels=frozenset(r.ints_of(view.get("hidden_labels"), "view.hidden_labels")),
        slider_basis=r.choice(view.get("slider_basis", "raw"), "view.slider_basis",
                              SLIDER_BASES),
        condition_label=r.opt_integer(view.get("condition_label"), "view.condition_label", 0),
        colour_by=r.text(view.get("colour_by", "label"), "view.colour_by"),
        selections=[_selection(r, s, f"selections[{i}]")
                    for i, s in enumerate(r.items(doc.get("selections"), "selections"))],
        bookmarks=[_bookmark(r, b, f"bookmarks[{i}]")
                   for i, b in enumerate(r.items(doc.get("bookmarks"), "bookmarks"))],
        attributes=[_attribute(r, a, f"attributes[{i}]")
                    for i, a in enumerate(r.items(doc.get("attributes"), "attributes"))],
        paths=[_path(r, p, f"paths[{i}]")
               for i, p in enumerate(r.items(doc.get("paths"), "paths"))],
        active_path=r.opt_integer(doc.get("active_path"), "active_path", 0),
        analysis=decode_analysis(r, doc.get("analysis")),
        dock_state=r.base64_text(layout.get("dock_state"), "layout.dock_state"),
        window_geometry=r.base64_text(layout.get("window_geometry"), "layout.window_geometry"),
    )
    _cross_check(r, session)
    return session


def _projection(r: _Reader, value: Any) -> ProjectionSettings:
    p = r.obj(value, "projection")
    n_components = r.integer(p.get("n_components", 2), "projection.n_components", 2)
    if n_components > 3:
        raise r.fail("projection.n_components", f"must be 2 or 3, not {n_components}")
    coords = p.get("coords")
    settings = ProjectionSettings(
        method=r.choice(p.get("method", "pca"), "projection.method", MAP_METHODS),
        n_components=n_components,
        n_neighbors=r.integer(p.get("n_neighbors", 15), "projection.n_neighbors", 2),
        min_dist=r.number(p.get("min_dist", 0.1), "projection.min_dist"),
        perplexity=r.number(p.get("perplexity", 30.0), "projection.perplexity", positive=True),
        seed=r.integer(p.get("seed", 0), "projection.seed", 0),
        coords=None if coords is None else r.floats(coords, "projection.coords", 2),
        x_column=r.text(p.get("x_column", ""), "projection.x_column"),
        y_column=r.text(p.get("y_column", ""), "projection.y_column"),
    )
    if settings.method == "table" and not (settings.x_column and settings.y_column):
        raise r.fail("projection", "is a map of a table's columns but names no x_column and "
                                   "y_column")
    if settings.coords is not None and settings.coords.shape[1] != n_components:
        raise r.fail("projection.coords", f"has {settings.coords.shape[1]} columns for "
                                          f"{n_components} components")
    return settings


def _selection(r: _Reader, value: Any, where: str) -> Selection:
    s = r.obj(value, where)
    indices = r.ints(s.get("indices"), f"{where}.indices")
    labels = s.get("labels")
    label_array = None if labels is None else r.array(labels, f"{where}.labels", 1, True)
    if label_array is not None and label_array.shape != indices.shape:
        raise r.fail(f"{where}.labels", f"has {len(label_array)} labels for "
                                        f"{len(indices)} indices")
    return Selection(r.text(s.get("name"), f"{where}.name"), indices, label_array)


def _bookmark(r: _Reader, value: Any, where: str) -> Bookmark:
    b = r.obj(value, where)
    raw_range = b.get("view_range")
    view_range = None
    if raw_range is not None:
        pairs = r.items(raw_range, f"{where}.view_range")
        if len(pairs) not in (2, 3) or not all(isinstance(p, list) and len(p) == 2
                                               for p in pairs):
            raise r.fail(f"{where}.view_range", "must be 2 or 3 pairs [low, high]")
        view_range = tuple((r.number(lo, f"{where}.view_range"),
                            r.number(hi, f"{where}.view_range")) for lo, hi in pairs)
    return Bookmark(r.text(b.get("name"), f"{where}.name"),
                    r.floats(b.get("latent"), f"{where}.latent", 1), view_range)


def _attribute(r: _Reader, value: Any, where: str) -> AttributeVector:
    a = r.obj(value, where)
    return AttributeVector(r.text(a.get("name"), f"{where}.name"),
                           r.floats(a.get("vector"), f"{where}.vector", 1),
                           r.text(a.get("description", ""), f"{where}.description"))


def _path(r: _Reader, value: Any, where: str) -> SessionPath:
    p = r.obj(value, where)
    anchors = r.floats(p.get("anchors"), f"{where}.anchors", 2)
    count = len(anchors)
    raw_indices = p.get("indices")
    indices = None
    if raw_indices is not None:
        listed = r.items(raw_indices, f"{where}.indices")
        if len(listed) != count:
            raise r.fail(f"{where}.indices", f"has {len(listed)} entries for {count} anchors")
        indices = tuple(r.opt_integer(v, f"{where}.indices[{i}]", 0)
                        for i, v in enumerate(listed))
    holds = tuple(r.ints_of(p.get("holds"), f"{where}.holds", 0))
    if holds and len(holds) != count:
        raise r.fail(f"{where}.holds", f"has {len(holds)} entries for {count} anchors")
    loop = r.flag(p.get("loop", False), f"{where}.loop")
    pingpong = r.flag(p.get("pingpong", False), f"{where}.pingpong")
    if loop and pingpong:
        raise r.fail(where, "has both loop and pingpong set; a path does one or the other")
    fps = r.number(p.get("fps", 30.0), f"{where}.fps", positive=True)
    if fps > 1000:
        raise r.fail(f"{where}.fps", f"must be at most 1000, not {fps}")
    return SessionPath(
        name=r.text(p.get("name"), f"{where}.name"), anchors=anchors, indices=indices,
        holds=holds, interp=r.choice(p.get("interp", "slerp"), f"{where}.interp",
                                     INTERPOLATIONS),
        frames_per_segment=r.integer(p.get("frames_per_segment", 30),
                                     f"{where}.frames_per_segment", 1),
        easing=r.choice(p.get("easing", "linear"), f"{where}.easing", tuple(EASINGS)),
        loop=loop, pingpong=pingpong,
        even_speed=r.flag(p.get("even_speed", False), f"{where}.even_speed"), fps=fps,
        # Optional (added without a schema bump): older sessions have none and load as
        # per-segment paths; older readers ignore it.
        total_frames=r.opt_integer(p.get("total_frames"), f"{where}.total_frames", 1),
    )


def _cross_check(r: _Reader, session: SessionData) -> None:
    """Checks between fields: one latent size, indices inside the map, a valid active path."""
    dims = {int(a.shape[-1]) for a in session.latents()}
    if len(dims) > 1:
        raise r.fail("latents", f"have different sizes ({sorted(dims)}); they must share one")
    probe = session.probe_position
    if probe is not None and len(probe) not in (2, 3):
        # Not tied to n_components: a probe left from the 2-D map must not lose a session.
        raise r.fail("view.probe_position", f"has {len(probe)} values; a map has 2 or 3")
    coords = session.projection.coords
    if coords is not None:
        count = len(coords)
        if session.selected_index is not None and session.selected_index >= count:
            raise r.fail("view.selected_index", f"is {session.selected_index}, but the map "
                                                f"has {count} samples")
        for s in session.selections:
            if np.any(s.indices >= count):
                raise r.fail(f"selection {s.name!r}", f"holds indices beyond the map's "
                                                      f"{count} samples")
        check_fits(r, session.analysis, count)
    if session.active_path is not None and session.active_path >= len(session.paths):
        raise r.fail("active_path", f"is {session.active_path}, but there are "
                                    f"{len(session.paths)} paths")


def _model_options(r: _Reader, value: Any) -> dict[str, Any]:
    """``model.options``: JSON scalars and short lists of numbers, by name (checked again,
    value by value, where they are applied)."""
    options = r.obj(value, "model.options")
    for key, item in options.items():
        if isinstance(item, list):
            for v in item:
                r.number(v, f"model.options.{key}")
        elif item is not None and not isinstance(item, str | int | float | bool):
            r.number(item, f"model.options.{key}")  # says what is wrong with it
    return dict(options)
