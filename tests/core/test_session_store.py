"""Session files: every field round-trips, old files open, broken ones give one clear error."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from latent_explorer.core.errors import InputFileError
from latent_explorer.core.session.data import (
    AttributeVector,
    Bookmark,
    DatasetRef,
    ModelRef,
    ProjectionSettings,
    Selection,
    SessionData,
    SessionPath,
)
from latent_explorer.core.session.schema import SCHEMA_VERSION, SessionError
from latent_explorer.core.session.store import load_session, save_session, session_digest

DATA = Path(__file__).resolve().parents[1] / "data" / "sessions"


def assert_same(a: Any, b: Any, where: str = "session") -> None:
    """Deep equality for sessions: dataclasses field by field, arrays by value and dtype."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray), where
        assert a.dtype == b.dtype and a.shape == b.shape, where
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, dict):
        assert isinstance(b, dict) and sorted(a) == sorted(b), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def full_session() -> SessionData:
    from latent_explorer.core.session.analysis_data import AnalysisSnapshot

    rng = np.random.default_rng(1)
    return SessionData(
        dataset=DatasetRef("/data/ß/t10k-images-idx3-ubyte.gz", "/data/labels.gz", "ab" * 16),
        model=ModelRef("/models/gan.py", True, "cd" * 16),
        projection=ProjectionSettings("umap", 3, 30, 0.25, 12.0, 42,
                                      rng.standard_normal((50, 3)).astype(np.float32)),
        current_latent=rng.standard_normal(4).astype(np.float32),
        probe_position=(0.5, -1.0, 2.0), selected_index=49,
        hidden_labels=frozenset({0, 9}), slider_basis="pca", condition_label=3,
        selections=[Selection("日本語 ✓", np.array([0, 5, 49]), np.array([1, 2, 3])),
                    Selection("no labels", np.array([7]), None)],
        bookmarks=[Bookmark("b1", np.ones(4, np.float32), ((-1.0, 1.0), (0.0, 2.5), (1, 2))),
                   Bookmark("", np.zeros(4, np.float32), None)],
        attributes=[AttributeVector("smile 😀", np.arange(4, dtype=np.float32), "line\nbreak")],
        paths=[SessionPath("p", rng.standard_normal((3, 4)).astype(np.float32),
                           (None, 5, None), (1, 2, 3), "spline", 7, "ease_out", False, True,
                           True, 59.94),
               SessionPath("single", np.ones((1, 4), np.float32))],
        active_path=1, colour_by="cluster", dock_state="AAAA/wAAAAD9AAAAAQ==",
        window_geometry="AdnQywADAAA=",
        analysis=AnalysisSnapshot(
            selection=np.array([2, 3, 40]), filter_text="taken > 2025-01-01 and is_outlier",
            opacity_by="score", cluster_method="hdbscan", cluster_param=12,
            clusters=(np.arange(50) % 4 - 1).astype(np.int64),
            scores={"density": rng.random(50).astype(np.float32),
                    "error": rng.random(50).astype(np.float32)},
            outlier_score="density", outlier_count=9, neighbor_k=15, neighbor_metric="cosine"),
    )


def test_full_round_trip(tmp_path: Path) -> None:
    session = full_session()
    path = save_session(tmp_path / "s.lxs", session)
    loaded = load_session(path)
    expected = dataclasses.replace(session)
    # view ranges come back as float pairs
    expected.bookmarks[0] = Bookmark("b1", np.ones(4, np.float32),
                                     ((-1.0, 1.0), (0.0, 2.5), (1.0, 2.0)))
    assert_same(loaded, expected)
    assert session_digest(loaded) == session_digest(session)


def test_minimal_session_round_trips_with_defaults(tmp_path: Path) -> None:
    session = SessionData(dataset=DatasetRef("digits"), model=ModelRef("demo"))
    loaded = load_session(save_session(tmp_path / "min.lxs", session))
    assert_same(loaded, SessionData())


def test_file_layout_is_a_zip_of_json_and_npz(tmp_path: Path) -> None:
    path = save_session(tmp_path / "s.lxs", full_session())
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["arrays.npz", "session.json"]
        doc = json.loads(archive.read("session.json"))
        with np.load(io.BytesIO(archive.read("arrays.npz")), allow_pickle=False) as arrays:
            assert "paths.0.anchors" in arrays.files
    assert doc["schema"] == "latent-explorer-session"
    assert doc["schema_version"] == SCHEMA_VERSION
    assert doc["paths"][0]["anchors"] == "paths.0.anchors"


