"""Property-based fuzzing of every file parser: broken input gives the documented error only.

Each parser gets random bytes and mutations of a valid file (flipped, inserted, deleted bytes,
truncation) and, for JSON formats, valid JSON with one node replaced by a random value. The
property: the parser returns normally or raises the error type its docstring names; never
another exception, never a hang (hypothesis ``deadline``). What loads is then used as the app
uses it: a model decodes a latent into pixels (or raises ``ModelOutputError``, e.g. for NaN
weights), a dataset's images are read and converted (or ``DatasetError``).

Examples per test (``max_examples``, times ``$LATENT_EXPLORER_FUZZ_SCALE``, default 1) are
kept modest so the file runs in well under a minute: sessions 150 x 4, path files 150 + 150,
model JSON 150 + 100, model weights 100, datasets 150 (IDX raw) + 150 (IDX gz) + 150 (.npy)
+ 150 (.npz) + 100 (PNG folder); plus the explicit ``@example`` cases.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.errors import (
    DatasetError,
    InputFileError,
    ModelError,
    ModelOutputError,
    SpecError,
)
from latent_explorer.core.export.path_file import PathFile, load_path_file
from latent_explorer.core.models import DEMO_MODEL_PATH, load_model
from latent_explorer.core.session.schema import SessionError
from latent_explorer.core.session.store import load_session
from tests.core.session_outcome import assert_reflects, npz_arrays

SESSIONS = Path(__file__).resolve().parents[1] / "data" / "sessions"


SCALE = int(os.environ.get("LATENT_EXPLORER_FUZZ_SCALE", "1"))
"""Set e.g. ``LATENT_EXPLORER_FUZZ_SCALE=20`` for a long, randomly seeded hunt; 1 in CI."""


def fuzz(examples: int) -> Callable[[Any], Any]:
    """Hypothesis settings for one parser: bounded examples and a deadline against hangs.

    At scale 1 the examples are derandomized, so CI runs the same cases every time.
    """
    return settings(max_examples=examples * SCALE, deadline=timedelta(seconds=5),
                    derandomize=SCALE == 1, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    """A fresh folder per example (pytest's ``tmp_path`` is per test, not per example)."""
    folder = Path(tempfile.mkdtemp(prefix="lx-fuzz-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    """``base`` with a few random byte edits and maybe cut short."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 16))]
        else:
            del data[pos:]
    return bytes(data)


def _zip_version_needed(data: bytes, version: int) -> bytes:
    """``data`` whose central directory says extracting needs zip ``version`` (64: 6.4)."""
    at = data.index(b"PK\x01\x02") + 6
    return data[:at] + bytes([version, 0]) + data[at + 2:]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12)
    | st.floats(allow_nan=True, allow_infinity=True),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12,
)


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _nodes(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _nodes(child, (*path, index))


@st.composite
def json_mutated(draw: st.DrawFn, doc: Any) -> Any:
    """A deep copy of ``doc`` with one to three nodes replaced by random JSON (or removed)."""
    doc = json.loads(json.dumps(doc))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(_nodes(doc))))
        if not path:
            return draw(json_values)
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values)
    return doc


def expect_only(errors: tuple[type[BaseException], ...], call: Callable[[], object]) -> None:
    """Run ``call``; returning normally or raising one of ``errors`` is fine, nothing else."""
    with contextlib.suppress(*errors):
        call()


# --- sessions -----------------------------------------------------------------------------

V2 = (SESSIONS / "v2.lxs").read_bytes()
with zipfile.ZipFile(io.BytesIO(V2)) as _archive:
    V2_JSON = json.loads(_archive.read("session.json"))
    V2_NPZ = _archive.read("arrays.npz")
V3 = (SESSIONS / "v3.lxs").read_bytes()
with zipfile.ZipFile(io.BytesIO(V3)) as _archive:
    V3_JSON = json.loads(_archive.read("session.json"))
    V3_NPZ = _archive.read("arrays.npz")
