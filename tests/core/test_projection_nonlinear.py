"""UMAP and t-SNE fits in a child process: quality, sampling, cancel and child errors.

A fresh UMAP child spends about ten seconds importing umap-learn and JIT-compiling it, so the
UMAP tests are marked slow (they still run in CI).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from typing import Any

import numpy as np
import pytest

from latent_explorer.core.errors import JobCancelled, LatentExplorerError
from latent_explorer.core.jobs import JobContext
from latent_explorer.core.projection import (
    ProjectionParams,
    TSNEProjector,
    UMAPProjector,
    fit_projection,
    projector_from_arrays,
)
from latent_explorer.core.projection.subprocess_runner import run_in_child


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    data = load_digits()
    return data.data[:500].astype(np.float32), data.target[:500]


def _knn_accuracy(coords: np.ndarray, labels: np.ndarray) -> float:
    from sklearn.model_selection import cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    return float(cross_val_score(KNeighborsClassifier(5), coords, labels, cv=5).mean())


def _check_projector(proj: Any, latents: np.ndarray, n_components: int) -> None:
    assert proj.coords.shape == (len(latents), n_components)
    assert proj.coords.dtype == np.float32
    np.testing.assert_array_equal(proj.inverse(proj.coords[:10]), latents[:10])
    np.testing.assert_array_equal(proj.transform(latents[:10]), proj.coords[:10])
    rebuilt = projector_from_arrays(proj.params, proj.to_arrays())
    assert type(rebuilt) is type(proj)
    np.testing.assert_array_equal(rebuilt.coords, proj.coords)


@pytest.mark.slow
@pytest.mark.parametrize("n_components", [2, 3])
def test_umap_separates_digits(digits: tuple[np.ndarray, np.ndarray], n_components: int) -> None:
    latents, labels = digits
    messages: list[tuple[float | None, str]] = []
    ctx = JobContext(lambda fraction, message: messages.append((fraction, message)))
    proj = fit_projection(latents, ProjectionParams("umap", n_components, seed=1), ctx)
    assert isinstance(proj, UMAPProjector)
    assert proj.sampled is None
    assert (None, "UMAP: fitting 500 points ...") in messages
    _check_projector(proj, latents, n_components)
    assert _knn_accuracy(proj.coords, labels) >= 0.8
    assert multiprocessing.active_children() == []


def test_tsne_separates_digits_in_3d(digits: tuple[np.ndarray, np.ndarray]) -> None:
    latents, labels = digits[0][:300], digits[1][:300]
    params = ProjectionParams("tsne", 3, options=(("max_iter", 400),))
    proj = fit_projection(latents, params)
    assert isinstance(proj, TSNEProjector)
    assert proj.sampled is None
    _check_projector(proj, latents, 3)
    assert _knn_accuracy(proj.coords, labels) >= 0.8


def test_tsne_in_2d_fits_a_sample_and_places_the_rest(
    digits: tuple[np.ndarray, np.ndarray],
) -> None:
    latents, labels = digits
    params = ProjectionParams("tsne", 2, options=(("fit_sample", 250), ("max_iter", 400)))
    fractions: list[float | None] = []
    proj = fit_projection(latents, params, JobContext(lambda f, _m: fractions.append(f)))
    assert isinstance(proj, TSNEProjector)
    assert proj.sampled == 250
    assert fractions[-1] == 1.0
    _check_projector(proj, latents, 2)
    assert _knn_accuracy(proj.coords, labels) >= 0.8


@pytest.mark.slow
def test_cancel_stops_a_running_umap_fit_quickly(digits: tuple[np.ndarray, np.ndarray]) -> None:
    latents, _ = digits
    started = threading.Event()
    ctx = JobContext(lambda _f, message: started.set() if "UMAP" in message else None)
    outcome: list[BaseException] = []

    def job() -> None:
        try:
            fit_projection(latents, ProjectionParams("umap", 2), ctx)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=job)
    thread.start()
    assert started.wait(10)
    time.sleep(1.5)  # let the child get going (importing umap, compiling)
    assert multiprocessing.active_children() != []
    ctx.cancel()
    begin = time.monotonic()
    thread.join(5)
    assert time.monotonic() - begin < 1.5
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], JobCancelled)
    assert multiprocessing.active_children() == []


def double_in_child(arrays: dict[str, np.ndarray], *, factor: float) -> dict[str, np.ndarray]:
    """A child function for the runner tests."""
    return {"result": arrays["x"] * factor}


def fail_in_child(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A child function that raises."""
    raise ValueError("no good")


def die_in_child(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A child function whose process dies without a word."""
    os._exit(3)


def test_run_in_child_passes_arrays_both_ways() -> None:
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    out = run_in_child(f"{__name__}:double_in_child", {"x": x}, {"factor": 2.0}, JobContext(), "m")
    np.testing.assert_array_equal(out["result"], x * 2)


def test_run_in_child_reports_child_errors() -> None:
    with pytest.raises(LatentExplorerError, match="ValueError: no good"):
        run_in_child(f"{__name__}:fail_in_child", {}, {}, JobContext(), "test job")
    with pytest.raises(LatentExplorerError, match="exit code 3"):
        run_in_child(f"{__name__}:die_in_child", {}, {}, JobContext(), "test job")
    assert multiprocessing.active_children() == []
