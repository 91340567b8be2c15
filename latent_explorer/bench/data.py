"""Opening a folder of photos and encoding it: ``encode_folder_1k_photos_s``.

1,000 JPEG photographs of 1024x768 are written to a temporary folder (from scikit-image's
sample photographs when it is installed, else from generated textures), then opened at
256x256 (decode, EXIF, centre crop, resize, into the disk cache) and encoded by a conv encoder
of 2 million weights (four stride-2 convolutions, 16 to 128 channels). The second opening
reads the cache.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

PHOTOS = 1000
PHOTO_SIZE = (1024, 768)
IMAGE_SIZE = 256


def bench_data(quick: bool = False) -> dict[str, Any]:
    """Open and encode a folder of 1,000 photos (100 with ``quick``) at 256 px."""
    return run_photo_bench(100 if quick else PHOTOS)


def run_photo_bench(count: int) -> dict[str, Any]:
    """Write ``count`` photos, open them at 256 px (then again, from the cache), encode them."""
    import torch

    from latent_explorer.core.compute.encoding import encode_dataset
    from latent_explorer.core.datasets import load_dataset
    from latent_explorer.core.models.vae import VAEConfig, build_vae, wrap_vae

    torch.manual_seed(0)
    config = VAEConfig((IMAGE_SIZE, IMAGE_SIZE, 3), latent_dim=16, hidden=(16, 32, 64, 128),
                       kind="conv")
    model = wrap_vae(build_vae(config), "conv encoder", "bench")
    model.encode(np.zeros((1, IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.float32))  # warm-up
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="le-photos-") as tmp:
        folder = Path(tmp) / "photos"
        source = write_photos(folder, count)
        cache = Path(tmp) / "cache"
        start = time.perf_counter()
        dataset = load_dataset(str(folder), image_size=IMAGE_SIZE, cache_dir=cache)
        loaded = time.perf_counter()
        latents = encode_dataset(model, dataset)
        done = time.perf_counter()
        assert latents.shape == (count, 16)
        start_again = time.perf_counter()
        again = load_dataset(str(folder), image_size=IMAGE_SIZE, cache_dir=cache)
        reopened = time.perf_counter() - start_again
        assert len(again) == count
        del dataset, again
    key = "encode_folder_1k_photos_s" if count == PHOTOS else f"encode_folder_{count}_photos_s"
    results[key] = round(done - start, 2)
    results["photo_open_ms_each"] = round((loaded - start) / count * 1000, 2)
    results["photo_encode_ms_each"] = round((done - loaded) / count * 1000, 2)
    results["photo_folder_reopen_s"] = round(reopened, 3)
    results["photo_source"] = f"{count} JPEGs {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} ({source}), at " \
                              f"{IMAGE_SIZE} px, conv encoder 2.0M weights"
    return results


def write_photos(folder: Path, count: int) -> str:
    """Write ``count`` distinct 1024x768 JPEGs into ``folder`` (10 sub-folders); their source."""
    from PIL import Image

    bases, source = _base_photos()
    rng = np.random.default_rng(0)
    for index in range(count):
        base = bases[index % len(bases)]
        # A different crop, flip and exposure for each, so no two files are alike.
        height, width = base.shape[:2]
        top = int(rng.integers(0, max(1, height // 4)))
        left = int(rng.integers(0, max(1, width // 4)))
        crop = base[top : top + height * 3 // 4, left : left + width * 3 // 4]
        if index % 2:
            crop = crop[:, ::-1]
        image = Image.fromarray(np.ascontiguousarray(crop)).resize(PHOTO_SIZE)
        gain = float(rng.uniform(0.8, 1.2))
        image = image.point(lambda value, g=gain: min(255, int(value * g)))
        target = folder / f"class{index % 10}" / f"photo{index:04d}.jpg"
        target.parent.mkdir(parents=True, exist_ok=True)
        image.save(target, quality=90)
    return source


def _base_photos() -> tuple[list[npt.NDArray[np.uint8]], str]:
    try:
        from skimage import data
    except ImportError:
        return _textures(), "generated textures"
    names = ("astronaut", "chelsea", "coffee", "rocket", "immunohistochemistry", "retina")
    return [np.asarray(getattr(data, name)(), dtype=np.uint8) for name in names], \
        "scikit-image photographs"


def _textures() -> list[npt.NDArray[np.uint8]]:
    """Smooth colour fields with noise: about as costly to decode as photographs."""
    rng = np.random.default_rng(1)
    out = []
    for _ in range(6):
        y, x = np.mgrid[0:768, 0:1024].astype(np.float32)
        phase = rng.uniform(0, 6.28, 3)
        freq = rng.uniform(0.002, 0.02, 3)
        channels = [127 + 100 * np.sin(x * freq[i] + y * freq[(i + 1) % 3] + phase[i])
                    for i in range(3)]
        field = np.stack(channels, axis=-1) + rng.normal(0, 12, (768, 1024, 3))
        out.append(np.clip(field, 0, 255).astype(np.uint8))
    return out
