"""The newest-wins decode worker, tested deterministically (no sleeps)."""

from __future__ import annotations

import threading

import numpy as np

from latent_explorer.core.compute.decoder import DecodeResult, LatestWinsDecoder, decode_one
from tests.core.fakes import BlockingModel, LinearModel, NaNModel


def _collect() -> tuple[list[DecodeResult], threading.Event, callable]:
    results: list[DecodeResult] = []
    got = threading.Event()

    def on_result(result: DecodeResult) -> None:
        results.append(result)
        got.set()

    return results, got, on_result


def test_only_the_newest_waiting_request_runs() -> None:
    model = BlockingModel()
    results, _, on_result = _collect()
    decoder = LatestWinsDecoder(model, on_result)
    try:
        first = decoder.submit(np.array([1.0, 0, 0], dtype=np.float32))
        assert model.entered.wait(5)  # the first decode is running and blocked
        decoder.submit(np.array([2.0, 0, 0], dtype=np.float32))
        decoder.submit(np.array([3.0, 0, 0], dtype=np.float32))
        newest = decoder.submit(np.array([4.0, 0, 0], dtype=np.float32))
        model.release.set()
        assert decoder.wait_idle(5)
    finally:
        decoder.close()
    assert model.decoded == [1.0, 4.0]
    assert [r.request_id for r in results] == [first, newest]
    assert decoder.skipped_count == 2
    assert not decoder.is_alive


def test_result_matches_a_direct_decode() -> None:
    model = LinearModel()
    results, got, on_result = _collect()
    decoder = LatestWinsDecoder(model, on_result)
    latent = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    decoder.submit(latent, tag="probe")
    assert got.wait(5)
    decoder.close()
    assert results[0].error is None
    assert results[0].request.tag == "probe"
    np.testing.assert_array_equal(results[0].image, decode_one(model, latent))
    assert results[0].image.dtype == np.uint8 and results[0].image.shape == (4, 4, 1)


def test_model_errors_come_back_as_messages_and_the_worker_survives() -> None:
    results, got, on_result = _collect()
    decoder = LatestWinsDecoder(NaNModel(), on_result)
    decoder.submit(np.zeros(3, dtype=np.float32))
    assert got.wait(5)
    assert results[0].image is None and "NaN" in (results[0].error or "")
    decoder.set_model(LinearModel())
    got.clear()
    decoder.submit(np.zeros(3, dtype=np.float32))
    assert got.wait(5)
    decoder.close()
    assert results[-1].image is not None


def test_no_model_reports_a_message() -> None:
    results, got, on_result = _collect()
    decoder = LatestWinsDecoder(None, on_result)
    decoder.submit(np.zeros(3, dtype=np.float32))
    assert got.wait(5)
    decoder.close()
    assert results[0].error == "no model is loaded"
