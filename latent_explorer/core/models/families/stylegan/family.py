"""StyleGAN snapshots as a known family: recognised by content, described, opened.

A ``network-snapshot-*.pkl`` (or any pickle naming NVIDIA's persistence hook, whatever its
name) is read as data by :mod:`.reader`, its generator built by :mod:`.generator` and wrapped
as a :class:`~.model.StyleGANModel`. Nothing in the file runs, so no trust is asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from latent_explorer.core.errors import ModelError
from latent_explorer.core.models.families.stylegan.reader import (
    Snapshot,
    is_snapshot,
    materialise,
    read_snapshot,
)
from latent_explorer.core.models.families.stylegan.records import PersistentObject

if TYPE_CHECKING:
    from latent_explorer.core.models.families.stylegan.model import StyleGANModel

FAMILY = "StyleGAN"


@dataclass(frozen=True)
class SnapshotInfo:
    """What a snapshot's generator is, read from its record (nothing built)."""

    family: str
    """``StyleGAN2``, ``StyleGAN3-T`` or ``StyleGAN3-R`` (or ``StyleGAN`` when unknown)."""
    detail: str
    """The architecture in words."""
    z_dim: int
    w_dim: int
    num_ws: int
    resolution: int
    channels: int
    classes: int
    key: str
    """The snapshot's key the generator came from (``G_ema`` or ``G``)."""
    files: tuple[Path, ...]

    def describe(self) -> str:
        """One sentence: generation, dims, image size, classes."""
        colour = {1: "grey", 3: "RGB", 4: "RGBA"}.get(self.channels, f"{self.channels}-channel")
        classes = (f", conditional on {self.classes} class{'' if self.classes == 1 else 'es'}"
                   if self.classes else "")
        return (f"a {self.family} generator ({self.detail}): z {self.z_dim} values, w "
                f"{self.w_dim} values (x{self.num_ws} style inputs), {self.resolution}x"
                f"{self.resolution} {colour} images{classes}")


def recognise(path: Path) -> bool:
    """Whether ``path`` is a StyleGAN snapshot (a pickle naming the persistence hook)."""
    return is_snapshot(path)


def describe_snapshot(snapshot: Snapshot) -> SnapshotInfo:
    """The facts of the snapshot's generator. Raises ``ValueError`` for no generator."""
    from latent_explorer.core.models.families.stylegan.generator import architecture

    record = snapshot.network
    kind = architecture(record)
    mapping = record.child("mapping")

    def number(name: str, *records: PersistentObject) -> int:
        for source in (record, *records):
            value = source.attr(name, source.init_kwargs.get(name))
            if value is not None:
                return int(value)
        raise ValueError(f"the generator states no {name}")

    synthesis = record.child("synthesis")
    return SnapshotInfo(kind.generation, kind.detail, number("z_dim", mapping),
                        number("w_dim", mapping), number("num_ws", mapping, synthesis),
                        number("img_resolution", synthesis), number("img_channels", synthesis),
                        number("c_dim", mapping), snapshot.key or "the pickle",
                        (snapshot.path,))  # fmt: skip


def summary(info: SnapshotInfo, snapshot: Snapshot) -> str:
    """What the Open Model dialog and ``info`` say about a snapshot."""
    others = [k for k in snapshot.contents if k not in (snapshot.key, "training_set_kwargs")]
    skipped = f" ({', '.join(others)} not read)" if others else ""
    source = snapshot.network.source_chars
    code = (f"; the {source:,} characters of Python source it embeds are neither kept nor run"
            if source else "")
    return (f"A StyleGAN snapshot: {info.describe()}, from {info.key}{skipped}. The latent is "
            f"w ({info.w_dim} values); the prior is seeds mapped to w. It opens with no code: "
            f"the pickle is read as data{code}.")


def detect(path: Path) -> tuple[SnapshotInfo | None, str, str] | None:
    """``(info, summary, problem)`` for a snapshot (``None`` for any other file)."""
    if not recognise(path):
        return None
    try:
        snapshot = read_snapshot(path)
        info = describe_snapshot(snapshot)
    except ModelError as exc:
        return None, "A StyleGAN snapshot pickle (NVIDIA's format).", str(exc)
    except (ValueError, KeyError, TypeError) as exc:
        return None, "A StyleGAN snapshot pickle (NVIDIA's format).", \
            f"{path}: {_unsupported(exc)}"
    problem = ""
    if info.family.startswith("StyleGAN3") and not sg3_available():
        problem = (f"{path}: it is a {info.family} generator, which this version of Latent "
                   "Explorer cannot build yet (only StyleGAN2)")
    return info, summary(info, snapshot), problem


def sg3_available() -> bool:
    """Whether this version builds StyleGAN3 synthesis networks."""
    import importlib.util

    from latent_explorer.core.models.families.stylegan.generator import SG3_MODULE

    return importlib.util.find_spec(SG3_MODULE) is not None


def open_stylegan(path: Path, device: str = "cpu") -> StyleGANModel:
    """Read the snapshot at ``path``, build its generator on ``device`` and wrap it.

    Raises :class:`ModelError` naming the file for anything that is wrong with it.
    """
    from latent_explorer.core.models.families.stylegan.generator import build_generator
    from latent_explorer.core.models.families.stylegan.model import StyleGANModel

    snapshot = read_snapshot(path)
    try:
        info = describe_snapshot(snapshot)
        record = materialise(snapshot)
        generator = build_generator(record)
    except ModelError:
        raise
    except (ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise ModelError(path, _unsupported(exc)) from None
    generator = generator.to(device)
    name = path.stem
    return StyleGANModel(generator, name=name, source=str(path), device=device,
                         description=info.describe())


def _unsupported(exc: BaseException) -> str:
    from latent_explorer.core.models.families.stylegan.generator import UnsupportedNetworkError

    if isinstance(exc, UnsupportedNetworkError):
        return str(exc)
    text = str(exc).strip("'\" ") or type(exc).__name__
    return f"does not hold a StyleGAN generator this app can build: {text}"
