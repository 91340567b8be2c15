"""The map as a vector SVG: circles per visible point, grouped by colour, atomic writes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from latent_explorer.core.errors import ExportError
from latent_explorer.core.export.map_svg import MapLabel, map_svg, write_map_svg

NS = "{http://www.w3.org/2000/svg}"


def test_circles_colours_visibility_and_flip() -> None:
    coords = np.array([[0.0, 0.0], [1.0, 1.0], [0.5, 0.25], [2.0, 2.0]])
    colours = np.array([[255, 0, 0, 255], [0, 255, 0, 128], [255, 0, 0, 255], [0, 0, 255, 0]],
                       dtype=np.uint8)
    text = map_svg(coords, colours, visible=[True, True, True, True],
                   view_range=((0.0, 1.0), (0.0, 1.0)), size=(100, 50), radius=3,
                   path=[[0, 0], [1, 1]], labels=[MapLabel(0.5, 0.5, "1 <a>")], title="t")
    root = ET.fromstring(text)
    assert root.get("width") == "100" and root.get("height") == "50"
    groups = {g.get("fill"): g for g in root.findall(f"{NS}g")}
    assert set(groups) == {"#ff0000", "#00ff00"}  # alpha 0 (and out of range) left out
    red = [(float(c.get("cx")), float(c.get("cy"))) for c in groups["#ff0000"]]
    assert red == [(0.0, 50.0), (50.0, 37.5)]  # y flipped: map up is SVG down
    assert groups["#00ff00"].get("fill-opacity") == "0.502"
    assert groups["#00ff00"][0].get("r") == "3"
    assert root.find(f"{NS}polyline").get("points") == "0.00,50.00 100.00,0.00"
    assert root.find(f"{NS}text").text == "1 <a>"
    assert root.find(f"{NS}title").text == "t"


def test_hidden_points_and_fitted_range() -> None:
    rng = np.random.default_rng(0)
    coords = rng.standard_normal((500, 2))
    colours = np.full((500, 3), 200, dtype=np.uint8)
    visible = np.arange(500) % 2 == 0
    root = ET.fromstring(map_svg(coords, colours, visible=visible, background=None))
    circles = root.findall(f".//{NS}circle")
    assert len(circles) == 250
    xs = np.array([float(c.get("cx")) for c in circles])
    assert 0 < xs.min() < 40 and 760 < xs.max() < 800  # 4 % margin around the points
    assert root.find(f"{NS}rect") is None
    with pytest.raises(ValueError, match="colours must be"):
        map_svg(coords, colours[:10])


def test_write_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "map.svg"
    target.write_text("old")
    written = write_map_svg(target, np.zeros((3, 2)), np.zeros((3, 3), np.uint8))
    assert written == target and target.read_text().startswith("<?xml")
    assert [p.name for p in tmp_path.iterdir()] == ["map.svg"]
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError):
        write_map_svg(blocker / "map.svg", np.zeros((3, 2)), np.zeros((3, 3), np.uint8))
