"""Where the Open Model dialog writes its model card, and how: beside the checkpoint, else in
the user's config folder, and never over the card of another file without asking."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from latent_explorer.core.models.card import ModelOptions
from latent_explorer.core.models.card_owner import CardOwnedError, card_owner
from latent_explorer.core.models.detect import Detection, save_card


def default_fallback_folder() -> Path:
    """Where cards go when the checkpoint's folder cannot be written: the config folder."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("latent-explorer", appauthor=False)) / "model-cards"


def fallback_card_path(folder: Path | None, detection: Detection) -> Path:
    """The card's place in ``folder`` (default: :func:`default_fallback_folder`), named by
    the checkpoint's stem and a hash of its path, so two checkpoints never share one."""
    checkpoint = detection.checkpoint.resolve()
    digest = hashlib.sha256(str(checkpoint).encode()).hexdigest()[:8]
    return (folder or default_fallback_folder()) / f"{checkpoint.stem}-{digest}.card.json"


@dataclass(frozen=True)
class CardWritten:
    """What came of writing a card: where it went, or why not."""

    path: Path | None
    """The card written (``None``: none)."""
    error: str = ""
    """Why no card was written, naming the file."""
    notice: str = ""
    """Something to tell the user beside the card's place (it went elsewhere, was refused)."""
    refused: bool = False
    """The user would not replace another file's card: the preview stays, a new place helps."""


def ask_replace(parent: QWidget, card: Path, owner: str, checkpoint: str) -> bool:
    """Ask whether ``card``, the card of the file ``owner``, may become ``checkpoint``'s."""
    answer = QMessageBox.question(
        parent, "Replace model card?",
        f"{card.name} is the model card of {owner}, another file. Replace it with the "
        f"settings for {checkpoint}?\n\nChoose No to save the card under another name with "
        "Change...",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def write_card(detection: Detection, options: ModelOptions, target: Path, adapter: Path | None,
               fallback: Path, confirm: Callable[[Path, str], bool]) -> CardWritten:
    """Write the card to ``target``; over another file's card only if ``confirm(target,
    owner)`` says so; where ``target`` cannot be written, to ``fallback``."""
    try:
        try:
            return CardWritten(save_card(detection, options, target, adapter))
        except CardOwnedError as owned:
            owner = card_owner(target, detection.checkpoint) or "another file"
            if not confirm(target, owner):
                return CardWritten(None, str(owned), f"Not saved: {target.name} is the model "
                                   f"card of {owner}. Choose another place with Change...",
                                   refused=True)
            return CardWritten(save_card(detection, options, target, adapter,
                                         replace_other=True))
    except OSError as first:
        if fallback == target:
            return CardWritten(None, f"{target}: cannot write the model card ({first}). Choose "
                                     "another place with Change...")
        try:
            written = save_card(detection, options, fallback, adapter)
        except OSError as exc:
            return CardWritten(None, f"{target}: cannot write the model card ({first}), nor in "
                                     f"{fallback.parent} ({exc}). Choose a place with Change...")
        return CardWritten(written, notice=f"Could not write {target.name} beside the model "
                                           f"({first}); the model card was saved as {written}.")
