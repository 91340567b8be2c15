"""The File > Decode Image Models On menu: where TAESD and KL autoencoders run.

The choice (Auto, CPU, CUDA, Apple MPS) is remembered in the settings and applies to the
image models opened after it; devices this machine lacks are shown greyed out.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from latent_explorer.core.models.families.devices import (
    DEVICES,
    available_devices,
    device_preference,
    set_device_preference,
)

SETTING = "models/device"
LABELS = {"auto": "&Auto (an accelerator when there is one)", "cpu": "&CPU",
          "cuda": "CU&DA (NVIDIA GPU)", "mps": "Apple &MPS"}


class QtDeviceMenu(QMenu):
    """Radio choices for the device; applies the remembered one when built."""

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__("Decode Image Models &On", parent)
        self.settings = settings
        self.setToolTipsVisible(True)
        saved = str(settings.value(SETTING, "auto"))
        set_device_preference(saved if saved in DEVICES else "auto")
        self.group = QActionGroup(self)
        self.actions_by_device: dict[str, QAction] = {}
        for name in DEVICES:
            action = self.addAction(LABELS[name])
            action.setCheckable(True)
            action.setData(name)
            action.setToolTip("TAESD and KL autoencoders opened from now on run here")
            self.group.addAction(action)
            self.actions_by_device[name] = action
        self.group.triggered.connect(self._on_chosen)
        self.aboutToShow.connect(self.refresh)
        self.refresh(check_hardware=False)

    def refresh(self, check_hardware: bool = True) -> None:
        """Check the current preference; grey out devices the machine does not have."""
        have = available_devices() if check_hardware else None
        for name, action in self.actions_by_device.items():
            action.setChecked(name == device_preference())
            if have is not None:
                action.setEnabled(name == "auto" or name in have)

    def _on_chosen(self, action: QAction) -> None:
        name = str(action.data())
        set_device_preference(name)
        self.settings.setValue(SETTING, name)