V1 = (SESSIONS / "v1.lxs").read_bytes()
with zipfile.ZipFile(io.BytesIO(V1)) as _archive:
    V1_JSON = json.loads(_archive.read("session.json"))
    V1_NPZ = _archive.read("arrays.npz")


def _session_zip(json_bytes: bytes, npz: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("session.json", json_bytes)
        archive.writestr("arrays.npz", npz)
    return buffer.getvalue()


def _load_session_bytes(data: bytes) -> None:
    with scratch() as folder:
        path = folder / "fuzz.lxs"
        path.write_bytes(data)
        expect_only((SessionError,), lambda: load_session(path))


@fuzz(150)
@given(st.binary(max_size=2048) | mutated(V3) | mutated(V2) | mutated(V1))
@example(b"PK\x05\x06" + b"\0" * 18)
@example(_zip_version_needed(V2, 64))
def test_session_random_and_mutated_files(data: bytes) -> None:
    _load_session_bytes(data)


def _load_session_and_compare(doc: Any, npz: bytes) -> None:
    """Load a session made of ``doc`` and ``npz``: refused with a SessionError, or loaded
    holding every value the document states (no field silently dropped)."""
    with scratch() as folder:
        path = folder / "fuzz.lxs"
        path.write_bytes(_session_zip(json.dumps(doc).encode(), npz))
        try:
            session = load_session(path)
        except SessionError:
            return
    assert_reflects(doc, npz_arrays(npz), session)


def test_the_seed_sessions_load_with_every_field() -> None:
    """The mutations start from sessions that load whole: the comparison itself works."""
    _load_session_and_compare(V3_JSON, V3_NPZ)
    _load_session_and_compare(V2_JSON, V2_NPZ)
    _load_session_and_compare(V1_JSON, V1_NPZ)
    with pytest.raises(AssertionError, match=r"view\.colour_by"):
        assert_reflects({**V2_JSON, "view": {**V2_JSON["view"], "colour_by": "cluster"}},
                        npz_arrays(V2_NPZ), load_session(SESSIONS / "v2.lxs"))
    with pytest.raises(AssertionError, match=r"analysis\.neighbor_k"):
        assert_reflects({**V3_JSON, "analysis": {**V3_JSON["analysis"], "neighbor_k": 3}},
                        npz_arrays(V3_NPZ), load_session(SESSIONS / "v3.lxs"))
    with pytest.raises(AssertionError, match=r"analysis\.scores\.density"):
        assert_reflects(V3_JSON, {**npz_arrays(V3_NPZ), "analysis.density": np.zeros(20)},
                        load_session(SESSIONS / "v3.lxs"))


OTHER_VALUES: list[tuple[tuple[Any, ...], Any]] = [
    (("dataset", "spec"), "shapes"), (("dataset", "labels"), "/data/labels.gz"),
    (("dataset", "fingerprint"), "ff"), (("dataset", "image_size"), [24, 32]),
    (("model", "spec"), "/m/model.json"), (("model", "trust_code"), True),
    (("model", "fingerprint"), "ee"), (("projection", "method"), "umap"),
    (("projection", "n_neighbors"), 31), (("projection", "min_dist"), 0.25),
    (("projection", "perplexity"), 40.0), (("projection", "seed"), 9),
    (("view", "probe_position"), [1.0, 2.0, 3.0]), (("view", "selected_index"), 5),
    (("view", "hidden_labels"), [1]), (("view", "slider_basis"), "raw"),
    (("view", "condition_label"), 2), (("view", "colour_by"), "cluster"),
    (("selections", 0, "name"), "x"), (("selections", 0, "labels"), None),
    (("bookmarks", 0, "name"), "y"), (("bookmarks", 0, "view_range"), None),
    (("attributes", 0, "name"), "z"), (("attributes", 0, "description"), "d"),
    (("paths", 0, "name"), "p"), (("paths", 0, "indices"), [None, 2, None]),
    (("paths", 0, "holds"), [1, 1, 1]), (("paths", 0, "interp"), "spline"),
    (("paths", 0, "frames_per_segment"), 7), (("paths", 0, "easing"), "linear"),
    (("paths", 0, "loop"), False), (("paths", 0, "even_speed"), False),
    (("paths", 0, "fps"), 12.5), (("paths", 0, "total_frames"), 99),
    (("active_path",), None), (("layout", "dock_state"), "AAAA"),
    (("layout", "window_geometry"), None),
]
"""A different valid value for every field of a version-2 session."""
OTHER_V3_VALUES: list[tuple[tuple[Any, ...], Any]] = [
    (("analysis",), None), (("analysis", "selection"), None),
    (("analysis", "selection"), "selections.0.indices"),
    (("analysis", "filter_text"), "index > 3"), (("analysis", "opacity_by"), ""),
    (("analysis", "cluster_method"), "hdbscan"), (("analysis", "cluster_param"), 5),
    (("analysis", "clusters"), None), (("analysis", "scores"), {}),
    (("analysis", "scores"), {"error": "analysis.density", "density": "analysis.density"}),
    (("analysis", "outlier_score"), "error"), (("analysis", "outlier_count"), 9),
    (("analysis", "neighbor_k"), 3), (("analysis", "neighbor_metric"), "euclidean"),
]
"""... and of the research tools' part of a version-3 session."""
FIELD_CASES = ([(V2_JSON, V2_NPZ, where, value) for where, value in OTHER_VALUES]
               + [(V3_JSON, V3_NPZ, where, value) for where, value in OTHER_V3_VALUES])


@pytest.mark.parametrize(("base", "npz", "where", "value"), FIELD_CASES,
                         ids=[f"v{b['schema_version']}:" + ".".join(map(str, w))
                              for b, _, w, _ in FIELD_CASES])
def test_every_session_field_comes_back(base: dict[str, Any], npz: bytes,
                                        where: tuple[Any, ...], value: Any) -> None:
    """Each field set to another valid value loads as that value: none is dropped."""
    doc = json.loads(json.dumps(base))
    parent = doc
    for key in where[:-1]:
        parent = parent[key]
    parent[where[-1]] = value
    with scratch() as folder:
        path = folder / "field.lxs"
        path.write_bytes(_session_zip(json.dumps(doc).encode(), npz))
        session = load_session(path)  # every value here is valid: it must load
    assert_reflects(doc, npz_arrays(npz), session)


@fuzz(150)
@given(st.tuples(json_mutated(V3_JSON), st.just(V3_NPZ))
       | st.tuples(json_mutated(V2_JSON), st.just(V2_NPZ))
       | st.tuples(json_mutated(V1_JSON), st.just(V1_NPZ)))
def test_session_mutated_json(case: tuple[Any, bytes]) -> None:
    _load_session_and_compare(*case)


@fuzz(150)
@given(mutated(V3_NPZ) | mutated(json.dumps(V3_JSON).encode()))
def test_session_mutated_members(member: bytes) -> None:
    json_bytes = json.dumps(V3_JSON).encode()
    if member.startswith(b"PK") or not member.startswith(b"{"):
        _load_session_bytes(_session_zip(json_bytes, member))
    else:
        _load_session_bytes(_session_zip(member, V3_NPZ))


def _npz_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(f"{name}.npy", content)
    return buffer.getvalue()


with zipfile.ZipFile(io.BytesIO(V3_NPZ)) as _archive:
    V3_MEMBERS = {n.removesuffix(".npy"): _archive.read(n) for n in _archive.namelist()}


@fuzz(150)
@given(st.sampled_from(sorted(V3_MEMBERS)).flatmap(
    lambda key: st.tuples(st.just(key), mutated(V3_MEMBERS[key]))))
@example(("view.current_latent", V3_MEMBERS["view.current_latent"].replace(b"'descr'",
                                                                            b"'descr\"", 1)))
def test_session_mutated_npy_members(member: tuple[str, bytes]) -> None:
    """Mutated arrays repacked with valid checksums, so the .npy parser itself is reached."""
    key, content = member
    npz = _npz_of({**V3_MEMBERS, key: content})
    _load_session_and_compare(V3_JSON, npz)  # what loads holds the arrays' values


CAP = 2 * 1024**2


@fuzz(60)
@given(st.integers(1, 40), st.integers(1, 200_000))
@example(40, 200_000)
def test_session_memory_stays_under_the_cap(references: int, values: int) -> None:
    """Bookmarks naming one array of random size: the session opens or is refused, and either
    way what loading holds stays under the cap (every copy counted), measured."""
    import tracemalloc
    from unittest import mock

    from latent_explorer.core.session import store
    from tests.core.test_session_bounds import reference_bomb

    with scratch() as folder, mock.patch.object(store, "MAX_ARRAYS_BYTES", CAP):
        path = reference_bomb(folder / "refs.lxs", references, values)
        tracemalloc.start()
        try:
            expect_only((SessionError,), lambda: load_session(path))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < CAP * 1.25 + 1024**2, f"{references} x {values}: {peak / 1024**2:.1f} MB"


# --- path files ---------------------------------------------------------------------------

PATH_DOC = PathFile(anchors=np.eye(3, 4, dtype=np.float32), indices=(4, None, 7),
                    interp="lerp", frames=60, easing="ease_in", loop=True, hold=(1, 0, 2),
                    dataset="digits", model="demo").to_json()


def _load_path_bytes(data: bytes) -> None:
    with scratch() as folder:
        path = folder / "fuzz.json"
        path.write_bytes(data)
        expect_only((InputFileError,), lambda: load_path_file(path))


@fuzz(150)
@given(st.binary(max_size=1024) | mutated(json.dumps(PATH_DOC).encode()))
@example(b"[" * 100_000)
@example(b"1" * 5000)
@example(json.dumps({**PATH_DOC, "anchors": [{"latent": [1e39, 0, 0, 0]}]}).encode())
def test_path_file_random_bytes(data: bytes) -> None:
    _load_path_bytes(data)


@fuzz(150)
@given(json_mutated(PATH_DOC))
def test_path_file_mutated_json(doc: Any) -> None:
    _load_path_bytes(json.dumps(doc).encode())


def test_fuzz_seeds_are_valid_files(tmp_path: Path) -> None:
    """The mutations start from files that load: otherwise the fuzzing tests little."""
    (tmp_path / "p.json").write_text(json.dumps(PATH_DOC))
    assert load_path_file(tmp_path / "p.json").hold == (1, 0, 2)
    for name, data in [("t10k-images-idx3-ubyte", IDX), ("x-idx3-ubyte.gz", IDX_GZ),
                       ("i.npy", NPY), ("i.npz", NPZ)]:
        (tmp_path / name).write_bytes(data)
        assert len(read_images(load_dataset(str(tmp_path / name)))) == 3
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "model.json").write_text(json.dumps(DEMO_JSON))
    (tmp_path / "m" / "model.safetensors").write_bytes(DEMO_WEIGHTS)
    (tmp_path / "m" / "card.json").write_text(json.dumps(CARD))
    model = load_model(str(tmp_path / "m" / "card.json"))
    assert model.name == "card" and decode_pixels(model).shape == (2, 8, 8, 1)


