"""Fixtures for the Python API: windows opened by ``lx.explore`` are closed after each test."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

import latent_explorer as lx


@pytest.fixture
def open_explorer(qtbot: Any) -> Iterator[Callable[..., lx.Explorer]]:
    """``lx.explore(..., block=False)``, waiting until the map is shown; closes the windows
    afterwards and checks that no worker thread is left running."""
    before = set(threading.enumerate())
    handles: list[lx.Explorer] = []

    def open_(*args: Any, wait: bool = True, **kwargs: Any) -> lx.Explorer:
        kwargs.setdefault("size", (1000, 700))
        explorer = lx.explore(*args, block=False, **kwargs)
        qtbot.addWidget(explorer.window)
        handles.append(explorer)
        if wait:
            explorer.wait_ready(timeout=60)
        return explorer

    yield open_
    for explorer in handles:
        explorer.close()
    QApplication.processEvents()

    def leftover() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t not in before and t.is_alive()
                and t.name.startswith(("latent-", "job:"))]

    deadline = time.monotonic() + 10  # a job finishing its last batch after the cancel
    while leftover() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not leftover(), f"threads left running: {leftover()}"
