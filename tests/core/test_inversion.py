"""Inversion finds a latent whose decoded image matches a target."""

from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.core.analysis.inversion import invert_image
from latent_explorer.core.errors import IncompatibleError, JobCancelled
from latent_explorer.core.jobs import JobContext
from latent_explorer.core.models import load_model


def test_inversion_reproduces_an_image_the_model_can_make() -> None:
    model = load_model("demo")
    secret = np.array([[0.8, -1.2, 0.3, 1.5, -0.4, 0.9, -0.7, 0.2]], dtype=np.float32)
    target = model.decode(secret)[0]
    result = invert_image(model, target, steps=250, seed=1)
    assert result.error < result.start_error * 0.5
    assert result.error < 0.004
    np.testing.assert_allclose(model.decode(result.latent[None])[0], target, atol=0.2)
    assert result.history == sorted(result.history, reverse=True)


def test_inversion_checks_the_shape_and_can_be_cancelled() -> None:
    model = load_model("demo")
    with pytest.raises(IncompatibleError, match="shape"):
        invert_image(model, np.zeros((28, 28, 1), dtype=np.float32))
    ctx = JobContext()
    ctx.cancel()
    with pytest.raises(JobCancelled):
        invert_image(model, np.zeros((8, 8, 1), dtype=np.float32), ctx=ctx)