# --- models -------------------------------------------------------------------------------

DEMO_JSON = {k: v for k, v in json.loads(DEMO_MODEL_PATH.read_text()).items()
             if k != "training"}  # mutations should hit the fields that matter
DEMO_WEIGHTS = (DEMO_MODEL_PATH.parent / "model.safetensors").read_bytes()
CARD = {"format": "latent-explorer-model-card", "version": 1, "kind": "vae",
        "path": "model.json", "latent_shape": [8], "output_range": "logits", "name": "card"}
MODEL_ERRORS = (ModelError, SpecError)


@pytest.fixture(scope="module", autouse=True)
def _import_torch_first() -> None:
    """Import torch and open the demo once, so no example pays for it against the deadline."""
    load_model("demo")


def decode_pixels(model: Any) -> np.ndarray:
    """Decode two latents into uint8 pixels, checking what the window would show."""
    from latent_explorer.core.models.base import to_uint8

    latents = np.zeros((2, model.latent_dim), np.float32)
    latents[1] = 1.0
    images = model.decode(latents)
    assert images.shape == (2, *model.image_shape)
    assert np.isfinite(images).all() and images.min() >= 0 and images.max() <= 1
    pixels = to_uint8(images)
    assert pixels.dtype == np.uint8 and pixels.shape[0] == 2
    return pixels


