"""``explorer.stylegan``: a StyleGAN's controls in the window, from Python.

The same state the window's StyleGAN panel edits: setting a value here moves the panel's
controls and decodes the current latent again, as if the user had done it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from latent_explorer.core.errors import LatentExplorerError

if TYPE_CHECKING:
    from latent_explorer.qt.main_window import MainWindow

T = TypeVar("T")


class StyleGANControls:
    """Truncation, noise, seeds, style mixing and layer-limited edits of the StyleGAN shown.

    Examples
    --------
    >>> explorer = lx.explore("network-snapshot-000400.pkl")  # doctest: +SKIP
    >>> explorer.stylegan.truncation_psi = 0.7                 # doctest: +SKIP
    >>> explorer.set_latent(42)                                # seed 42's w   # doctest: +SKIP
    >>> explorer.stylegan.mix(7, "coarse")      # seed 7's pose and shape    # doctest: +SKIP
    >>> explorer.stylegan.edit_layers = "middle"                # doctest: +SKIP
    """

    def __init__(self, window: MainWindow, call: Callable[[Callable[[], Any]], Any]) -> None:
        self._window, self._call = window, call

    def _state(self) -> Any:
        if self._window.stylegan.model is None:
            raise LatentExplorerError("the model shown is no StyleGAN generator")
        return self._window.style_state

    def _set(self, name: str, value: Any) -> None:
        self._call(lambda: setattr(self._state(), name, value))

    def _presets(self) -> dict[str, tuple[int, int]]:
        from latent_explorer.core.models.families.stylegan.mixing import layer_presets

        return layer_presets(self._state().num_ws)

    def _layers(self, layers: str | tuple[int, int]) -> tuple[int, int]:
        from latent_explorer.core.models.families.stylegan.mixing import check_range

        def resolve() -> tuple[int, int]:
            if isinstance(layers, str):
                presets = self._presets()
                if layers not in presets:
                    raise LatentExplorerError(f"layers are {', '.join(presets)} or a (start, "
                                              f"stop) range, not {layers!r}")
                return presets[layers]
            try:
                return check_range(tuple(layers), self._state().num_ws)  # type: ignore[arg-type]
            except (ValueError, TypeError) as exc:
                raise LatentExplorerError(str(exc)) from None
        result: tuple[int, int] = self._call(resolve)
        return result

    @property
    def truncation_psi(self) -> float:
        """Truncation toward the file's average ``w`` (1: none, 0.7 typical)."""
        return float(self._call(lambda: self._state().truncation_psi))

    @truncation_psi.setter
    def truncation_psi(self, psi: float) -> None:
        import math

        if not isinstance(psi, int | float) or not math.isfinite(psi) or not -2 <= psi <= 2:
            raise LatentExplorerError(f"truncation psi is a number from -2 to 2, not {psi!r}")
        self._set("truncation_psi", float(psi))

    @property
    def noise_mode(self) -> str:
        """``const`` (the file's noise), ``random`` or ``none``."""
        return str(self._call(lambda: self._state().noise_mode))

    @noise_mode.setter
    def noise_mode(self, mode: str) -> None:
        if mode not in ("const", "random", "none"):
            raise LatentExplorerError(f"noise mode is const, random or none, not {mode!r}")
        self._set("noise_mode", mode)

    @property
    def seed(self) -> int | None:
        """The seed whose ``w`` is shown (``None`` when the latent was made otherwise)."""
        seed = self._call(lambda: self._state().current_seed)
        return None if seed is None else int(seed)

    def mix(self, seed: int | None, layers: str | tuple[int, int] = "coarse") -> None:
        """Mix seed ``seed``'s ``w`` into ``layers`` (``coarse``, ``middle``, ``fine`` or
        ``(start, stop)``); ``None`` stops mixing."""
        if seed is None:
            self._set("mix_seed", None)
            return
        if not isinstance(seed, int) or not 0 <= seed < 2**32:
            raise LatentExplorerError(f"seeds are whole numbers 0 to {2**32 - 1:,}, not "
                                      f"{seed!r}")
        span = self._layers(layers)
        self._set("mix_layers", span)
        self._set("mix_seed", int(seed))

    @property
    def edit_layers(self) -> tuple[int, int] | None:
        """The layers a move along a slider changes (``None``: all); set a preset name, a
        ``(start, stop)`` range or ``None``."""
        span = self._call(lambda: self._state().edit_layers)
        return None if span is None else (int(span[0]), int(span[1]))

    @edit_layers.setter
    def edit_layers(self, layers: str | tuple[int, int] | None) -> None:
        self._set("edit_layers", None if layers is None else self._layers(layers))

    def presets(self) -> dict[str, tuple[int, int]]:
        """The coarse, middle and fine ``(start, stop)`` ranges of this network."""
        result: dict[str, tuple[int, int]] = self._call(self._presets)
        return result
