"""The StyleGAN controls the user set: truncation, noise, style mixing, layer-limited edits.

An evented state object (see :mod:`latent_explorer.core.session.state`): the StyleGAN panel
writes the user's input here and redraws from its events; the window's StyleGAN controller
turns it into what the model decodes. :meth:`StyleState.to_options` and
:meth:`StyleState.apply_options` are what a saved session keeps of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from psygnal import evented

if TYPE_CHECKING:
    from psygnal import SignalGroup, SignalInstance

    class StyleEvents(SignalGroup):
        """For the type checker: the signals ``@evented`` adds to :class:`StyleState`."""

        truncation_psi: SignalInstance
        noise_mode: SignalInstance
        current_seed: SignalInstance
        mix_seed: SignalInstance
        mix_layers: SignalInstance
        edit_layers: SignalInstance
        num_ws: SignalInstance


@evented
@dataclass
class StyleState:
    """How a StyleGAN's ``w`` becomes a picture, besides the ``w`` itself."""

    if TYPE_CHECKING:
        events: ClassVar[StyleEvents]

    truncation_psi: float = 1.0
    """Truncation toward the file's average ``w`` (1: none, 0.7 typical, 0: the average)."""
    noise_mode: str = "const"
    """``const`` (the file's noise), ``random`` (fresh each decode) or ``none``."""
    current_seed: int | None = None
    """The seed whose ``w`` is the current latent (``None``: a ``w`` made otherwise)."""
    mix_seed: int | None = None
    """The seed whose ``w`` is mixed into :attr:`mix_layers` (``None``: no mixing)."""
    mix_layers: tuple[int, int] = (0, 4)
    """``(start, stop)`` style inputs that take the mixed seed's ``w``."""
    edit_layers: tuple[int, int] | None = None
    """``(start, stop)`` style inputs an edit along a slider reaches (``None``: all)."""
    num_ws: int = 0
    """Style inputs of the network shown (0: no StyleGAN open)."""

    def to_options(self) -> dict[str, Any]:
        """The user's choices as JSON values, for a session."""
        return {"truncation_psi": float(self.truncation_psi), "noise_mode": self.noise_mode,
                "mix_seed": self.mix_seed, "mix_layers": list(self.mix_layers),
                "edit_layers": None if self.edit_layers is None else list(self.edit_layers)}

    def apply_options(self, options: dict[str, Any]) -> None:
        """Set the choices a session kept (what does not fit this network is left as it is)."""
        psi = options.get("truncation_psi")
        if isinstance(psi, int | float) and math.isfinite(psi) and -2 <= psi <= 2:
            self.truncation_psi = float(psi)
        if options.get("noise_mode") in ("const", "random", "none"):
            self.noise_mode = str(options["noise_mode"])
        mix: Any = options.get("mix_layers")
        if _fits(mix, self.num_ws):
            self.mix_layers = (int(mix[0]), int(mix[1]))
        edit: Any = options.get("edit_layers")
        self.edit_layers = (int(edit[0]), int(edit[1])) if _fits(edit, self.num_ws) else None
        seed = options.get("mix_seed")
        self.mix_seed = int(seed) if isinstance(seed, int) and 0 <= seed < 2**32 else None


def _fits(span: Any, num_ws: int) -> bool:
    return (isinstance(span, list | tuple) and len(span) == 2
            and all(isinstance(v, int) for v in span) and 0 <= span[0] < span[1] <= num_ws)
