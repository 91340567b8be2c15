"""Which checkpoint a model card was written for: its name and the hash of its bytes.

Cards lie beside their checkpoints, named by its stem (``vae.card.json`` for ``vae.pth``), so a
renamed copy (``vae.bak``) or a sibling with the same stem would find a card written for
another file, and with it another latent shape. A card therefore records the checkpoint it
was written for (``"checkpoint": {"name": "vae.pth", "sha256": "..."}``), and:

- :func:`card_fits` says whether a card found beside a file was written for that very file
  (same name, same bytes); only then are its settings applied to it;
- :func:`card_owner` says for which other file a card was written, so saving over it asks
  first (the window) or is refused (:func:`~latent_explorer.core.models.detect.save_card`
  without ``replace=True``);
- :func:`card_path_for` names the card of a file, and :func:`card_paths_for` where an
  earlier one may lie (``vae.bak.card.json`` first, then ``vae.card.json``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from latent_explorer.core.errors import ModelError

CARD_SUFFIX = ".card.json"


class CardOwnedError(ModelError):
    """A model card for another checkpoint is where a card was to be written."""


@dataclass(frozen=True)
class CheckpointRecord:
    """The checkpoint a card was written for."""

    name: str
    """Its file name, e.g. ``vae.pth``."""
    sha256: str
    """The hex sha256 of its bytes when the card was written (``""``: not recorded)."""

    @classmethod
    def of(cls, path: Path) -> CheckpointRecord:
        """The record of ``path`` as it is now (a folder: its name only).

        Raises :class:`ModelError` if the file cannot be read.
        """
        import hashlib

        from latent_explorer.core.models.hashing import hash_file

        if not path.is_file():
            return cls(path.name, "")
        digest = hashlib.sha256()
        try:
            hash_file(digest, path)
        except OSError as exc:
            raise ModelError(path, f"cannot be read: {exc.strerror or exc}") from exc
        return cls(path.name, digest.hexdigest())

    def to_json(self) -> dict[str, str]:
        """The record as a card stores it."""
        return {"name": self.name, "sha256": self.sha256}

    @classmethod
    def from_card(cls, data: Mapping[str, Any]) -> CheckpointRecord | None:
        """The record a card's JSON ``data`` holds (``None``: a card written before records)."""
        record = data.get("checkpoint")
        if not isinstance(record, Mapping) or not isinstance(record.get("name"), str):
            return None
        digest = record.get("sha256")
        return cls(str(record["name"]), digest if isinstance(digest, str) else "")


def card_path_for(checkpoint: Path) -> Path:
    """Where the card for ``checkpoint`` goes: ``<stem>.card.json`` beside it, unless that is
    the card of another file; then ``<name>.card.json`` (``vae.bak.card.json``)."""
    by_stem = checkpoint.with_name(f"{checkpoint.stem}{CARD_SUFFIX}")
    if card_owner(by_stem, checkpoint) is None:
        return by_stem
    return checkpoint.with_name(f"{checkpoint.name}{CARD_SUFFIX}")


def card_paths_for(checkpoint: Path) -> list[Path]:
    """Where a card written earlier for ``checkpoint`` may lie, the likeliest first."""
    paths = [checkpoint.with_name(f"{checkpoint.name}{CARD_SUFFIX}"),
             checkpoint.with_name(f"{checkpoint.stem}{CARD_SUFFIX}")]
    return [p for p in dict.fromkeys(paths) if p.is_file()]


def card_fits(data: Mapping[str, Any], target: Path, checkpoint: Path) -> bool:
    """Whether a card (its JSON ``data``, pointing at ``target``) was written for
    ``checkpoint`` as it is now: the name it records and the hash of the bytes.

    A card without a record fits only the file it points at.
    """
    record = CheckpointRecord.from_card(data)
    if record is None:
        return _same(target, checkpoint)
    if record.name != checkpoint.name:
        return False
    try:
        return not record.sha256 or record == CheckpointRecord.of(checkpoint)
    except ModelError:
        return False


def card_owner(card: Path, checkpoint: Path) -> str | None:
    """The name of the other file ``card`` was written for, or ``None`` when there is no card
    there, or it is ``checkpoint``'s (by the name it records, or the file it points at)."""
    from latent_explorer.core.models.vae import read_meta

    if not card.is_file():
        return None
    try:
        data = read_meta(card)
    except ModelError:
        return None
    record = CheckpointRecord.from_card(data)
    if record is not None:
        return None if record.name == checkpoint.name else record.name
    target = data.get("path")
    if not isinstance(target, str) or _same(card.parent / target, checkpoint):
        return None
    return Path(target).name


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False
