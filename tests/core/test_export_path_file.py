"""Path files round-trip, and every malformed file is refused with a message naming it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from latent_explorer.core.errors import InputFileError
from latent_explorer.core.export.path_file import (
    SCHEMA,
    PathFile,
    load_path_file,
    save_path_file,
)
from latent_explorer.core.export.sheet import contact_sheet, sheet_indices, sheet_path


def _spec() -> PathFile:
    anchors = np.array([[0.5, -1.25, 2.0], [1.0, 0.0, -0.5], [0.1, 0.2, 0.3]], np.float32)
    return PathFile(anchors=anchors, indices=(12, None, 7), interp="lerp", frames=90,
                    easing="ease_in_out", loop=True, pingpong=False, hold=3, fps=24.0,
                    size=256, scale="smooth", label=4, dataset="digits", model="demo")


def _good_json() -> dict[str, Any]:
    return _spec().to_json()


def test_round_trip(tmp_path: Path) -> None:
    out = save_path_file(tmp_path / "walk.json", _spec())
    back = load_path_file(out)
    assert np.array_equal(back.anchors, _spec().anchors) and back.anchors.dtype == np.float32
    assert back.indices == (12, None, 7)
    for name in ("interp", "frames", "frames_per_segment", "easing", "loop", "pingpong",
                 "hold", "fps", "size", "scale", "label", "dataset", "model"):
        assert getattr(back, name) == getattr(_spec(), name), name
    assert json.loads(out.read_text())["schema"] == SCHEMA
    assert [p.name for p in tmp_path.iterdir()] == ["walk.json"]


def test_defaults_and_forward_compatible_keys(tmp_path: Path) -> None:
    path = tmp_path / "min.json"
    path.write_text(json.dumps({"schema": SCHEMA, "version": 1, "note": "kept",
                                "anchors": [{"latent": [0, 1]}, {"latent": [1, 0]}],
                                "path": {"easing": "ease-in-out"}}))
    spec = load_path_file(path)
    assert spec.latent_dim == 2 and spec.indices is None and spec.easing == "ease_in_out"
    assert (spec.interp, spec.fps, spec.size, spec.scale) == ("slerp", 30.0, 512, "nearest")
    save_path_file(path, spec)
    assert json.loads(path.read_text())["note"] == "kept"


def test_per_anchor_holds_round_trip(tmp_path: Path) -> None:
    spec = PathFile(anchors=_spec().anchors, hold=(0, 2, 1))
    assert load_path_file(save_path_file(tmp_path / "h.json", spec)).hold == (0, 2, 1)


def _mutate(change: Any) -> dict[str, Any]:
    data = _good_json()
    change(data)
    return data


BROKEN = {
    "not json": "{ this is not json",
    "wrong schema": {"schema": "something-else", "version": 1},
    "a list": [1, 2, 3],
    "newer version": _mutate(lambda d: d.update(version=99)),
    "NaN value": json.dumps(_good_json()).replace("0.5", "NaN", 1),
    "Infinity": json.dumps(_good_json()).replace("0.5", "Infinity", 1),
    "ragged anchors": _mutate(lambda d: d["anchors"][1]["latent"].append(1.0)),
    "wrong latent_dim": _mutate(lambda d: d.update(latent_dim=5)),
    "string in latent": _mutate(lambda d: d["anchors"][0].update(latent=["1", 2, 3])),
    "no anchors": _mutate(lambda d: d.update(anchors=[])),
    "bad interp": _mutate(lambda d: d["path"].update(interp="cubic")),
    "bad frames": _mutate(lambda d: d["path"].update(frames=1.5)),
    "bool hold": _mutate(lambda d: d["path"].update(hold=True)),
    "loop as text": _mutate(lambda d: d["path"].update(loop="yes")),
    "negative fps": _mutate(lambda d: d["render"].update(fps=-3)),
    "bad index": _mutate(lambda d: d["anchors"][0].update(index=-1)),
    "model not text": _mutate(lambda d: d.update(model=["demo"])),
    "path not object": _mutate(lambda d: d.update(path=[1])),
    "holds of wrong length": _mutate(lambda d: d["path"].update(hold=[1, 2])),
    "loop and pingpong": _mutate(lambda d: d["path"].update(loop=True, pingpong=True)),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_malformed_files_raise_input_file_error(tmp_path: Path, case: str) -> None:
    content = BROKEN[case]
    path = tmp_path / "broken.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    with pytest.raises(InputFileError) as info:
        load_path_file(path)
    assert info.value.path == str(path)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        load_path_file(tmp_path / "nope.json")


def test_sheet_indices_and_layout() -> None:
    assert sheet_indices(100, 5) == [0, 25, 50, 74, 99]
    assert sheet_indices(3, 10) == [0, 1, 2]
    assert sheet_indices(10, 1) == [0]
    tiles = [np.full((4, 6, 1), v, np.uint8) for v in (10, 20, 30, 40, 50)]
    sheet = contact_sheet(tiles, gap=2)
    assert sheet.shape == (2 * 4 + 3 * 2, 3 * 6 + 4 * 2, 1)  # 3 columns, 2 rows
    assert sheet[2, 2, 0] == 10 and sheet[2 + 4 + 2, 2, 0] == 40
    assert sheet[0, 0, 0] == 255 and sheet[-1, -1, 0] == 255  # gutters and the empty cell
    assert sheet_path("out/walk.mp4") == Path("out/walk_sheet.png")
    assert sheet_path("out/frames") == Path("out/frames_sheet.png")
    assert sheet_path("out/f_%04d.png") == Path("out/f_sheet.png")