def _load_and_decode(spec: str) -> None:
    model = load_model(spec)
    with contextlib.suppress(ModelOutputError):  # e.g. NaN weights: a clear error is right
        decode_pixels(model)


def _load_model_files(files: dict[str, bytes], spec: str) -> None:
    with scratch() as folder:
        for name, content in files.items():
            (folder / name).write_bytes(content)
        expect_only(MODEL_ERRORS, lambda: _load_and_decode(str(folder / spec)))


@fuzz(150)
@given(st.binary(max_size=1024) | mutated(DEMO_MODEL_PATH.read_bytes())
       | json_values.map(lambda v: json.dumps(v).encode()))
@example(b"[" * 100_000)
@example(b'{"format": "latent-explorer-vae", "format_version": "x"}')
@example(b'{"kind": "vae", "path": "model.json", "version": "2"}')
def test_model_json_random(data: bytes) -> None:
    _load_model_files({"model.json": data, "model.safetensors": DEMO_WEIGHTS}, "model.json")


def _demo_with(**changes: Any) -> Any:
    return {**DEMO_JSON, **changes}


def _config_with(**changes: Any) -> Any:
    return _demo_with(config={**DEMO_JSON["config"], **changes})


@fuzz(100)
@given(json_mutated(DEMO_JSON) | json_mutated(CARD))
@example(_demo_with(weights=5))
@example(_demo_with(weights="/"))
@example(_config_with(latent_dim=10**30))
@example(_config_with(latent_dim=1e300))
@example(_config_with(hidden=[-1]))
@example(_config_with(image_shape=[0, 0, 0]))
@example(_config_with(image_shape=[1e10, 1e10, 1]))
@example(_config_with(kind="conv"))
@example(_config_with(image_shape=[False, 8, 1]))
@example({**CARD, "latent_shape": "x"})
@example({**CARD, "kind": "torchscript", "path": "model.safetensors"})
@example({**CARD, "kind": "torchscript", "path": "."})
@example({**CARD, "output_index": 1.5, "num_classes": "many"})
def test_model_json_mutated(doc: Any) -> None:
    files = {"model.json": json.dumps(DEMO_JSON).encode(), "model.safetensors": DEMO_WEIGHTS}
    card = isinstance(doc, dict) and "kind" in CARD and doc.get("format") == CARD["format"]
    files["card.json" if card else "model.json"] = json.dumps(doc).encode()
    _load_model_files(files, "card.json" if card else "model.json")