def test_save_is_atomic_and_keeps_the_old_file_on_failure(tmp_path: Path) -> None:
    path = save_session(tmp_path / "s.lxs", SessionData())
    before = path.read_bytes()
    bad = SessionData(current_latent=np.array([np.nan], np.float32))
    with pytest.raises(SessionError, match="NaN"):
        save_session(path, bad)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.lxs"]


def test_digest_changes_with_content_only() -> None:
    a, b = full_session(), full_session()
    assert session_digest(a) == session_digest(b)
    assert b.current_latent is not None
    b.current_latent[0] += 1
    assert session_digest(a) != session_digest(b)
    b = full_session()
    b.paths[0].fps = 30.0
    assert session_digest(a) != session_digest(b)


def test_committed_v2_file_loads() -> None:
    session = load_session(DATA / "v2.lxs")
    assert session.dataset == DatasetRef("digits", None, "bbe74ba6220adbe5995dc1c231e80955")
    assert session.projection.method == "tsne" and session.projection.perplexity == 12.5
    assert session.projection.coords is not None and session.projection.coords.shape == (20, 2)
    assert session.selections[0].name == "Ünïcode ones"
    np.testing.assert_array_equal(session.selections[0].labels, [1, 1, 1])
    assert session.bookmarks[0].view_range == ((-2.0, 2.0), (-1.5, 1.5))
    assert session.attributes[0].description == "thicker strokes"
    path = session.paths[0]
    assert (path.indices, path.holds, path.even_speed) == ((1, None, 9), (0, 5, 0), True)
    assert session.window_geometry == "AdnQyw=="


def test_committed_v1_file_migrates() -> None:
    v1, v2 = load_session(DATA / "v1.lxs"), load_session(DATA / "v2.lxs")
    assert v1.projection.method == "umap" and v1.projection.seed == 3
    assert_same(v1.projection.coords, v2.projection.coords)
    assert_same(v1.current_latent, v2.current_latent)
    assert v1.probe_position == (0.5, -1.25) and v1.hidden_labels == frozenset({2, 7})
    assert v1.slider_basis == "pca" and v1.selected_index == 4
    # one path -> a list of one, and it is the active one
    assert len(v1.paths) == 1 and v1.active_path == 0
    assert_same(v1.paths[0].anchors, v2.paths[0].anchors)
    assert v1.paths[0].indices == (1, None, 9) and v1.paths[0].loop is True
    assert v1.paths[0].easing == "ease_in_out" and v1.paths[0].fps == 24.0
    # v1 selections had no labels
    assert v1.selections[0].name == "Ünïcode ones" and v1.selections[0].labels is None
    assert v1.bookmarks[0].view_range is None and v1.attributes == []
    assert v1.dock_state == "AAAA/wAAAAD9" and v1.window_geometry is None


def test_migrated_v1_saves_as_current(tmp_path: Path) -> None:
    session = load_session(DATA / "v1.lxs")
    path = save_session(tmp_path / "again.lxs", session)
    with zipfile.ZipFile(path) as archive:
        assert json.loads(archive.read("session.json"))["schema_version"] == SCHEMA_VERSION
    assert_same(load_session(path), session)


def _rewrite(path: Path, out: Path, edit: Any = None, arrays: bytes | None = None) -> Path:
    with zipfile.ZipFile(path) as archive:
        doc = json.loads(archive.read("session.json"))
        npz = archive.read("arrays.npz")
    if edit is not None:
        edit(doc)
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("session.json", json.dumps(doc))
        archive.writestr("arrays.npz", npz if arrays is None else arrays)
    return out


def test_newer_version_is_refused_clearly(tmp_path: Path) -> None:
    path = _rewrite(DATA / "v2.lxs", tmp_path / "new.lxs",
                    lambda d: d.update(schema_version=SCHEMA_VERSION + 1, app_version="9.0"))
    with pytest.raises(SessionError, match=r"newer Latent Explorer \(Latent Explorer 9.0\)"):
        load_session(path)


def _set(keys: str, value: Any) -> Any:
    def edit(doc: dict[str, Any]) -> None:
        *parents, last = keys.split(".")
        target: Any = doc
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[int(last) if isinstance(target, list) else last] = value
    return edit


