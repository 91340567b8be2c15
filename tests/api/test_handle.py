"""``lx.explore(..., block=False)`` in this process: the handle reads and drives the real window."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import latent_explorer as lx
from latent_explorer.core.datasets.base import ArrayDataset
from latent_explorer.core.errors import DatasetError, LatentExplorerError, SpecError
from latent_explorer.core.models.base import GenerativeModel, to_uint8
from tests.qt.conftest import wait_decoded


def decoded_image(explorer: lx.Explorer) -> np.ndarray:
    pane = explorer.window.decoder_view.decoded_pane
    assert pane.array is not None
    return np.asarray(pane.array)


def test_the_handle_reads_and_sets_the_latent_the_window_shows(open_explorer: Any,
                                                               qtbot: Any) -> None:
    explorer = open_explorer("demo", "digits")
    ws = explorer.window.workspace
    assert explorer.ready and explorer.model is ws.model and explorer.dataset is ws.dataset
    start = explorer.window.workspaces.start_index  # a real sample, near the middle
    assert start is not None
    np.testing.assert_allclose(explorer.latent, ws.latents[start])
    assert explorer.latents.shape == (1797, 8)
    seen: list[np.ndarray] = []
    explorer.latent_changed.connect(seen.append)

    z = np.linspace(-1.5, 1.5, 8).astype(np.float32)
    explorer.set_latent(z)
    np.testing.assert_array_equal(explorer.latent, z)
    wait_decoded(qtbot, explorer.window)
    expected = to_uint8(ws.model.decode(z[None])[0])
    np.testing.assert_array_equal(decoded_image(explorer).reshape(expected.shape), expected)
    assert len(seen) == 1 and np.array_equal(seen[0], z)
    seen[0][:] = 99  # a copy: the window's latent is untouched
    np.testing.assert_array_equal(explorer.latent, z)

    # The user steps to the first sample (View > Next sample): the handle hears of it.
    explorer.window.step_sample(1)
    np.testing.assert_allclose(seen[-1], ws.latents[0])
    np.testing.assert_allclose(explorer.latent, ws.latents[0])


def test_set_latent_refuses_latents_that_do_not_fit(open_explorer: Any) -> None:
    explorer = open_explorer("demo", "digits")
    with pytest.raises(LatentExplorerError, match=r"shape \(5,\) does not fit .* 8 values"):
        explorer.set_latent(np.zeros(5))
    with pytest.raises(LatentExplorerError, match="NaN"):
        explorer.set_latent(np.full(8, np.nan))
    explorer.set_latent(np.ones((1, 8)))  # any shape with the model's number of values
    np.testing.assert_array_equal(explorer.latent, np.ones(8, dtype=np.float32))


def test_selection_goes_both_ways(open_explorer: Any) -> None:
    explorer = open_explorer("demo", "digits")
    window = explorer.window
    heard: list[np.ndarray] = []
    explorer.selection_changed.connect(heard.append)
    assert explorer.selection.tolist() == []

    explorer.selection = [30, 4, 30, 12]
    assert explorer.selection.tolist() == [4, 12, 30]
    assert window.analysis.state.selection.tolist() == [4, 12, 30]
    assert heard[-1].tolist() == [4, 12, 30]

    # The user adds to the selection in the window (as a lasso with Shift does).
    window.analysis.state.select(np.array([7, 8]), mode="add")
    assert explorer.selection.tolist() == [4, 7, 8, 12, 30]
    assert heard[-1].tolist() == [4, 7, 8, 12, 30]
    with pytest.raises(LatentExplorerError, match="0 to 1796"):
        explorer.selection = [5, 1797]


def test_paths_and_render_use_the_window_s_path(open_explorer: Any, tmp_path: Path) -> None:
    explorer = open_explorer("demo", "digits")
    ws = explorer.window.workspace
    assert list(explorer.paths) == ["Path 1"] and explorer.paths["Path 1"].size == 0
    with pytest.raises(LatentExplorerError, match="no anchors yet"):
        explorer.render(tmp_path / "none.gif")
    for index in (3, 40, 500):  # the user clicks samples and presses Add keyframe
        explorer.window.explorer.selected_index = index
        explorer.window.paths.add_keyframe()
    anchors = explorer.paths["Path 1"]
    np.testing.assert_allclose(anchors, ws.latents[[3, 40, 500]])

    report = explorer.render(tmp_path / "walk.gif", frames=12, size=32, fps=10)
    assert report.frames == 12 and report.path == tmp_path / "walk.gif"
    with Image.open(tmp_path / "walk.gif") as gif:
        assert gif.n_frames == 12 and max(gif.size) == 32

    # Anchors given as sample numbers, rendered as PNG frames.
    frames = explorer.render(tmp_path / "frames", anchors=[3, 500], frames_per_segment=4,
                             size=16)
    assert frames.frames == 5 and len(list((tmp_path / "frames").glob("*.png"))) == 5
    with pytest.raises(LatentExplorerError, match=r"sample numbers 0 to 1796"):
        explorer.render(tmp_path / "bad.gif", anchors=[0, 5000])
    with pytest.raises(LatentExplorerError, match=r"latents of shape \(K, 8\)"):
        explorer.render(tmp_path / "bad.gif", anchors=np.zeros((2, 3)))
    with pytest.raises(TypeError, match="colour"):
        explorer.render(tmp_path / "bad.gif", colour="red")


def test_the_handle_answers_from_another_thread(open_explorer: Any, qtbot: Any) -> None:
    explorer = open_explorer("demo", "digits", wait=False)  # the worker waits for the map
    on_thread: list[bool] = []
    explorer.latent_changed.connect(
        lambda _z: on_thread.append(threading.current_thread() is threading.main_thread()))
    results: dict[str, Any] = {}

    def worker() -> None:
        try:
            results["ready"] = explorer.wait_ready(timeout=60).ready
            results["before"] = explorer.latent
            explorer.set_latent(np.full(8, 0.5))
            results["after"] = explorer.latent
            results["selection"] = explorer.selection
        except Exception as exc:  # reported below
            results["error"] = exc

    thread = threading.Thread(target=worker)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=60_000)  # the GUI loop runs here
    assert "error" not in results, results.get("error")
    assert results["ready"]
    assert results["before"].shape == (8,)
    np.testing.assert_array_equal(results["after"], np.full(8, 0.5, dtype=np.float32))
    assert on_thread and all(on_thread)  # the window's state changes on the GUI thread


def test_data_the_model_cannot_encode_is_reported_by_wait_ready(open_explorer: Any) -> None:
    big = ArrayDataset("photos", "memory", np.zeros((10, 16, 16, 3), dtype=np.uint8))
    explorer = open_explorer("demo", big, wait=False)
    with pytest.raises(LatentExplorerError, match=r"16x16|16, 16"):
        explorer.wait_ready(timeout=60)
    assert explorer.is_open and not explorer.ready  # the window stays, saying what is wrong
    with pytest.raises(LatentExplorerError, match=r"16x16|16, 16"):
        explorer.set_latent(np.zeros(8))


def test_screenshot_keeps_the_window_open(open_explorer: Any, tmp_path: Path) -> None:
    explorer = open_explorer("demo", "digits", size=(1100, 800))
    path = explorer.screenshot(tmp_path / "shots" / "now.png")
    assert path.is_file() and explorer.is_open
    with Image.open(path) as shot:
        assert shot.size == (1100, 800)
        pixels = np.asarray(shot.convert("L"), dtype=np.float32)
    assert pixels.std() > 10  # a drawn window, not a blank image


def test_a_closed_window_keeps_its_last_values(open_explorer: Any) -> None:
    explorer = open_explorer("demo", "digits")
    explorer.set_latent(np.arange(8))
    explorer.selection = [1, 2]
    explorer.close()
    assert not explorer.is_open and "closed" in repr(explorer)
    np.testing.assert_array_equal(explorer.latent, np.arange(8, dtype=np.float32))
    assert explorer.selection.tolist() == [1, 2]
    with pytest.raises(LatentExplorerError, match="closed"):
        explorer.set_latent(np.zeros(8))


def test_the_user_closing_the_window_is_noticed(open_explorer: Any, qtbot: Any) -> None:
    explorer = open_explorer("demo", "digits")
    explorer.window.close()  # the title bar's close button
    qtbot.waitUntil(lambda: not explorer.is_open, timeout=5000)
    assert explorer.latent is not None


def test_in_memory_dataset_and_model_objects(open_explorer: Any) -> None:
    rng = np.random.default_rng(0)
    # A non-contiguous view, as slicing a bigger array gives.
    big = rng.integers(0, 256, size=(120, 8, 8, 2), dtype=np.uint8)
    images = big[::2, :, :, :1]
    data = ArrayDataset("my digits", "memory", images, labels=np.arange(60) % 3)
    model = lx.load_model("demo")
    assert isinstance(model, GenerativeModel) and model.latent_dim == 8
    explorer = open_explorer(model, data)
    assert explorer.dataset is data and explorer.model is model
    assert explorer.latents.shape == (60, 8)
    assert len(explorer.window.workspace.projector.coords) == 60


def test_bad_input_is_refused_before_a_window_opens(qtbot: Any, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QApplication

    windows = len(QApplication.topLevelWidgets())
    with pytest.raises(DatasetError, match=r"missing\.npz: no such file"):
        lx.explore("demo", str(tmp_path / "missing.npz"), block=False)
    with pytest.raises(TypeError, match=r"latnt_shape.*latent_shape"):
        lx.explore("demo", "digits", latnt_shape=8, block=False)
    with pytest.raises(SpecError, match="output range 'sideways'"):
        lx.explore(decode=lambda z: z, output_range="sideways", block=False)
    with pytest.raises(SpecError, match="projection"):
        lx.explore("demo", projection="mds", block=False)
    with pytest.raises(SpecError, match="give data= too"):
        lx.explore("demo", labels=[1, 2], block=False)
    assert len(QApplication.topLevelWidgets()) == windows


def test_load_model_and_load_dataset_take_specs() -> None:
    model = lx.load_model("demo", name="my demo")
    assert model.name == "my demo" and model.latent_shape == (8,)
    assert lx.load_model(model) is model
    with pytest.raises(SpecError, match="already the app's model"):
        lx.load_model(model, output_range="-1,1")
    with pytest.raises(LatentExplorerError, match=r"latents have shape \(8,\), not \(4,\)"):
        lx.load_model("demo", latent_shape=(4,))
    data = lx.load_dataset("digits", name="digits, again")
    assert len(data) == 1797 and data.name == "digits, again"
    assert lx.load_dataset(data) is data
