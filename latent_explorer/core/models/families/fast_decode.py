"""Faster decoding on the CPU: try the alternatives once, keep the fastest that is exact.

:class:`FastDecoder` is the decode function of a TAESD model. On its first call it decodes
with plain ("eager") PyTorch, and if one decode costs enough to matter
(:data:`MIN_TUNE_MS` per image) it also tries

- ``channels_last``: the same network with NHWC memory format (oneDNN's preferred layout);
- ``onnxruntime``: the network exported to ONNX and run by ONNX Runtime (the optional ``onnx``
  extra); the export is cached on disk, keyed by the weights, so it happens once per model;

checks each against the eager output (at most 1/255 apart on every pixel) and times it. The
fastest path that matches and beats eager is used from then on; anything that fails or
differs falls back to eager. ``torch.compile`` is not tried: on a 2-core CPU it compiles for
about a minute and a half before the first picture, for no gain over ONNX Runtime.

The environment variable ``LATENT_EXPLORER_DECODE`` pins a path (``eager``,
``channels_last``, ``onnxruntime``) instead of ``auto``.
"""

from __future__ import annotations

import copy
import logging
import os
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch
    from torch import nn

DECODE_ENV = "LATENT_EXPLORER_DECODE"
PATHS = ("eager", "channels_last", "onnxruntime")
MIN_TUNE_MS = 30.0
"""Decodes cheaper than this per image are left to eager PyTorch (nothing to win)."""
TOLERANCE = 1.0 / 255.0
"""The largest difference from eager PyTorch a faster path may make, in [0, 1] pixels."""
MIN_GAIN = 1.05
"""A path must be this much faster than eager to be chosen."""
PROBE_CELLS = 16
"""The trial decodes one latent of at most this many cells a side (128 pixels for TAESD)."""


@dataclass(frozen=True)
class PathResult:
    """How one decode path did on the probe."""

    name: str
    ms: float
    """Time of one decode of the probe batch (``inf``: it failed)."""
    max_error: float
    """Largest pixel difference from eager (in [0, 1] units)."""
    note: str = ""
    """Why it was not used (an error, a difference), if so."""

    @property
    def ok(self) -> bool:
        """Whether it ran and matched eager."""
        return not self.note


def requested_path() -> str:
    """``auto`` or the path pinned by :data:`DECODE_ENV`."""
    value = os.environ.get(DECODE_ENV, "auto").strip().lower() or "auto"
    return value if value in (*PATHS, "auto") else "auto"


def onnxruntime_available() -> bool:
    """Whether ONNX Runtime and the ONNX exporter's needs are installed (the ``onnx`` extra)."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None
               for m in ("onnxruntime", "onnx", "onnxscript"))  # fmt: skip


def onnx_cache_dir() -> Path:
    """Where exported decoders are kept (the app's cache folder, ``$LATENT_EXPLORER_CACHE``)."""
    override = os.environ.get("LATENT_EXPLORER_CACHE")
    if override:
        return Path(override) / "onnx"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("latent-explorer", appauthor=False)) / "onnx"


