"""Exploring a StyleGAN in the window: seeds, truncation, noise, classes, style mixing and
edits limited to a range of layers.

The controller keeps the :class:`~latent_explorer.core.session.style_state.StyleState` (which
the StyleGAN panel shows and edits), the open :class:`StyleGANModel` and the explorer state in
step: what the state says becomes the model's truncation, noise mode and per-layer overrides,
and the current latent is decoded again. It runs only while a StyleGAN is shown; its dock is
hidden otherwise.

A move along a slider is an edit: with a layer range chosen, the layers outside it keep the
``w`` from before the first slider move (the anchor); the probe, a click or a seed set a new
``w`` whole and drop the anchor. The overrides are set before the decode controller submits
the new latent (this controller listens to the latent first), so no picture mixes an old
anchor with a new ``w``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDockWidget

from latent_explorer.core.models.families.stylegan.mixing import (
    check_range,
    edit_overrides,
    mixing_overrides,
)
from latent_explorer.core.models.families.stylegan.model import StyleGANModel
from latent_explorer.core.session.state import ExplorerState
from latent_explorer.core.session.style_state import StyleState
from latent_explorer.qt.widgets.latent_sliders import QtLatentSliders
from latent_explorer.qt.widgets.stylegan_panel import QtStyleGANPanel
from latent_explorer.qt.window_services import WindowServices

if TYPE_CHECKING:
    from latent_explorer.core.compute.pipeline import Workspace

FIRST = 100
"""psygnal priority: this controller hears of a new latent before the decode controller."""


class StyleGANController(QObject):
    """Drives a StyleGAN's decoding from :class:`StyleState` and the explorer state."""

    def __init__(self, services: WindowServices, explorer: ExplorerState, state: StyleState,
                 panel: QtStyleGANPanel, dock: QDockWidget, sliders: QtLatentSliders,
                 redecode: Callable[[], None],
                 pictures_changed: Callable[[], None] = lambda: None) -> None:
        """``redecode()`` decodes the current latent again (after a change of how);
        ``pictures_changed()`` forgets pictures decoded the old way (the decoded atlas)."""
        super().__init__(services.parent)
        self.services, self.explorer, self.state = services, explorer, state
        self.panel, self.dock, self.sliders = panel, dock, sliders
        self.redecode = redecode
        self.pictures_changed = pictures_changed
        self.model: StyleGANModel | None = None
        self._seed_w: tuple[int, np.ndarray] | None = None
        """The seed gone to last and its ``w`` (the current seed while the latent is it)."""
        self._mix_w: np.ndarray | None = None
        self._anchor: np.ndarray | None = None
        self._last_latent: np.ndarray | None = None
        self._slider_edit = False
        self._random_tip = sliders.random_button.toolTip()
        services.workspace_changed.connect(self._on_workspace_changed)
        panel.seed_requested.connect(self.go_to_seed)
        sliders.edited.connect(self._on_slider_edited)
        ev = explorer.events
        ev.current_latent.connect(self._on_current_latent_changed, priority=FIRST)
        ev.selected_index.connect(self._on_selected_index_changed)
        ev.condition_label.connect(self._on_condition_label_changed, priority=FIRST)
        st = state.events
        st.truncation_psi.connect(self._on_look_changed)
        st.noise_mode.connect(self._on_look_changed)
        st.mix_seed.connect(self._on_mixing_changed)
        st.mix_layers.connect(self._on_mixing_changed)
        st.edit_layers.connect(self._on_edit_layers_changed)
        dock.hide()

    # --- what the user asks for -----------------------------------------------------------
    def seed_latent(self, seed: int) -> np.ndarray:
        """The ``w`` of ``seed`` for the class chosen (the model shown must be a StyleGAN)."""
        if self.model is None:
            raise ValueError("seeds name pictures of a StyleGAN; the model shown is none")
        if not 0 <= int(seed) < 2**32:
            raise ValueError(f"seeds are whole numbers 0 to {2**32 - 1:,}, not {seed}")
        label = self.explorer.condition_label if self.model.num_classes else None
        w: np.ndarray = self.model.sample_latents(1, seed=int(seed), label=label)[0]
        return w

    def go_to_seed(self, seed: int) -> None:
        """Make the ``w`` of ``seed`` the current latent (decoded and marked on the map)."""
        if self.model is None:
            return
        w = self.seed_latent(seed)
        self._seed_w = (int(seed), w)
        self.explorer.current_latent = w.copy()
        self.services.show_status(f"Seed {int(seed):,}", 4000)

    def options(self) -> dict[str, Any]:
        """What a session keeps of the StyleGAN controls (empty for another model)."""
        return self.state.to_options() if self.model is not None else {}

    def restore(self, options: dict[str, Any]) -> None:
        """Set the controls a session kept (before its model's fingerprint is compared)."""
        if self.model is not None and options:
            self.state.apply_options(options)

    # --- state -> model -------------------------------------------------------------------
    def _on_workspace_changed(self, ws: Workspace) -> None:
        model = ws.model if isinstance(ws.model, StyleGANModel) and ws.has_decoder else None
        self.model = model
        self._seed_w, self._mix_w, self._anchor, self._last_latent = None, None, None, None
        self.dock.setVisible(model is not None)
        if model is None:
            self.state.num_ws = 0
            if self.sliders.random_latent is not None:
                self.sliders.random_latent = None
                self.sliders.random_button.setToolTip(self._random_tip)
            return
        self.state.num_ws = model.num_ws
        self.state.truncation_psi = model.truncation_psi
        self.state.noise_mode = model.noise_mode
        self.state.mix_seed, self.state.edit_layers, self.state.current_seed = None, None, None
        try:
            self.state.mix_layers = check_range(self.state.mix_layers, model.num_ws)
        except ValueError:
            self.state.mix_layers = (0, 1)
        model.layer_overrides = ()
        self.dock.raise_()
        # The principal directions of W (GANSpace) are the sliders a StyleGAN starts with.
        self.explorer.slider_basis = "pca"
        self.sliders.random_latent = lambda: self.seed_latent(self.panel.random_seed())
        self.sliders.random_button.setToolTip("Go to a seed picked at random (its w)")

    def _on_look_changed(self, *_: object) -> None:
        if self.model is None:
            return
        self.model.apply_options({"truncation_psi": self.state.truncation_psi,
                                  "noise_mode": self.state.noise_mode})
        self.redecode()
        self.pictures_changed()

    def _on_mixing_changed(self, *_: object) -> None:
        if self.model is None:
            return
        seed = self.state.mix_seed
        if seed is None:
            self._mix_w = None
        else:
            label = self.explorer.condition_label if self.model.num_classes else None
            self._mix_w = self.model.sample_latents(1, seed=seed, label=label)[0]
        self._set_overrides()
        self.redecode()
        self.pictures_changed()

    def _on_edit_layers_changed(self, *_: object) -> None:
        if self.model is not None:
            self._set_overrides()
            self.redecode()

    def _set_overrides(self) -> None:
        assert self.model is not None
        s = self.state
        self.model.layer_overrides = (
            edit_overrides(self._anchor, s.edit_layers, self.model.num_ws)
            + mixing_overrides(self._mix_w, s.mix_layers))

    # --- the explorer's latent ------------------------------------------------------------
    def _on_slider_edited(self) -> None:
        self._slider_edit = True

    def _on_current_latent_changed(self, latent: np.ndarray | None) -> None:
        if self.model is None:
            return
        from_slider, self._slider_edit = self._slider_edit, False
        if not from_slider:
            self._anchor = None
        elif self._anchor is None and self._last_latent is not None:
            self._anchor = self._last_latent  # the w before this edit began
        self._last_latent = None if latent is None else np.array(latent, np.float32)
        seed = self._seed_w
        same = seed is not None and latent is not None and np.array_equal(seed[1], latent)
        self.state.current_seed = seed[0] if same and seed is not None else None
        self._set_overrides()

    def _on_selected_index_changed(self, index: int | None) -> None:
        ws = self.services.workspace()
        if self.model is None or index is None or ws is None \
                or not ws.dataset.source.startswith("prior:"):
            return
        # A point of the map of seeds is seed ``index`` (the map draws seeds 0 to N - 1).
        latent = self.explorer.current_latent
        if latent is not None:
            self._seed_w = (int(index), np.array(latent, np.float32))
            self.state.current_seed = int(index)

    def _on_condition_label_changed(self, label: int | None) -> None:
        ws = self.services.workspace()
        if self.model is None or not self.model.num_classes or ws is None \
                or ws.model is not self.model:  # (a new model's classes being set up)
            return
        if self.state.mix_seed is not None:
            self._on_mixing_changed()
        seed = self.state.current_seed
        if seed is not None:  # the same seed, of the class chosen now
            self.go_to_seed(seed)
        else:
            self.services.show_status("The class applies to seeds (Go to seed, Random "
                                      "seed): this w was not made from one", 6000)
