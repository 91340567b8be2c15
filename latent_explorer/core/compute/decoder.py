"""One decode worker where the newest request wins.

While the user drags the probe or a slider, requests arrive far faster than a model can decode.
:class:`LatestWinsDecoder` keeps one worker thread and one waiting slot: a new request replaces
the one still waiting, so at most one decode runs and one waits, and the image shown is always
that of the newest position the worker could reach. Results carry the request id; a consumer
drops any result older than one it has already shown.

With ``progressive=True``, a fully convolutional decoder first gives a half-resolution picture
(``stage == "reduced"``, see :mod:`~latent_explorer.core.compute.progressive`), then the full
one, unless a newer request is already waiting: then the full decode of the older one is
skipped and the newer one starts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from latent_explorer.core.compute.latest_wins import LatestWinsWorker
from latent_explorer.core.errors import LatentExplorerError, last_line
from latent_explorer.core.models.base import GenerativeModel, to_uint8


@dataclass(frozen=True, eq=False)
class DecodeRequest:
    """One latent to decode. ``tag`` says who asked (``probe``, ``slider``, ``path`` ...)."""

    request_id: int
    latent: npt.NDArray[np.float32]
    label: int | None = None
    tag: str = ""
    submitted_at: float = field(default_factory=time.perf_counter)


@dataclass(frozen=True, eq=False)
class DecodeResult:
    """The decoded image of a request, as uint8 ``(H, W, C)``, or the error it raised."""

    request: DecodeRequest
    image: npt.NDArray[np.uint8] | None
    error: str | None = None
    decode_ms: float = 0.0
    details: str = ""
    """The whole text of the error (a traceback) for the log; ``error`` is one line."""
    stage: str = "full"
    """``full``, or ``reduced``: a half-resolution picture while the full one is decoded."""

    @property
    def final(self) -> bool:
        """Whether this is the request's full picture (or its error), not a first look."""
        return self.stage == "full"

    @property
    def request_id(self) -> int:
        """The id of the request this result answers."""
        return self.request.request_id


ResultCallback = Callable[[DecodeResult], None]


def decode_one(
    model: GenerativeModel, latent: npt.NDArray[np.float32], label: int | None = None
) -> npt.NDArray[np.uint8]:
    """Decode one flat latent into a uint8 image ``(H, W, C)`` (or ``(L,)`` for a signal).

    Raises
    ------
    LatentExplorerError
        When the latent holds NaN or infinite values (the model is not to blame then).
    """
    batch = np.asarray(latent, dtype=np.float32).reshape(1, -1)
    if not np.all(np.isfinite(batch)):
        raise LatentExplorerError("the latent holds NaN or infinite values; a latent to decode "
                                  "holds finite numbers only")
    labels = None if label is None else np.asarray([label], dtype=np.int64)
    image: npt.NDArray[np.uint8] = to_uint8(model.decode(batch, labels))[0]
    return image


class LatestWinsDecoder(LatestWinsWorker[tuple[DecodeRequest, GenerativeModel | None]]):
    """A single worker thread that decodes only the newest waiting request.

    Parameters
    ----------
    model
        The model to decode with; :meth:`set_model` swaps it.
    on_result
        Called with each :class:`DecodeResult`, **from the worker thread**. A Qt consumer
        forwards it through a queued signal.
    progressive
        Give fully convolutional decoders' half-resolution pictures first.
    """

    def __init__(self, model: GenerativeModel | None, on_result: ResultCallback,
                 progressive: bool = False) -> None:
        super().__init__("latent-decoder")
        self.progressive = progressive
        self._model = model
        self._on_result = on_result
        self.decoded_count = 0
        self.skipped_count = 0
        self._start()

    def set_model(self, model: GenerativeModel | None) -> None:
        """Decode later requests with ``model``; a request still waiting is dropped."""
        with self._cond:
            self._model = model
            self._pending = None

    def submit(
        self, latent: npt.NDArray[np.float32], label: int | None = None, tag: str = ""
    ) -> int:
        """Queue ``latent`` for decoding, replacing any request still waiting. Returns its id."""
        with self._cond:
            if self._closed:
                raise RuntimeError("decoder is closed")
            self._next_id += 1
            if self._pending is not None:
                self.skipped_count += 1
            vector = np.array(latent, dtype=np.float32).reshape(-1)
            # (the model of a waiting request is the current one: set_model drops it)
            self._pending = (DecodeRequest(self._next_id, vector, label, tag), self._model)
            self._cond.notify()
            return self._next_id

    def _work(self, job: tuple[DecodeRequest, GenerativeModel | None]) -> None:
        request, model = job
        if self._first_look(model, request):
            return  # a newer request waits: its decode starts now
        self._on_result(self._decode(model, request))

    def _job_done(self) -> None:
        self.decoded_count += 1

    def _first_look(self, model: GenerativeModel | None, request: DecodeRequest) -> bool:
        """Deliver a half-resolution picture if the model allows; True if a newer request is
        already waiting (the full decode of this one is then skipped)."""
        if not self.progressive or model is None:
            return False
        from latent_explorer.core.compute.progressive import can_decode_reduced, decode_reduced

        start = time.perf_counter()
        try:
            if not can_decode_reduced(model):
                return False
            image = decode_reduced(model, request.latent)
        except Exception:  # the full decode below reports what is wrong
            return False
        self._on_result(DecodeResult(request, image, None, (time.perf_counter() - start) * 1e3,
                                     stage="reduced"))
        with self._cond:
            return self._pending is not None or self._closed

    @staticmethod
    def _decode(model: GenerativeModel | None, request: DecodeRequest) -> DecodeResult:
        if model is None:
            return DecodeResult(request, None, "no model is loaded")
        start = time.perf_counter()
        try:
            image = decode_one(model, request.latent, request.label)
        except LatentExplorerError as exc:
            return DecodeResult(request, None, str(exc), details=getattr(exc, "details", ""))
        except Exception as exc:  # a user's model can raise anything; keep the worker alive
            import traceback

            from latent_explorer.core.out_of_memory import out_of_memory, out_of_memory_message

            details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            why = (out_of_memory_message(exc) if out_of_memory(exc)
                   else f"{type(exc).__name__}: {last_line(str(exc))}")
            return DecodeResult(request, None, f"{model.name} failed to decode: {why}",
                                details=details)
        return DecodeResult(request, image, None, (time.perf_counter() - start) * 1000.0)