class FastDecoder:
    """The decode function of a network, on the fastest exact path (see the module).

    Parameters
    ----------
    network
        The decoder, ``(B, C, h, w) -> (B, 3, H, W)`` pixels in [0, 1], in eval mode.
    key
        Identifies the weights (names the cached ONNX export).
    device
        ``cpu`` (where the paths are tried) or an accelerator (always eager there).
    path
        ``auto``, or a path to use without trying the others (if it works).
    """

    def __init__(self, network: nn.Module, key: Callable[[], str], device: str = "cpu",
                 path: str | None = None) -> None:
        self.network = network
        self.device = device
        self.requested = path or requested_path()
        self.path = "eager"
        """The path in use."""
        self.results: tuple[PathResult, ...] = ()
        """What the trial found (empty until one ran)."""
        self._key = key
        self._decided = device != "cpu" or self.requested == "eager"
        self._lock = threading.Lock()
        self._runners: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
            "eager": self._eager}

    def __call__(self, z: torch.Tensor) -> torch.Tensor:
        if not self._decided:
            with self._lock:
                if not self._decided:
                    return self._decide(z)
        return self._runners[self.path](z)

    def _eager(self, z: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.network(z.to(self.device))
        return out

    # --- the trial ------------------------------------------------------------------------
    def _decide(self, z: torch.Tensor) -> torch.Tensor:
        """Decode ``z`` eagerly; if that was slow, try the other paths and keep the best.

        The trial runs on a small probe (one latent of at most :data:`PROBE_CELLS` cells a
        side), so it costs a few small decodes plus, once per model, the ONNX export.
        """
        began = time.perf_counter()
        out = self._eager(z)
        first_ms = (time.perf_counter() - began) * 1000
        try:
            if self.requested == "auto" and first_ms / max(1, len(z)) < MIN_TUNE_MS:
                return out
            probe = z[:1, :, :PROBE_CELLS, :PROBE_CELLS].contiguous()
            reference = self._eager(probe)
            eager_ms = _time(self._eager, probe, first_ms=0.0)
            names = PATHS[1:] if self.requested == "auto" else (self.requested,)
            results = [PathResult("eager", eager_ms, 0.0)]
            results += [self._try(name, probe, reference) for name in names]
            self.results = tuple(results)
            good = [r for r in results[1:] if r.ok and (self.requested != "auto"
                                                        or r.ms * MIN_GAIN < eager_ms)]
            if good:
                self.path = min(good, key=lambda r: r.ms).name
        finally:
            self._decided = True
        return out

    def _try(self, name: str, z: torch.Tensor, reference: torch.Tensor) -> PathResult:
        try:
            runner = self._build(name, z)
            out = runner(z)
            error = float((out - reference).abs().max())
        except Exception as exc:  # any failure of an optional path means: stay on eager
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return PathResult(name, float("inf"), float("inf"), f"failed: {text[:200]}")
        if not error <= TOLERANCE:
            return PathResult(name, float("inf"), error, f"differs from eager by {error:.4f}")
        self._runners[name] = runner
        return PathResult(name, _time(runner, z), error)

    def _build(self, name: str, z: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
        return path_runner(name, self.network, z, self._key)


def path_runner(name: str, network: nn.Module, z: torch.Tensor,
                key: Callable[[], str]) -> Callable[[torch.Tensor], torch.Tensor]:
    """A decode function of ``network`` on path ``name`` (``z``: an example input)."""
    if name == "eager":
        return network
    if name == "channels_last":
        return _channels_last(network)
    if name == "onnxruntime":
        return _onnx_runner(network, z, key())
    raise ValueError(f"unknown decode path {name!r}")


def _time(run: Callable[[Any], Any], z: Any, first_ms: float | None = None) -> float:
    """Milliseconds of one call (the best of two, after a warm-up unless one ran already)."""
    if first_ms is None:
        run(z)
    times = []
    for _ in range(2):
        began = time.perf_counter()
        run(z)
        times.append((time.perf_counter() - began) * 1000)
    return min(times)


def _channels_last(network: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    import torch

    twin: Any = copy.deepcopy(network)
    twin.to(memory_format=torch.channels_last)  # missing from torch's type stubs

    def run(z: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = twin(z.contiguous(memory_format=torch.channels_last))
        return out.contiguous()

    return run


def _onnx_runner(network: nn.Module, z: torch.Tensor,
                 key: str) -> Callable[[torch.Tensor], torch.Tensor]:
    import onnxruntime as ort
    import torch

    path = onnx_cache_dir() / f"decoder-{key}.onnx"
    if not path.is_file():
        export_onnx(network, z, path)
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, torch.get_num_threads())
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name

    def run(z: torch.Tensor) -> torch.Tensor:
        array = z.detach().to("cpu", torch.float32).contiguous().numpy()
        return torch.from_numpy(session.run(None, {name: array})[0])

    return run


def export_onnx(network: nn.Module, z: torch.Tensor, path: Path) -> Path:
    """Export ``network`` to ONNX at ``path`` (batch, height and width left free), atomically."""
    import torch

    from latent_explorer.core.fileio import reserve_temp_file

    path.parent.mkdir(parents=True, exist_ok=True)
    temp = reserve_temp_file(path)
    quiet = logging.getLogger("torch.onnx")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        # Decoding runs under inference mode, in which the exporter cannot trace.
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
            sample = torch.zeros(2, *z.shape[1:])  # 2: the batch axis stays free
            warnings.simplefilter("ignore")  # the exporter's own deprecation chatter
            dims = {0: torch.export.Dim("batch"), 2: torch.export.Dim("height"),
                    3: torch.export.Dim("width")}  # fmt: skip
            program: Any = torch.onnx.export(network, (sample,), None, input_names=["z"],
                                             output_names=["image"], dynamic_shapes=(dims,),
                                             dynamo=True, verbose=False)  # fmt: skip
            program.save(str(temp))
        os.replace(temp, path)
    finally:
        quiet.setLevel(level)
        Path(temp).unlink(missing_ok=True)
    return path
