"""A ``.safetensors`` file declaring a huge header is refused before it is parsed (issue 23).

The ``safetensors`` library parses the header in one call that holds Python's global lock: an
88 MB header froze every thread of the app, the window's too, whichever thread read it.
"""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import pytest

from latent_explorer.core.errors import ModelError
from latent_explorer.core.models import DEMO_MODEL_PATH, load_model
from latent_explorer.core.models.detect import ModelKind, detect_model
from latent_explorer.core.models.safetensors_header import MAX_HEADER_BYTES


def huge_header_file(path: Path) -> Path:
    """A valid ``.safetensors`` file of many one-value tensors, its header just over the
    bound (the file the issue describes had 88 MB of header)."""
    header: dict[str, object] = {}
    count = MAX_HEADER_BYTES // 60
    for i in range(count):
        header[f"decoder.layers.{i}.weight"] = {"dtype": "F32", "shape": [1],
                                                "data_offsets": [4 * i, 4 * i + 4]}
    raw = json.dumps(header).encode()
    assert len(raw) > MAX_HEADER_BYTES
    with path.open("wb") as stream:
        stream.write(struct.pack("<Q", len(raw)))
        stream.write(raw)
        stream.write(bytes(4 * count))
    return path


def test_a_huge_header_is_never_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import safetensors
    import safetensors.torch

    parsed: list[str] = []

    def spy(real):  # type: ignore[no-untyped-def]
        def opened(path, *args, **kwargs):  # type: ignore[no-untyped-def]
            parsed.append(str(path))
            return real(path, *args, **kwargs)
        return opened

    monkeypatch.setattr(safetensors, "safe_open", spy(safetensors.safe_open))
    monkeypatch.setattr(safetensors.torch, "load_file", spy(safetensors.torch.load_file))
    alone = huge_header_file(tmp_path / "vae.safetensors")
    detection = detect_model(alone)
    assert detection.kind is not ModelKind.FAMILY and not parsed
    # Beside a model.json of the project's VAE, it is what load_model reads as weights.
    folder = tmp_path / "vae"
    folder.mkdir()
    shutil.copy(DEMO_MODEL_PATH, folder / "model.json")
    weights = huge_header_file(folder / "model.safetensors")
    with pytest.raises(ModelError, match=r"model\.safetensors: declares a header of [\d,]+ "
                                         "bytes") as refused:
        load_model(folder)
    assert "\n" not in str(refused.value) and not parsed
    assert weights.exists()
