"""The session file's schema: its versions, the current layout and migrations from older ones.

A ``.lxs`` file holds ``session.json`` (the scalar fields) and ``arrays.npz`` (every array).
The JSON refers to an array by its key in ``arrays.npz``, so a migration only rewrites JSON.

Version 3 (current) is version 2 with the research tools' work under ``"analysis"`` (the
current selection, the filter, clusters with their settings, computed scores; see
:mod:`latent_explorer.core.session.analysis_data`). Version 2::

    {"schema": "latent-explorer-session", "schema_version": 2, "app_version": "0.1.0",
     "dataset": {"spec": "digits", "labels": null, "fingerprint": "...",
                 "image_size": null},
     "model": {"spec": "demo", "trust_code": false, "fingerprint": "..."},
     "projection": {"method": "umap", "n_components": 2, "n_neighbors": 15, "min_dist": 0.1,
                    "perplexity": 30.0, "seed": 0, "coords": "projection.coords"},
     "view": {"current_latent": "view.current_latent", "probe_position": [0.5, -1.0],
              "selected_index": 12, "hidden_labels": [3], "slider_basis": "raw",
              "condition_label": null, "colour_by": "label"},
     "selections": [{"name": "ones", "indices": "selections.0.indices",
                     "labels": "selections.0.labels"}],
     "bookmarks": [{"name": "a", "latent": "bookmarks.0.latent",
                    "view_range": [[-1, 1], [-2, 2]]}],
     "attributes": [{"name": "thick", "vector": "attributes.0.vector", "description": ""}],
     "paths": [{"name": "tour", "anchors": "paths.0.anchors", "indices": [12, null],
                "holds": [0, 5], "interp": "slerp", "frames_per_segment": 30,
                "easing": "linear", "loop": false, "pingpong": false, "even_speed": false,
                "fps": 30.0, "total_frames": null}],
     "active_path": 0,
     "layout": {"dock_state": "<base64>", "window_geometry": "<base64>"}}

Version 1 (app 0.0.x) kept one flat record: ``"projection"`` was the method name with
``"projection_dims"`` beside it, there was a single ``"path"`` (or ``null``) instead of
``"paths"``, selections were ``{name: array key}`` without labels, and the fingerprints, probe
and layout sat at the top level. :func:`migrate` turns it into version 2, then 3.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from latent_explorer._version import __version__
from latent_explorer.core.errors import InputFileError
from latent_explorer.core.session.analysis_data import (
    analysis_array_fields,
    encode_analysis,
    v2_to_v3,
)
from latent_explorer.core.session.data import SessionData

SCHEMA_NAME = "latent-explorer-session"
SCHEMA_VERSION = 3
"""The version this app writes; it reads every version up to this one."""

Document = dict[str, Any]
Arrays = dict[str, np.ndarray[Any, Any]]


class SessionError(InputFileError):
    """A session file is not a readable session: damaged, malformed or from a newer app."""


def encode_session(session: SessionData) -> tuple[Document, Arrays]:
    """The current-version JSON document and the arrays of ``session``.

    The document holds only JSON types; every array is referenced by its key in the
    returned mapping. Nothing is checked here: the store validates on the way back.
    """
    arrays: Arrays = {}

    def put(key: str, value: np.ndarray[Any, Any] | None, dtype: type) -> str | None:
        if value is None:
            return None
        arrays[key] = np.ascontiguousarray(np.asarray(value, dtype=dtype))
        return key

    p = session.projection
    doc: Document = {
        "schema": SCHEMA_NAME,
        "schema_version": SCHEMA_VERSION,
        "app_version": __version__,
        "dataset": {"spec": session.dataset.spec, "labels": session.dataset.labels,
                    "fingerprint": session.dataset.fingerprint,
                    "image_size": (None if session.dataset.image_size is None
                                   else [int(v) for v in session.dataset.image_size])},
        "model": {"spec": session.model.spec, "trust_code": bool(session.model.trust_code),
                  "fingerprint": session.model.fingerprint,
                  **({"options": dict(session.model.options)} if session.model.options
                     else {})},
        "projection": {"method": p.method, "n_components": int(p.n_components),
                       "n_neighbors": int(p.n_neighbors), "min_dist": float(p.min_dist),
                       "perplexity": float(p.perplexity), "seed": int(p.seed),
                       "coords": put("projection.coords", p.coords, np.float32),
                       "x_column": p.x_column, "y_column": p.y_column},
        "view": {
            "current_latent": put("view.current_latent", session.current_latent, np.float32),
            "probe_position": _floats(session.probe_position),
            "selected_index": session.selected_index,
            "hidden_labels": sorted(int(v) for v in session.hidden_labels),
            "slider_basis": session.slider_basis,
            "condition_label": session.condition_label,
            "colour_by": session.colour_by,
        },
        "selections": [
            {"name": s.name, "indices": put(f"selections.{i}.indices", s.indices, np.int64),
             "labels": put(f"selections.{i}.labels", s.labels, np.int64)}
            for i, s in enumerate(session.selections)
        ],
        "bookmarks": [
            {"name": b.name, "latent": put(f"bookmarks.{i}.latent", b.latent, np.float32),
             "view_range": None if b.view_range is None
             else [[float(lo), float(hi)] for lo, hi in b.view_range]}
            for i, b in enumerate(session.bookmarks)
        ],
        "attributes": [
            {"name": a.name, "vector": put(f"attributes.{i}.vector", a.vector, np.float32),
             "description": a.description}
            for i, a in enumerate(session.attributes)
        ],
        "paths": [
            {"name": t.name, "anchors": put(f"paths.{i}.anchors", t.anchors, np.float32),
             "indices": None if t.indices is None else list(t.indices),
             "holds": [int(h) for h in t.holds], "interp": t.interp,
             "frames_per_segment": int(t.frames_per_segment), "easing": t.easing,
             "loop": bool(t.loop), "pingpong": bool(t.pingpong),
             "even_speed": bool(t.even_speed), "fps": float(t.fps),
             "total_frames": None if t.total_frames is None else int(t.total_frames)}
            for i, t in enumerate(session.paths)
        ],
        "active_path": session.active_path,
        "analysis": encode_analysis(session.analysis, put),
        "layout": {"dock_state": session.dock_state,
                   "window_geometry": session.window_geometry},
    }
    return doc, arrays


COPY_ITEMSIZE = {"float": 4, "int": 8}
"""Bytes per value of the copy the reader makes of an array for each field that refers to it:
float32 for latents, vectors, anchors and coordinates; int64 for indices and labels."""


def referenced_arrays(doc: Document) -> dict[str, list[int]]:
    """The keys of ``arrays.npz`` that a current-version document refers to, each with the
    bytes per value of every copy the reader will make of it (one per field naming it).

    Only these are read from a session file; any other member is skipped unread. Forty
    bookmarks naming one array make forty copies of it, so the store counts each reference,
    not each array. Fields of the wrong type are left to the reader, which names them.
    """
    uses: dict[str, list[int]] = {}

    def add(value: Any, kind: str) -> None:
        if isinstance(value, str):
            uses.setdefault(value, []).append(COPY_ITEMSIZE[kind])

    def records(value: Any) -> list[dict[str, Any]]:
        return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []

    for section, field in (("projection", "coords"), ("view", "current_latent")):
        part = doc.get(section)
        if isinstance(part, dict):
            add(part.get(field), "float")
    for section, fields in (("selections", (("indices", "int"), ("labels", "int"))),
                            ("bookmarks", (("latent", "float"),)),
                            ("attributes", (("vector", "float"),)),
                            ("paths", (("anchors", "float"),))):
        for record in records(doc.get(section)):
            for field, kind in fields:
                add(record.get(field), kind)
    for key, kind in analysis_array_fields(doc):
        add(key, kind)
    return uses


def _floats(values: tuple[float, ...] | None) -> list[float] | None:
    return None if values is None else [float(v) for v in values]


def _v1_to_v2(doc: Document) -> Document:
    """Version 1 -> 2: nest the flat record, one path -> a list of paths, selections listed."""
    path = doc.get("path")
    paths = []
    if path is not None:
        paths.append({
            "name": path.get("name", "path"), "anchors": path["anchors"],
            "indices": path.get("indices"), "holds": path.get("holds", []),
            "interp": path.get("interp", "slerp"),
            "frames_per_segment": path.get("frames_per_segment", 30),
            "easing": path.get("easing", "linear"), "loop": path.get("loop", False),
            "pingpong": path.get("pingpong", False), "even_speed": False,
            "fps": path.get("fps", 30.0),
        })
    selections = doc.get("selections") or {}
    return {
        "schema": doc["schema"],
        "schema_version": 2,
        "app_version": doc.get("app_version", "unknown"),
        "dataset": {"spec": doc["dataset"], "labels": doc.get("labels"),
                    "fingerprint": doc.get("dataset_fingerprint", "")},
        "model": {"spec": doc["model"], "trust_code": doc.get("trust_code", False),
                  "fingerprint": doc.get("model_fingerprint", "")},
        "projection": {"method": doc.get("projection", "pca"),
                       "n_components": doc.get("projection_dims", 2),
                       "seed": doc.get("seed", 0), "coords": doc.get("coords")},
        "view": {"current_latent": doc.get("current_latent"),
                 "probe_position": doc.get("probe"),
                 "selected_index": doc.get("selected_index"),
                 "hidden_labels": doc.get("hidden_labels", []),
                 "slider_basis": doc.get("slider_basis", "raw"),
                 "condition_label": doc.get("condition_label"),
                 "colour_by": doc.get("colour_by", "label")},
        "selections": [{"name": name, "indices": key, "labels": None}
                       for name, key in selections.items()],
        "bookmarks": [{"name": b["name"], "latent": b["latent"], "view_range": None}
                      for b in doc.get("bookmarks") or []],
        "attributes": [],
        "paths": paths,
        "active_path": 0 if paths else None,
        "layout": {"dock_state": doc.get("dock_state"),
                   "window_geometry": doc.get("geometry")},
    }


MIGRATIONS: dict[int, Callable[[Document], Document]] = {1: _v1_to_v2, 2: v2_to_v3}
"""``version -> function`` turning a document of that version into the next version."""


def migrate(doc: Document, source: str) -> Document:
    """Bring a parsed ``session.json`` of any known version up to :data:`SCHEMA_VERSION`.

    Raises
    ------
    SessionError
        If it is no session document, its version is not a whole number >= 1, it comes from
        a newer app, or an old layout is too damaged to convert.
    """
    if doc.get("schema") != SCHEMA_NAME:
        raise SessionError(source, f'is not a Latent Explorer session (no "schema": '
                                   f'"{SCHEMA_NAME}" in session.json)')
    version = doc.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SessionError(source, f'has no valid "schema_version" (found {version!r})')
    if version > SCHEMA_VERSION:
        app = doc.get("app_version")
        made_by = f" (Latent Explorer {app})" if isinstance(app, str) else ""
        raise SessionError(
            source, f"was saved by a newer Latent Explorer{made_by} in session format "
            f"version {version}; this version ({__version__}) reads up to version "
            f"{SCHEMA_VERSION}. Please update Latent Explorer to open it")
    while version < SCHEMA_VERSION:
        try:
            doc = MIGRATIONS[version](doc)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise SessionError(source, f"is a version {version} session too damaged to "
                                       f"convert ({type(exc).__name__}: {exc})") from None
        version += 1
    return doc
