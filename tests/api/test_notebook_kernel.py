"""The notebook example runs in a real IPython kernel (jupyter_client + ipykernel), offscreen.

Under ``%gui qt`` the kernel runs Qt's event loop between cells: ``lx.explore`` returns at
once with a live handle, and the handle answers in later cells while the window is open.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "docs" / "examples" / "explore_in_notebook.ipynb"

pytest.importorskip("ipykernel")

manager = pytest.importorskip("jupyter_client.manager")

# ipykernel's Qt integration can miss a request that arrives while it switches between its
# own loop and Qt's (cells sent back to back, as "Run All" does); a person running cells
# leaves more than this between them.
PAUSE_S = 0.5


class Kernel:
    """A kernel client that runs cells and collects what they print, show and raise."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def run(self, code: str, timeout: float = 180) -> str:
        time.sleep(PAUSE_S)
        out: list[str] = []
        errors: list[str] = []

        def hook(message: dict[str, Any]) -> None:
            kind, content = message["msg_type"], message["content"]
            if kind == "stream":
                out.append(content["text"])
            elif kind in ("execute_result", "display_data"):
                out.append(content["data"].get("text/plain", "") + "\n")
            elif kind == "error":
                errors.append(f"{content['ename']}: {content['evalue']}")

        reply = self.client.execute_interactive(code, timeout=timeout, output_hook=hook)
        assert reply["content"]["status"] == "ok" and not errors, (code, errors, "".join(out))
        return "".join(out)


def start_kernel(tmp_path: Path) -> tuple[Any, Kernel]:
    """A kernel running this checkout offscreen, with private settings and cache."""
    # One torch thread: the example's training steps are tiny, and on a shared CI machine
    # more threads only wait for each other.
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO),
               OMP_NUM_THREADS="1", LATENT_EXPLORER_CONFIG=str(tmp_path / "config"),
               LATENT_EXPLORER_CACHE=str(tmp_path / "cache"))
    km, client = manager.start_new_kernel(env=env, cwd=str(tmp_path), startup_timeout=120)
    return km, Kernel(client)


@pytest.mark.slow
def test_the_notebook_example_runs_in_a_kernel(tmp_path: Path) -> None:
    # Models and datasets made from Python objects come from two sibling changes
    # (core/models/from_object.py, core/datasets/from_object.py).
    pytest.importorskip("latent_explorer.core.models.from_object",
                        reason="model_from_object is not in this tree yet")
    pytest.importorskip("latent_explorer.core.datasets.from_object",
                        reason="dataset_from_object is not in this tree yet")
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    cells = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    km, kernel = start_kernel(tmp_path)
    try:
        outputs = []
        for code in cells:
            began = time.monotonic()
            outputs.append(kernel.run(code))
            if "lx.explore(" in code:
                # It returned before the window had encoded anything: nothing blocked.
                assert "<latent_explorer.Explorer (opening)" in outputs[-1]
                assert time.monotonic() - began < 60
        text = "".join(outputs)
        assert "(4,)\n" in text and "183 threes selected" in text
        assert (tmp_path / "walk.gif").is_file() and (tmp_path / "explorer.png").is_file()

        # The handle answers in later cells while the window stays open.
        assert kernel.run("print(explorer.ready, explorer.is_open)") == "True True\n"
        assert kernel.run("print(explorer.model.latent_shape, len(explorer.dataset))") \
            == "(4,) 1797\n"
        kernel.run("explorer.set_latent([0.5, -0.5, 1.0, 0.0])")
        assert kernel.run("print(explorer.latent.tolist())") == "[0.5, -0.5, 1.0, 0.0]\n"
        # The user lassoes two samples in the window: the signal connected above reports it.
        assert kernel.run("explorer.window.analysis.state.select([5, 9])") == "2 selected\n"
        assert kernel.run("print(explorer.selection.tolist())") == "[5, 9]\n"
        kernel.run("explorer.close()")
        assert kernel.run("print(explorer.is_open)") == "False\n"
    finally:
        kernel.client.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.mark.slow
def test_explore_switches_the_kernel_s_qt_loop_on_by_itself(tmp_path: Path) -> None:
    """No ``%gui qt`` first: ``lx.explore`` switches it on, returns at once, and the window
    answers in the next cells."""
    km, kernel = start_kernel(tmp_path)
    try:
        out = kernel.run("import latent_explorer as lx\n"
                         "explorer = lx.explore('demo', 'digits')\n"
                         "print(get_ipython().active_eventloop, explorer.ready)")
        assert out == "qt False\n"
        deadline = time.monotonic() + 120
        while kernel.run("print(explorer.ready)") != "True\n":
            assert time.monotonic() < deadline, "the map never appeared"
        assert kernel.run("print(explorer.latent.shape)") == "(8,)\n"
        kernel.run("explorer.selection = [4, 2]")
        assert kernel.run("print(explorer.selection.tolist())") == "[2, 4]\n"
        kernel.run("explorer.close()")
    finally:
        kernel.client.stop_channels()
        km.shutdown_kernel(now=True)
