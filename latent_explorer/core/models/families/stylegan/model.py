""":class:`StyleGANModel`: a StyleGAN generator as the app's :class:`GenerativeModel`.

The latent the app works in is ``w`` (``w_dim`` values): a decode broadcasts it to all
``num_ws`` inputs of the synthesis network (:meth:`StyleGANModel.decode_ws` takes per-layer
``ws`` for style mixing and layer-range edits). Images are ``(H, W, C)`` in [0, 1] (the
network's [-1, 1] mapped as the reference does). There is no encoder. A conditional network
takes a class (``num_classes`` = ``c_dim``), given to it as a one-hot label.

Latents from the prior are seeds: ``z`` drawn as NVIDIA's tools draw it for a seed
(``np.random.RandomState(seed).randn(z_dim)``) and mapped to ``w`` by the mapping network
(:meth:`StyleGANModel.sample_latents`), so a map of seeds shows where the network's ``w`` lie.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from latent_explorer.core.models.base import OutputRange
from latent_explorer.core.models.torch_adapter import TorchModel

if TYPE_CHECKING:
    import torch

    from latent_explorer.core.models.families.stylegan.generator import StyleGANGenerator
    from latent_explorer.core.models.families.stylegan.mixing import LayerOverride

FAMILY = "StyleGAN"
BATCH_PIXELS = 1 << 18
"""Pixels (batch * H * W) handed to the synthesis network at once (bounds its memory)."""
NOISE_MODES = ("const", "random", "none")
"""The file's stored noise (the same picture every time), fresh noise each decode, none."""


