"""File > Open Recent: the datasets and models opened before, those still there."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMenu

from latent_explorer.qt.dialogs.open_dataset_dialog import takes_image_size
from latent_explorer.qt.settings import existing_recent_files


def fill_recent_menu(menu: QMenu, settings: QSettings, open_dataset: Callable[[str], None],
                     open_images: Callable[[str], None],
                     open_model: Callable[[str], None]) -> list[str]:
    """Fill ``menu`` with the recent files that still exist; returns those dropped from it.

    Folders and zips of images go to ``open_images`` (which asks the size), other datasets to
    ``open_dataset``, models to ``open_model``.
    """
    menu.clear()
    dropped: list[str] = []
    for kind, title in (("datasets", "Dataset"), ("models", "Model")):
        present, missing = existing_recent_files(settings, kind)
        dropped += missing
        for spec in present:
            action = menu.addAction(f"{title}: {spec}")
            if kind == "datasets":
                target = open_images if takes_image_size(spec) else open_dataset
            else:
                target = open_model
            action.triggered.connect(lambda _=False, s=spec, t=target: t(s))
    if menu.isEmpty():
        menu.addAction("(nothing yet)").setEnabled(False)
    return dropped
