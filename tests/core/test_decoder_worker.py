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


def test_running_out_of_memory_is_one_sentence_and_the_worker_survives() -> None:
    """numpy's MemoryError and torch's allocator failure, as a model too large for the
    machine raises them, say how much was asked for, in one line."""
    class Hungry(LinearModel):
        def __init__(self, error: BaseException) -> None:
            super().__init__()
            self.error = error

        def decode(self, z, label=None):  # type: ignore[no-untyped-def]
            raise self.error

    torch_error = RuntimeError("[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator:"
                               " can't allocate memory: you tried to allocate 26843545600 bytes."
                               " Error code 12 (Cannot allocate memory)")
    numpy_error = MemoryError("Unable to allocate 596. GiB for an array with shape (10, 8)")
    for error, amount in ((torch_error, "25.0 GiB"), (numpy_error, "596 GiB")):
        results, got, on_result = _collect()
        decoder = LatestWinsDecoder(Hungry(error), on_result)
        decoder.submit(np.zeros(3, dtype=np.float32))
        assert got.wait(5)
        decoder.set_model(LinearModel())
        got.clear()
        decoder.submit(np.zeros(3, dtype=np.float32))
        assert got.wait(5)
        decoder.close()
        message = results[0].error or ""
        assert f"failed to decode: not enough memory: it asked for {amount} at once" in message
        assert "\n" not in message and "alloc_cpu" not in message
        assert results[-1].image is not None


def test_no_model_reports_a_message() -> None:
    results, got, on_result = _collect()
    decoder = LatestWinsDecoder(None, on_result)
    decoder.submit(np.zeros(3, dtype=np.float32))
    assert got.wait(5)
    decoder.close()
    assert results[0].error == "no model is loaded"
