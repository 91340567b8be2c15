"""Attribute vectors (B minus A, principal directions) as live sliders, kept in the session;
exporting the selection (CSV, NPZ) and the map (PNG, SVG)."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from latent_explorer.core.analysis.attributes import attribute_from_selections
from tests.qt.conftest import wait_decoded


def save_selection(window, qtbot, name: str, indices) -> None:  # type: ignore[no-untyped-def]
    panel = window.analysis.selection_panel
    window.analysis.state.select(indices)
    panel.name_edit.setFocus()
    qtbot.keyClicks(panel.name_edit, name)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)


def test_attribute_sliders_move_the_latent_and_persist(make_window, qtbot, tmp_path: Path) \
        -> None:
    window = make_window()
    ws = window.workspace
    labels = ws.dataset.labels
    save_selection(window, qtbot, "ones", np.flatnonzero(labels == 1))
    save_selection(window, qtbot, "sevens", np.flatnonzero(labels == 7))
    panel = window.analysis.attribute_panel
    assert (panel.a_combo.currentText(), panel.b_combo.currentText()) == ("ones", "sevens")
    qtbot.mouseClick(panel.difference_button, Qt.MouseButton.LeftButton)
    vector = attribute_from_selections(ws.latents, labels == 1, labels == 7)
    [made] = window.analysis.state.attributes
    assert made.name == "sevens minus ones"
    np.testing.assert_allclose(made.vector, vector.vector, rtol=1e-6)
    window.explorer.selected_index = 5
    wait_decoded(qtbot, window)
    base = window.explorer.current_latent.copy()
    slider = panel.sliders["sevens minus ones"]
    slider.setFocus()
    for _ in range(5):
        qtbot.keyClick(slider, Qt.Key.Key_PageUp)  # 10 steps of 0.01 each
    amount = slider.value() / 100
    assert amount == 0.5
    np.testing.assert_allclose(window.explorer.current_latent, base + 0.5 * vector.vector,
                               rtol=1e-5, atol=1e-6)
    wait_decoded(qtbot, window)
    assert panel.value_labels["sevens minus ones"].text() == "+0.50"
    # Moving the latent elsewhere re-bases the sliders.
    window.explorer.selected_index = 9
    assert slider.value() == 0
    # Principal directions of one selection; rename and delete.
    qtbot.mouseClick(panel.principal_button, Qt.MouseButton.LeftButton)
    names = [a.name for a in window.analysis.state.attributes]
    assert names == ["sevens minus ones", "ones PC 1", "ones PC 2", "ones PC 3"]
    edit = panel.name_edits["sevens minus ones"]
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "more seven")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert window.analysis.state.attributes[0].name == "more seven"
    delete = panel.rows_layout.itemAtPosition(2, 3).widget()
    qtbot.mouseClick(delete, Qt.MouseButton.LeftButton)
    assert [a.name for a in window.analysis.state.attributes] == [
        "more seven", "ones PC 1", "ones PC 3"]
    # Saved in the session and put back by opening it.
    window.analysis.state.colour_by = "label"
    target = window.sessions.save(tmp_path / "s.lxs")
    other = make_window(dataset=None)
    with qtbot.waitSignal(other.sessions.restored, timeout=60_000):
        other.sessions.open_session(target)
    state = other.analysis.state
    assert [s.name for s in state.named_selections] == ["ones", "sevens"]
    np.testing.assert_array_equal(state.named_selections[1].indices, np.flatnonzero(labels == 7))
    assert [a.name for a in state.attributes] == ["more seven", "ones PC 1", "ones PC 3"]
    np.testing.assert_allclose(state.attributes[0].vector, vector.vector, rtol=1e-6)
    assert list(other.analysis.attribute_panel.sliders) == [a.name for a in state.attributes]


def test_export_selection_and_map(make_window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    analysis = window.analysis
    ws = window.workspace
    rows = np.array([3, 10, 500])
    analysis.state.select(rows)
    with qtbot.waitSignal(analysis.jobs.exported, timeout=10_000):
        analysis.jobs.export_selection(tmp_path / "sel.csv")
    with (tmp_path / "sel.csv").open() as handle:
        table = list(csv.DictReader(handle))
    assert [int(r["index"]) for r in table] == rows.tolist()
    assert [int(r["label"]) for r in table] == ws.dataset.labels[rows].tolist()
    assert float(table[1]["map_x"]) == ws.projector.coords[10, 0]
    assert float(table[2]["z0"]) == ws.latents[500, 0]
    with qtbot.waitSignal(analysis.jobs.exported, timeout=10_000):
        analysis.jobs.export_selection(tmp_path / "sel.npz")
    with np.load(tmp_path / "sel.npz") as archive:
        np.testing.assert_array_equal(archive["index"], rows)
        np.testing.assert_array_equal(archive["latents"], ws.latents[rows])
    assert analysis.export_selection_action in window.menuBar().actions()[0].menu().actions()
    # The map as PNG (what is shown) and as SVG (one circle per visible point).
    window.explorer.hidden_labels = frozenset({0})
    with qtbot.waitSignal(analysis.jobs.exported, timeout=10_000):
        analysis.jobs.export_map_png(tmp_path / "map.png")
    image = QImage(str(tmp_path / "map.png"))
    assert image.width() == window.map_view.width()
    with qtbot.waitSignal(analysis.jobs.exported, timeout=10_000):
        analysis.jobs.export_map_svg(tmp_path / "map.svg")
    root = ET.parse(tmp_path / "map.svg").getroot()
    circles = root.findall(".//{http://www.w3.org/2000/svg}circle")
    assert len(circles) == int((ws.dataset.labels != 0).sum())
    groups = root.findall("{http://www.w3.org/2000/svg}g")
    faint = [g for g in groups if g.get("fill-opacity")]
    shown = ws.dataset.labels != 0
    bright = int(shown[rows].sum())
    assert sum(len(g) for g in faint) == int(shown.sum()) - bright  # the unselected are dimmed