@fuzz(100)
@given(mutated(DEMO_WEIGHTS))
def test_model_weights_mutated(weights: bytes) -> None:
    files = {"model.json": DEMO_MODEL_PATH.read_bytes(), "model.safetensors": weights}
    _load_model_files(files, "model.safetensors")


# --- datasets -----------------------------------------------------------------------------

_IMAGES = np.random.default_rng(0).integers(0, 255, (3, 4, 4), dtype=np.uint8)
IDX = b"\0\0\x08\x03" + np.array([3, 4, 4], ">u4").tobytes() + _IMAGES.tobytes()
IDX_GZ = gzip.compress(IDX, mtime=0)
_buffer = io.BytesIO()
np.save(_buffer, _IMAGES)
NPY = _buffer.getvalue()
_buffer = io.BytesIO()
np.savez(_buffer, images=_IMAGES, labels=np.array([0, 1, 2]))
NPZ = _buffer.getvalue()
DATASET_ERRORS = (DatasetError, SpecError)


def _png(seed: int) -> bytes:
    from PIL import Image

    pixels = np.random.default_rng(seed).integers(0, 255, (4, 4), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


PNG = _png(0)


def read_images(dataset: Any) -> np.ndarray:
    """Read every image as the encoder gets them (floats in [0, 1]) and one as shown."""
    count = len(dataset)
    assert count > 0
    batch = dataset.float_batch(0, count)
    assert batch.shape == (count, *dataset.image_shape)
    assert np.isfinite(batch).all() and batch.min() >= 0 and batch.max() <= 1
    shown = np.asarray(dataset.images[count - 1])
    assert shown.dtype == np.uint8 and shown.shape[:2] == dataset.image_shape[:2]
    return batch


def _load_and_read(spec: str, image_size: int | None = None) -> None:
    read_images(load_dataset(spec, image_size=image_size))


def _load_dataset_file(name: str, data: bytes) -> None:
    with scratch() as folder:
        (folder / name).write_bytes(data)
        expect_only(DATASET_ERRORS, lambda: _load_and_read(str(folder / name)))


@fuzz(150)
@given(st.binary(max_size=256) | mutated(IDX))
def test_dataset_idx_raw(data: bytes) -> None:
    _load_dataset_file("t10k-images-idx3-ubyte", data)


@fuzz(150)
@given(st.binary(max_size=256) | mutated(IDX_GZ))
def test_dataset_idx_gz(data: bytes) -> None:
    _load_dataset_file("t10k-images-idx3-ubyte.gz", data)


@fuzz(150)
@given(st.binary(max_size=256) | mutated(NPY))
def test_dataset_npy(data: bytes) -> None:
    _load_dataset_file("images.npy", data)


@fuzz(150)
@given(st.binary(max_size=256) | mutated(NPZ))
@example(_zip_version_needed(NPZ, 64))
def test_dataset_npz(data: bytes) -> None:
    _load_dataset_file("images.npz", data)


@fuzz(100)
@given(st.binary(max_size=256) | mutated(PNG))
def test_dataset_png_folder(broken: bytes) -> None:
    with scratch() as folder:
        (folder / "a").mkdir()
        (folder / "b").mkdir()
        (folder / "a" / "0.png").write_bytes(_png(1))
        (folder / "b" / "1.png").write_bytes(broken)
        expect_only(DATASET_ERRORS, lambda: _load_and_read(str(folder)))


def _jpeg(seed: int) -> bytes:
    from PIL import Image

    pixels = np.random.default_rng(seed).integers(0, 255, (6, 9, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=80)
    return out.getvalue()


_buffer = io.BytesIO()
with zipfile.ZipFile(_buffer, "w") as _zipped:
    _zipped.writestr("photos/a/0.png", _png(2))
    _zipped.writestr("photos/b/1.jpg", _jpeg(3))
    _zipped.writestr("photos/b/2.png", _png(4))
IMAGE_ZIP = _buffer.getvalue()


@fuzz(100)
@given(st.binary(max_size=256) | mutated(IMAGE_ZIP), st.sampled_from([None, 8]))
def test_dataset_zip_of_images(data: bytes, image_size: int | None) -> None:
    """A zip of photos, damaged anywhere (directory, headers, the images inside), opened at
    its own size or resized: it reads through to the pixels or says what is wrong."""
    with scratch() as folder:
        (folder / "photos.zip").write_bytes(data)
        expect_only(DATASET_ERRORS,
                    lambda: _load_and_read(str(folder / "photos.zip"), image_size))