class StyleGANModel(TorchModel):
    """A StyleGAN generator opened from a snapshot, decoding ``w`` to images.

    Parameters
    ----------
    generator
        The network (:mod:`~latent_explorer.core.models.families.stylegan.generator`).
    name, source
        As for :class:`TorchModel`.
    device
        Where the network runs (its tensors are already there).
    description
        What the file is, in words (shown by ``info`` and the Open Model dialog).

    Attributes
    ----------
    truncation_psi
        Truncation applied to every ``w`` decoded (1: none), toward the file's ``w_avg``.
    noise_mode
        ``const`` (the file's stored noise: the same picture every time), ``random`` or
        ``none``.
    layer_overrides
        Style inputs that take another ``w`` than the one decoded (style mixing, edits limited
        to a range of layers; see :mod:`.mixing`). Replaced whole, never changed in place, so
        the decode worker always reads one consistent set.
    """

    def __init__(self, generator: StyleGANGenerator, *, name: str, source: str,
                 device: str = "cpu", description: str = "") -> None:
        self.generator = generator
        self.device = device
        self.description = description
        self.truncation_psi = 1.0
        self.noise_mode = "const"
        self.layer_overrides: tuple[LayerOverride, ...] = ()
        side = max(1, generator.img_resolution)
        super().__init__(
            self._decode_w, name=name, source=source, latent_shape=(generator.w_dim,),
            output_range=OutputRange.SYMMETRIC, channels_first=True,
            image_shape=(side, side, generator.img_channels),
            num_classes=generator.c_dim, state_fn=generator.state_dict,
            batch_size=max(1, BATCH_PIXELS // (side * side)), keep_alive=generator,
        )  # fmt: skip

    def __repr__(self) -> str:
        g = self.generator
        return (f"StyleGANModel(name={self.name!r}, {g.architecture}, w_dim={g.w_dim}, "
                f"num_ws={g.num_ws}, image_shape={self.image_shape}, "
                f"num_classes={self.num_classes})")

    @property
    def z_dim(self) -> int:
        """Values in one ``z`` (the mapping network's input)."""
        return int(self.generator.z_dim)

    @property
    def w_dim(self) -> int:
        """Values in one ``w`` (the app's latent)."""
        return int(self.generator.w_dim)

    @property
    def num_ws(self) -> int:
        """How many ``w`` the synthesis network takes (one per style input)."""
        return int(self.generator.num_ws)

    @property
    def w_avg(self) -> npt.NDArray[np.float32]:
        """The average ``w`` the file stores (what truncation moves toward)."""
        return np.asarray(self.generator.mapping.w_avg.detach().cpu().float().numpy())

    # -- decoding ----------------------------------------------------------------------------

    def _one_hot_labels(self, labels: torch.Tensor | None, count: int) -> torch.Tensor | None:
        import torch

        if not self.generator.c_dim:
            return None
        if labels is None:
            labels = torch.zeros(count, dtype=torch.int64)
        return torch.nn.functional.one_hot(labels.long(), self.generator.c_dim).float().to(
            self.device)

    def _decode_w(self, w: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        from latent_explorer.core.models.families.stylegan.mixing import apply_overrides

        ws = w.to(self.device).unsqueeze(1).repeat(1, self.num_ws, 1)
        return self._synthesise(apply_overrides(ws, self.layer_overrides))

    def _synthesise(self, ws: torch.Tensor) -> torch.Tensor:
        from latent_explorer.core.models.families.stylegan.mapping import truncate

        if self.truncation_psi != 1:
            ws = truncate(ws, self.generator.mapping.w_avg, self.truncation_psi)
        out: torch.Tensor = self.generator.synthesis(ws, noise_mode=self.noise_mode)
        return out

    def decode_ws(self, ws: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Images for per-layer ``ws`` ``(B, num_ws, w_dim)``, ``(B, H, W, C)`` in [0, 1]."""
        import torch

        ws = np.asarray(ws, dtype=np.float32)
        if ws.ndim != 3 or ws.shape[1:] != (self.num_ws, self.w_dim):
            raise ValueError(f"{self.name} takes ws of shape (B, {self.num_ws}, {self.w_dim}), "
                             f"got {ws.shape}")
        chunks = []
        with torch.inference_mode():
            for start in range(0, len(ws), self.batch_size):
                batch = torch.from_numpy(np.ascontiguousarray(ws[start:start + self.batch_size]))
                out = self._synthesise(batch.to(self.device)).float().cpu().numpy()
                chunks.append(out.transpose(0, 2, 3, 1))
        raw = np.concatenate(chunks) if chunks else np.zeros((0, *self.image_shape), np.float32)
        return self.output_range.to_unit(np.ascontiguousarray(raw))

    # -- seeds and the mapping network -------------------------------------------------------

    def seed_z(self, seeds: Iterable[int]) -> npt.NDArray[np.float32]:
        """``z`` for each seed, as NVIDIA's tools draw it (``RandomState(seed).randn``)."""
        return np.stack([np.random.RandomState(int(s) % (1 << 32)).randn(self.z_dim)
                         for s in seeds]).astype(np.float32)  # fmt: skip

    def map_z(self, z: npt.NDArray[np.float32], label: int | None = None,
              truncation_psi: float = 1.0) -> npt.NDArray[np.float32]:
        """``w`` for each ``z`` (``(B, z_dim)`` -> ``(B, w_dim)``) through the mapping network,
        with class ``label`` for a conditional network (default 0)."""
        import torch

        z = np.asarray(z, dtype=np.float32).reshape(-1, self.z_dim)
        chunks = []
        with torch.inference_mode():
            for start in range(0, len(z), 4096):
                batch = torch.from_numpy(np.ascontiguousarray(z[start:start + 4096]))
                labels = None
                if self.generator.c_dim:
                    labels = torch.full((len(batch),), int(label or 0), dtype=torch.int64)
                one_hot = self._one_hot_labels(labels, len(batch))
                ws = self.generator.mapping(batch.to(self.device), one_hot,
                                            truncation_psi=truncation_psi)
                chunks.append(ws[:, 0].float().cpu().numpy())
        return np.concatenate(chunks) if chunks else np.zeros((0, self.w_dim), np.float32)

    def sample_latents(self, count: int, seed: int = 0,
                       label: int | None = None) -> npt.NDArray[np.float32]:
        """The ``w`` of seeds ``seed`` to ``seed + count - 1`` (``(count, w_dim)``)."""
        return self.map_z(self.seed_z(range(seed, seed + count)), label)

    def describe_samples(self, count: int, seed: int = 0) -> tuple[str, str]:
        """A name and a note for a map of :meth:`sample_latents`."""
        last = seed + count - 1
        return (f"{count:,} seeds", f"{self.name} has no encoder: the map shows the w of seeds "
                f"{seed:,} to {last:,} (z drawn for each seed, through the mapping network)")

    def settings(self) -> dict[str, object]:
        """The conventions and the family (part of :meth:`fingerprint`)."""
        return {**super().settings(), "family": FAMILY,
                "architecture": str(self.generator.architecture), "num_ws": self.num_ws}

    # -- what a decode depends on besides the weights ----------------------------------------

    def decode_options(self) -> dict[str, object]:
        """Truncation and noise mode: they change every picture, so the fingerprint and a
        saved session record them (:meth:`apply_options` sets them back)."""
        return {"truncation_psi": float(self.truncation_psi), "noise_mode": self.noise_mode}

    def apply_options(self, options: dict[str, object]) -> None:
        """Set the :meth:`decode_options` in ``options`` (others are ignored).

        Raises ``ValueError`` naming a value that does not fit.
        """
        psi = options.get("truncation_psi", self.truncation_psi)
        if not isinstance(psi, int | float) or not math.isfinite(psi) or not -2 <= psi <= 2:
            raise ValueError(f"truncation psi must be a number from -2 to 2, not {psi!r}")
        mode = options.get("noise_mode", self.noise_mode)
        if mode not in NOISE_MODES:
            raise ValueError(f"noise mode must be one of {', '.join(NOISE_MODES)}, not "
                             f"{mode!r}")
        self.truncation_psi, self.noise_mode = float(psi), str(mode)

    def fingerprint(self) -> str:
        """A sha256 of the weights, the settings and the :meth:`decode_options` (the weights'
        part is computed once; truncation and noise may change at any time)."""
        digest = hashlib.sha256(super().fingerprint().encode())
        digest.update(json.dumps(self.decode_options(), sort_keys=True).encode())
        return digest.hexdigest()[:32]