@pytest.mark.parametrize(("edit", "message"), [
    (_set("schema", "other"), "not a Latent Explorer session"),
    (_set("schema_version", "2"), "schema_version"),
    (_set("dataset", "digits"), "dataset must be an object"),
    (_set("model.trust_code", "yes"), "model.trust_code must be true or false"),
    (_set("projection.method", "mds"), "projection.method"),
    (_set("projection.n_components", 4), "must be 2 or 3"),
    (_set("view.probe_position", [1.0]), "probe_position has 1 values"),
    (_set("view.probe_position", [1.0, "x"]), "probe_position\\[1\\] must be a number"),
    (_set("view.selected_index", 20), "selected_index is 20"),
    (_set("view.current_latent", "missing.key"), "does not hold"),
    (_set("paths.0.fps", 0), "paths\\[0\\].fps"),
    (_set("paths.0.easing", "bouncy"), "paths\\[0\\].easing"),
    (_set("paths.0.holds", [1]), "holds has 1 entries for 3"),
    (_set("paths.0.pingpong", True), "loop and pingpong"),
    (_set("active_path", 3), "active_path is 3"),
    (_set("bookmarks.0.view_range", [[0, 1]]), "view_range"),
    (_set("selections.0.labels", "bookmarks.0.latent"), "must hold whole numbers"),
    (_set("layout.dock_state", "not base64!"), "base64"),
    (_set("bookmarks.0.latent", "projection.coords"), "1-D array"),
])
def test_malformed_fields_name_the_field(tmp_path: Path, edit: Any, message: str) -> None:
    path = _rewrite(DATA / "v2.lxs", tmp_path / "bad.lxs", edit)
    with pytest.raises(SessionError, match=message) as info:
        load_session(path)
    assert isinstance(info.value, InputFileError) and info.value.path == str(path)


def _npz(**arrays: Any) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_nan_and_bad_arrays_are_refused(tmp_path: Path) -> None:
    with zipfile.ZipFile(DATA / "v2.lxs") as archive, \
            np.load(io.BytesIO(archive.read("arrays.npz"))) as npz:
        arrays = {k: npz[k] for k in npz.files}
    for key, value, message in [
        ("view.current_latent", np.full(8, np.nan, np.float32), "NaN"),
        ("paths.0.anchors", np.ones((3, 5), np.float32), "different sizes"),
        ("selections.0.indices", np.array([-1, 2, 3]), "negative"),
        ("selections.0.indices", np.array([1, 2]), "2 indices"),
        ("projection.coords", np.ones((20, 3), np.float32), "3 columns"),
        ("view.current_latent", np.array(["a"] * 8), "not numbers"),
    ]:
        path = _rewrite(DATA / "v2.lxs", tmp_path / "bad.lxs",
                        arrays=_npz(**{**arrays, key: value}))
        with pytest.raises(SessionError, match=message):
            load_session(path)


def test_pickled_arrays_are_never_loaded(tmp_path: Path) -> None:
    path = _rewrite(DATA / "v2.lxs", tmp_path / "pickle.lxs",
                    arrays=_npz(**{"view.current_latent": np.array([object()] * 8)}))
    with pytest.raises(SessionError, match="not numbers"):
        load_session(path)


