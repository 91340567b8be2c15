"""Shared test setup: offscreen Qt, a private cache folder, no user settings touched."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
MNIST_DIR = REPO.parent / "shared" / "data" / "mnist"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test session caches into a temporary folder, never the user's cache."""
    monkeypatch.setenv("LATENT_EXPLORER_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.setenv("LATENT_EXPLORER_CONFIG", str(tmp_path_factory.getbasetemp() / "config"))
    # Decode on plain PyTorch: trying the faster paths exports ONNX (seconds per model);
    # tests/core/test_fast_decode.py sets it back to "auto" where that is what is tested.
    monkeypatch.setenv("LATENT_EXPLORER_DECODE", "eager")
    yield
