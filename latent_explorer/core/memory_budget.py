"""How much memory one file (or one request) may ask for: a share of what this machine has free.

Loaders read what a file declares before they read its data (an array's shape in its header,
the width and height in each image's header, the number of values in a table's metadata), add
up what opening it would hold in memory, and ask :func:`check_memory` first. A small file that
declares gigabytes (a hostile or damaged one, or a real one too large for this machine) is
refused in one line that names it and says how much it asked for, before anything is read.

The budget is :data:`SHARE` of the memory available now: the kernel's ``MemAvailable``, lowered
by the limit of the control group the app runs in (a container, a systemd slice, a batch job)
and by an address-space limit (``ulimit -v``). ``LATENT_EXPLORER_MEMORY_LIMIT`` (e.g. ``2G``)
sets it instead, for a shared machine or to test what a smaller one would do.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from latent_explorer.core.errors import InputFileError, LatentExplorerError
from latent_explorer.core.sizes import format_size, parse_size

SHARE = 0.5
"""The part of the available memory one file may take: the rest is for the model, the map,
the window, and the other programs running."""
LIMIT_ENV = "LATENT_EXPLORER_MEMORY_LIMIT"
FALLBACK_AVAILABLE = 4 << 30
"""Assumed when the system says nothing about its memory (neither Linux nor sysconf)."""

_MEMINFO = Path("/proc/meminfo")
_CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class MemoryBudget:
    """The most memory one file may ask for, and where that number came from."""

    size: int
    """Bytes."""
    source: str
    """For messages: ``half of the 9.8 GiB free now`` or ``set by LATENT_EXPLORER_MEMORY_LIMIT``."""

    def describe(self) -> str:
        """``4.9 GiB (half of the 9.8 GiB free now)``."""
        return f"{format_size(self.size)} ({self.source})"


def available_memory() -> int:
    """Bytes of memory this process could still use without swapping, as far as can be told."""
    candidates = [_meminfo_available(), _cgroup_available(), _address_space_left()]
    known = [value for value in candidates if value is not None]
    if known:
        return max(0, min(known))
    return _sysconf_available() or FALLBACK_AVAILABLE


def memory_budget() -> MemoryBudget:
    """The most one file may ask for now (see the module docstring).

    Raises
    ------
    LatentExplorerError
        When ``LATENT_EXPLORER_MEMORY_LIMIT`` holds no size.
    """
    text = os.environ.get(LIMIT_ENV, "").strip()
    if text:
        try:
            return MemoryBudget(parse_size(text), f"set by {LIMIT_ENV}")
        except ValueError as exc:
            raise LatentExplorerError(f"{LIMIT_ENV}: {exc}") from None
    free = available_memory()
    share = "half" if SHARE == 0.5 else f"{SHARE:.0%}"
    return MemoryBudget(int(free * SHARE), f"{share} of the {format_size(free)} free now")


def fits_in_memory(nbytes: int) -> bool:
    """Whether ``nbytes`` is within :func:`memory_budget`."""
    return nbytes <= memory_budget().size


def check_memory(path: str | Path, nbytes: int, what: str,
                 error: type[InputFileError] = InputFileError) -> None:
    """Refuse, naming ``path``, what would hold more than :func:`memory_budget` in memory.

    ``what`` says what the bytes are for, to finish "``<path>: <what> would need ...``", e.g.
    ``"its 70,000 images of 28x28 (as declared)"``. ``error`` is the class raised (a
    :class:`~latent_explorer.core.errors.DatasetError` for a dataset ...).
    """
    budget = memory_budget()
    if nbytes > budget.size:
        raise error(path, f"{what} would need {format_size(nbytes)} of memory, more than "
                          f"the {budget.describe()} one file may take here; refused before "
                          "reading it")


def _meminfo_available() -> int | None:
    try:
        text = _MEMINFO.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None
    for line in text.splitlines():
        if line.startswith("MemAvailable:"):
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                return int(parts[1]) * 1024
    return None


def _cgroup_available() -> int | None:
    """What the control group's memory limit leaves (cgroup v2, then v1), if there is one."""
    folders = [_CGROUP_ROOT]
    try:
        for line in Path("/proc/self/cgroup").read_text(encoding="utf-8").splitlines():
            hierarchy, _, rest = line.partition(":")
            controllers, _, where = rest.partition(":")
            if hierarchy == "0" and where:
                folders.insert(0, _CGROUP_ROOT / where.lstrip("/"))
            elif "memory" in controllers.split(","):
                folders.insert(0, _CGROUP_ROOT / "memory" / where.lstrip("/"))
    except OSError:
        pass
    folders.append(_CGROUP_ROOT / "memory")
    for folder in folders:
        for limit_name, usage_name in (("memory.max", "memory.current"),
                                       ("memory.limit_in_bytes", "memory.usage_in_bytes")):
            limit, usage = _number(folder / limit_name), _number(folder / usage_name)
            if limit is not None and limit < 1 << 60:  # v1 writes "no limit" as ~2^63
                return limit - (usage or 0)
    return None


def _number(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _address_space_left() -> int | None:
    """What ``ulimit -v`` leaves of this process's address space, if it is limited."""
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    used = 0
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmSize:"):
                used = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError, UnicodeDecodeError):
        pass
    return soft - used


def _sysconf_available() -> int | None:
    try:
        pages = os.sysconf("SC_AVPHYS_PAGES")
        page = os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
    return pages * page if pages > 0 and page > 0 else None