@pytest.mark.parametrize(("content", "message"), [
    (b"", "not a zip"),
    (b"PK\x03\x04garbage", "not a zip"),
    (None, "no session.json"),
])
def test_broken_containers(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "broken.lxs"
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("other.txt", "x")
    else:
        path.write_bytes(content)
    with pytest.raises(SessionError, match=message):
        load_session(path)


@pytest.mark.parametrize(("text", "message"), [
    (b"{", "not valid JSON"), (b"[]", "must hold a JSON object"),
    (b'{"a": NaN}', "NaN"), (b"\xff\xfe", "UTF-8"), (b"[" * 100_000, "cannot be read"),
])
def test_broken_json(tmp_path: Path, text: bytes, message: str) -> None:
    path = tmp_path / "broken.lxs"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("session.json", text)
    with pytest.raises(SessionError, match=message):
        load_session(path)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(SessionError, match="no such file"):
        load_session(tmp_path / "nope.lxs")
    with pytest.raises(SessionError, match="not a file"):
        load_session(tmp_path)


def test_damaged_v1_is_reported_as_such(tmp_path: Path) -> None:
    path = _rewrite(DATA / "v1.lxs", tmp_path / "bad1.lxs", _set("path", [1, 2]))
    with pytest.raises(SessionError, match="version 1 session too damaged"):
        load_session(path)


def test_save_refuses_what_could_not_be_read_back(tmp_path: Path) -> None:
    session = SessionData(projection=ProjectionSettings(method="mds"))
    with pytest.raises(SessionError, match=r"cannot be saved: session\.json: projection\.method"):
        save_session(tmp_path / "s.lxs", session)
    mixed = SessionData(current_latent=np.zeros(3, np.float32),
                        bookmarks=[Bookmark("b", np.zeros(4, np.float32))])
    with pytest.raises(SessionError, match="different sizes"):
        save_session(tmp_path / "s.lxs", mixed)
    assert list(tmp_path.iterdir()) == []


def test_the_size_a_folder_was_loaded_at_is_kept(tmp_path: Path) -> None:
    from latent_explorer.core.session.data import DatasetRef, SessionData
    from latent_explorer.core.session.store import load_session, save_session

    session = SessionData(dataset=DatasetRef("/photos", None, "abc", (240, 320)))
    path = save_session(tmp_path / "s.lxs", session)
    assert load_session(path).dataset.image_size == (240, 320)
    plain = save_session(tmp_path / "t.lxs", SessionData())
    assert load_session(plain).dataset.image_size is None


# --- bounded loads: a small file must not take gigabytes -----------------------------------

def _deflated_session(path: Path, doc: dict[str, Any], npz_members: dict[str, bytes]) -> Path:
    """A session whose arrays.npz (and its members) are deflated, as a hostile file would be."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as npz:
        for name, content in npz_members.items():
            npz.writestr(f"{name}.npy", content)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("session.json", json.dumps(doc))
        archive.writestr("arrays.npz", inner.getvalue())
    return path


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _v2_parts() -> tuple[dict[str, Any], dict[str, bytes]]:
    with zipfile.ZipFile(DATA / "v2.lxs") as archive:
        doc = json.loads(archive.read("session.json"))
        with zipfile.ZipFile(io.BytesIO(archive.read("arrays.npz"))) as npz:
            members = {n.removesuffix(".npy"): npz.read(n) for n in npz.namelist()}
    return doc, members


def _peak_bytes(call: Any) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_arrays_the_session_does_not_use_are_never_read(tmp_path: Path) -> None:
    doc, members = _v2_parts()
    members["junk"] = _npy(np.zeros((64, 1024, 1024), np.uint8))  # 64 MB, deflates to ~64 KB
    path = _deflated_session(tmp_path / "junk.lxs", doc, members)
    assert path.stat().st_size < 2_000_000
    peak = _peak_bytes(lambda: load_session(path))
    assert peak < 16 * 1024**2, f"loading took {peak / 1024**2:.0f} MB"
    assert_same(load_session(path), load_session(DATA / "v2.lxs"))


def test_declared_array_sizes_are_capped_in_total_before_reading(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from latent_explorer.core.session import store

    monkeypatch.setattr(store, "MAX_ARRAYS_BYTES", 8 * 1024**2, raising=False)
    doc, members = _v2_parts()
    # Each array alone is under the cap; together they exceed it (bookmarks naming one array
    # count once per reference: tests/core/test_session_bounds.py).
    doc["bookmarks"] = [{"name": f"b{i}", "latent": f"big.{i}", "view_range": None}
                        for i in range(4)]
    for i in range(4):
        members[f"big.{i}"] = _npy(np.zeros(3 * 1024**2 // 4, np.float32))
    path = _deflated_session(tmp_path / "big.lxs", doc, members)
    with pytest.raises(SessionError, match=r"would take more than 8\.0 MiB of memory"):
        _peak_bytes(lambda: load_session(path))
    def refuse() -> None:
        with pytest.raises(SessionError):
            load_session(path)

    peak = _peak_bytes(refuse)
    assert peak < 4 * 1024**2, f"refusing took {peak / 1024**2:.0f} MB"


def test_loading_reports_progress_and_can_be_cancelled(tmp_path: Path) -> None:
    from latent_explorer.core.errors import JobCancelled
    from latent_explorer.core.jobs import JobContext

    seen: list[float | None] = []
    load_session(DATA / "v2.lxs", JobContext(lambda f, m: seen.append(f)))
    assert seen and seen[-1] == 1.0
    ctx = JobContext()
    ctx.cancel()
    with pytest.raises(JobCancelled):
        load_session(DATA / "v2.lxs", ctx)
