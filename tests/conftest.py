"""Shared test setup: offscreen Qt, a private cache folder, no user settings touched."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.shared_data import shared_data

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
MNIST_DIR = shared_data("mnist", "LATENT_EXPLORER_MNIST")
"""The real MNIST IDX files; the tests that need them skip (saying so) where they are absent."""
MNIST_SKIP = (f"the MNIST IDX files are not in {MNIST_DIR}; set LATENT_EXPLORER_MNIST to the "
              "folder that holds them")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test session caches into a temporary folder, never the user's cache (nor writes
    the user's state folder: commands remember there where they wrote)."""
    monkeypatch.setenv("LATENT_EXPLORER_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.setenv("LATENT_EXPLORER_CONFIG", str(tmp_path_factory.getbasetemp() / "config"))
    monkeypatch.setenv("LATENT_EXPLORER_STATE", str(tmp_path_factory.getbasetemp() / "state"))
    # Decode on plain PyTorch: trying the faster paths exports ONNX (seconds per model);
    # tests/core/test_fast_decode.py sets it back to "auto" where that is what is tested.
    monkeypatch.setenv("LATENT_EXPLORER_DECODE", "eager")
    # The image cache's limit: the default, whatever the shell or an earlier test set.
    from latent_explorer.core.datasets.image_cache_limit import LIMIT_ENV, set_image_cache_limit

    monkeypatch.delenv(LIMIT_ENV, raising=False)
    set_image_cache_limit(None)
    # The memory a file may take: what this machine has, whatever the shell set.
    monkeypatch.delenv("LATENT_EXPLORER_MEMORY_LIMIT", raising=False)
    yield
    set_image_cache_limit(None)
