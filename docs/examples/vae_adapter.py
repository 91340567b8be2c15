"""Latent Explorer adapter file for a typical PyTorch VAE (MLP, 28x28 grey, 16 latents).

Copy this file next to your checkpoint, replace ``VAE`` with your own class (or import it),
set the constants, and open the file in Latent Explorer::

    latent-explorer gui --model my_vae_adapter.py --trust-code

Opening an adapter file runs it, so the app asks for your trust first. Check the adapter
without the app with ``python my_vae_adapter.py``: it loads the checkpoint and decodes two
random latents.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

# --- what the app needs to know ------------------------------------------------------------
LATENT_SHAPE = (16,)  # the shape of ONE latent as your decoder takes it
OUTPUT_RANGE = "logits"  # the decoder returns logits: the app applies a sigmoid
IMAGE_SHAPE = (28, 28, 1)  # (H, W, C); optional, the app can read it off one decode
ENCODER_INPUT_RANGE = "0,1"  # the pixel range your encoder was trained on
NAME = "MNIST VAE"

CHECKPOINT = "my_vae.pt"  # relative to the folder this file lies in


# --- your network --------------------------------------------------------------------------
class VAE(nn.Module):
    """The network exactly as it was trained (same layer names, same sizes)."""

    def __init__(self, latent_dim: int = 16, hidden: int = 256) -> None:
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Flatten(), nn.Linear(28 * 28, hidden), nn.ReLU(), nn.Linear(hidden, 2 * latent_dim)
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, 28 * 28),
            nn.Unflatten(1, (1, 28, 28)),
        )  # fmt: skip

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Images ``(B, 1, 28, 28)`` in [0, 1] -> ``(mu, logvar)``; the app uses ``mu``."""
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Latents ``(B, 16)`` -> logits ``(B, 1, 28, 28)``."""
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decode(z), mu, logvar


# --- how to build it and load the weights --------------------------------------------------
def load(checkpoint_dir: Path) -> nn.Module:
    """Build the network and load its weights; ``checkpoint_dir`` is this file's folder."""
    path = checkpoint_dir / CHECKPOINT
    if not path.is_file():
        raise FileNotFoundError(f"the checkpoint {path} is missing (see CHECKPOINT)")
    # weights_only=True reads tensors and plain containers without running code;
    # map_location="cpu" opens a checkpoint saved on a GPU on any machine.
    state = torch.load(path, map_location="cpu", weights_only=True)
    # Training loops often save more than the weights: take the model's part.
    for key in ("state_dict", "model_state_dict", "model"):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
            break
    # Saved from nn.DataParallel / DistributedDataParallel: drop the "module." prefix.
    state = {k.removeprefix("module."): v for k, v in state.items()}
    net = VAE(latent_dim=LATENT_SHAPE[0])
    net.load_state_dict(state)  # strict: a wrong class or size fails here, with the key names
    return net


if __name__ == "__main__":
    model = load(Path(__file__).resolve().parent).eval()
    with torch.inference_mode():
        out = model.decode(torch.randn(2, *LATENT_SHAPE))
    print(f"decoded 2 latents into {tuple(out.shape)}, values {out.min():.3f}..{out.max():.3f}")
