"""``lx.explore`` from a plain Python script (no IPython): blocking, ``block=False``, screenshot."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent('''
    import sys
    import numpy as np
    import latent_explorer as lx
    from latent_explorer.qt.app import make_application
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    shot = sys.argv[1]

    # 1. Blocking (the default in a script): returns once the user closes the window. The
    #    "user" here closes it as soon as its map is shown.
    def close_when_ready():
        for widget in QApplication.topLevelWidgets():
            if getattr(widget, "workspace", None) is not None and widget.isVisible():
                print("user closes the window", flush=True)
                widget.close()
                return
        QTimer.singleShot(50, close_when_ready)

    make_application()
    QTimer.singleShot(0, close_when_ready)
    explorer = lx.explore("demo", "digits")
    print("blocking returned; open:", explorer.is_open, "latent:", explorer.latent.shape,
          flush=True)

    # 2. block=False: returns at once; the script drives the window through the handle.
    explorer = lx.explore("demo", "digits", block=False)
    print("non-blocking returned; ready:", explorer.ready, flush=True)
    explorer.wait_ready()
    explorer.set_latent(np.full(8, 0.25))
    explorer.selection = [2, 3]
    print("latent:", explorer.latent.tolist(), "selection:", explorer.selection.tolist(),
          flush=True)
    explorer.close()

    # 3. screenshot=: waits for the map and the decoded image, saves, closes, returns.
    explorer = lx.explore("demo", "digits", screenshot=shot, size=(1200, 820))
    print("screenshot returned; open:", explorer.is_open, flush=True)

    # 4. A script that ends without waiting: its window closes cleanly, with a hint.
    explorer = lx.explore("demo", "digits", block=False)
''')


@pytest.mark.slow
def test_explore_in_a_plain_script(tmp_path: Path) -> None:
    script = tmp_path / "explore_script.py"
    script.write_text(SCRIPT, encoding="utf-8")
    shot = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO),
               LATENT_EXPLORER_CONFIG=str(tmp_path / "config"),
               LATENT_EXPLORER_CACHE=str(tmp_path / "cache"))
    run = subprocess.run([sys.executable, str(script), str(shot)], capture_output=True,
                         text=True, env=env, timeout=240, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    assert lines[:2] == ["user closes the window",
                         "blocking returned; open: False latent: (8,)"]
    assert lines[2] == "non-blocking returned; ready: False"
    assert lines[3] == f"latent: {[0.25] * 8} selection: [2, 3]"
    assert lines[-2:] == [f"saved screenshot {shot}", "screenshot returned; open: False"]
    assert "the script ended, so its explorer window closed; call explorer.wait()" in run.stderr
    assert "Traceback" not in run.stderr
    with Image.open(shot) as image:
        assert image.size == (1200, 820)
        pixels = np.asarray(image.convert("L"), dtype=np.float32)
    assert pixels.std() > 10
