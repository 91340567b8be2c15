"""Where the known families run: ``auto`` (an accelerator when the machine has one), ``cpu``,
``cuda`` or ``mps``.

Weights are always read on the CPU first and moved afterwards. The preference is process-wide
(the command line's ``--device``, the window's Model > Decode On menu) and applies to the
models opened after it is set.
"""

from __future__ import annotations

DEVICES = ("auto", "cpu", "cuda", "mps")
"""The choices, ``auto`` first (the default)."""

_preference = "auto"


def set_device_preference(name: str) -> None:
    """Open the known families on ``name`` from now on (one of :data:`DEVICES`)."""
    global _preference
    if name not in DEVICES:
        raise ValueError(f"the device is one of {', '.join(DEVICES)}, not {name!r}")
    _preference = name


def device_preference() -> str:
    """The current preference (``auto`` unless set)."""
    return _preference


def available_devices() -> list[str]:
    """The devices this machine has, ``cpu`` first."""
    import torch

    found = ["cpu"]
    if torch.cuda.is_available():
        found.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append("mps")
    return found


def resolve_device(name: str | None = None) -> str:
    """The device to use for ``name`` (``None``: the preference); ``auto`` picks CUDA, then
    Apple's MPS, then the CPU.

    Raises ``ValueError`` when an accelerator is asked for that this machine does not have.
    """
    wanted = name or _preference
    if wanted not in DEVICES:
        raise ValueError(f"the device is one of {', '.join(DEVICES)}, not {wanted!r}")
    have = available_devices()
    if wanted == "auto":
        return have[1] if len(have) > 1 else "cpu"
    if wanted not in have:
        raise ValueError(f"this machine has no {wanted.upper()} device (it has: "
                         f"{', '.join(have)})")
    return wanted
