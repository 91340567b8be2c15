"""Ship the shapes demo's latents and UMAP map with it, so the first start shows them at once.

Run from the repository root (in the environment where the app is installed):

    python docs/make_demo_map.py

It encodes the bundled ``shapes`` dataset with the bundled ``demo-shapes`` model, fits the UMAP
map the window computes (its default settings), and writes both as cache entries beside the
model (``resources/demo-shapes/cached-<kind>-<key>.npz``). Their keys are the cache's own,
made from the model's weights and the dataset's content, so they apply to nothing else; rerun
this after retraining the model. Fitting takes about a minute (numba's compile included).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "demo-shapes"


def main() -> int:
    """Write the two entries (and remove those of an older model)."""
    from latent_explorer.core.compute.cache import BUNDLED_PREFIX, ResultCache, bundled_name
    from latent_explorer.core.compute.pipeline import encode_cached, latents_key, project_cached
    from latent_explorer.core.datasets import load_dataset
    from latent_explorer.core.models import load_model
    from latent_explorer.core.session.state import ProjectionState

    dataset, model = load_dataset("shapes"), load_model("demo-shapes")
    with tempfile.TemporaryDirectory(prefix="le-demo-map-") as folder:
        cache = ResultCache(Path(folder))
        latents = encode_cached(model, dataset, cache)
        params = ProjectionState(method="umap").to_params()
        project_cached(latents, params, cache, latents_id=latents_key(model, dataset))
        for old in OUT.glob(f"{BUNDLED_PREFIX}*.npz"):
            old.unlink()
        for entry in sorted(Path(folder).glob("*/*.npz")):
            target = OUT / bundled_name(entry.parent.name, entry.stem)
            target.write_bytes(entry.read_bytes())
            print(f"wrote {target.relative_to(ROOT)} ({target.stat().st_size / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
