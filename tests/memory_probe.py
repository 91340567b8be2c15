"""Running an attack in a child process and measuring how much memory it took there.

A hostile file must be refused before it is read, and the proof is the child's peak resident
memory, measured after the imports, never a time. The peak is the kernel's high-water mark of
the child's own memory (``VmHWM``, reset after the imports through ``/proc/self/clear_refs``):
``getrusage``'s ``ru_maxrss`` would not do, since Linux carries it over ``exec`` from the
forking process, so a child of a large test process would report that process's peak.

The child can be given an address-space limit a little above what it holds after its imports
(``headroom``): then a regression ends in a ``MemoryError`` there instead of taking gigabytes
of a shared machine, and the app's memory budget sees that limit as what this "machine" has.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

_CHILD = """
import json, resource, sys, traceback

def _status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0

def _vm_size():
    return _status("VmSize")

def _reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as out:
            out.write("5")  # resets VmHWM to the current resident size
    except OSError:
        pass

{setup}
_headroom = {headroom!r}
if _headroom is not None:
    _limit = _vm_size() + _headroom
    resource.setrlimit(resource.RLIMIT_AS, (_limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
_reset_peak()
_base = _status("VmRSS")
_outcome = {{"error": None, "message": "", "value": None}}
try:
{action}
except BaseException as _exc:
    _outcome = {{"error": type(_exc).__name__, "message": str(_exc), "value": None,
                 "traceback": traceback.format_exc()}}
_outcome["growth"] = max(0, _status("VmHWM") - _base)
with open({report!r}, "w") as _out:
    json.dump(_outcome, _out, default=str)
"""


@dataclass(frozen=True)
class Probe:
    """What happened in the child."""

    error: str | None
    """The exception's class name, or ``None`` if the action returned."""
    message: str
    growth: int
    """Bytes the peak resident memory grew by during the action."""
    returncode: int
    stderr: str
    traceback: str = ""
    value: object = None
    """What the action put in ``_outcome["value"]`` (the exit status, for the CLI)."""

    @property
    def growth_mb(self) -> float:
        return self.growth / 1024**2


def probe(setup: str, action: str, tmp_path: Path, *, headroom: int | None = 3 << 30,
          env: dict[str, str] | None = None, timeout: float = 600) -> Probe:
    """Run ``setup`` (imports, untimed and unmeasured), then ``action`` measured, in a child.

    ``action`` may set ``_outcome["value"]`` to report something back. ``headroom`` bytes of
    address space are allowed beyond what the child holds after ``setup`` (``None``: no
    limit).
    """
    report = tmp_path / f"probe-{os.getpid()}-{len(list(tmp_path.iterdir()))}.json"
    code = _CHILD.format(setup=textwrap.dedent(setup), headroom=headroom,
                         action=textwrap.indent(textwrap.dedent(action), "    "),
                         report=str(report))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})}, cwd=tmp_path)
    if not report.exists():
        raise AssertionError(f"the child died (status {done.returncode}): {done.stderr[-2000:]}")
    data = json.loads(report.read_text())
    return Probe(data["error"], data["message"], int(data["growth"]), done.returncode,
                 done.stderr, data.get("traceback", ""), data.get("value"))


def probe_cli(args: list[str], tmp_path: Path, *, headroom: int | None = 3 << 30,
              env: dict[str, str] | None = None, timeout: float = 600) -> Probe:
    """Run ``latent-explorer <args>`` in a child as :func:`probe` does: ``value`` is the exit
    status, ``stderr`` what the command printed there."""
    setup = "from latent_explorer.cli.main import main as _main\nimport numpy"
    action = (f"_outcome['value'] = _main({args!r})\n"
              "sys.stderr.flush()")
    return probe(setup, action, tmp_path, headroom=headroom, env=env, timeout=timeout)


def stderr_lines(result: Probe) -> list[str]:
    """The non-empty lines the child wrote to stderr."""
    return [line for line in result.stderr.splitlines() if line.strip()]
