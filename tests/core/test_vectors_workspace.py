"""Maps with no decoder: embeddings from files and arrays, tables, and a dataset's pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latent_explorer.core.compute.pipeline import AUTO_MODEL_SPEC, open_workspace
from latent_explorer.core.compute.pixel_map import open_pixels_workspace, pixel_vectors
from latent_explorer.core.compute.vectors_workspace import (
    VectorsSpec,
    is_vectors_spec,
    open_latents_workspace,
)
from latent_explorer.core.datasets.base import ArrayDataset
from latent_explorer.core.datasets.table import labels_from_values, read_vector_table
from latent_explorer.core.errors import InputFileError, LatentExplorerError, SpecError
from latent_explorer.core.models.no_decoder import NoDecoderError

pd = pytest.importorskip("pandas")


def _vectors(count: int = 120, dim: int = 24, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((3, dim)) * 4
    return (centres[np.arange(count) % 3] + rng.standard_normal((count, dim))).astype(np.float32)


def _image_folder(folder: Path, count: int, side: int = 12, colour: bool = True) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    names = []
    for i in range(count):
        shape = (side, side, 3) if colour else (side, side)
        Image.fromarray((rng.random(shape) * 255).astype(np.uint8)).save(folder / f"{i:03d}.png")
        names.append(f"{i:03d}.png")
    return names


def test_an_array_of_embeddings_opens_without_a_decoder() -> None:
    z = _vectors()
    view = np.asfortranarray(z)[:, ::1]  # a non-contiguous view, as users hand them over
    ws = open_latents_workspace(view, labels=np.array(["a", "b", "c"] * 40),
                                metadata={"score": np.linspace(0, 1, 120)})
    assert not ws.has_decoder and not ws.has_images
    assert ws.latents.shape == (120, 24) and ws.latents.flags.c_contiguous
    assert ws.projector.coords.shape == (120, 2)
    assert ws.dataset.label_names == ["a", "b", "c"] and ws.dataset.labels[4] == 1
    assert ws.dataset.metadata["score"][-1] == 1.0
    assert ws.model.latent_dim == 24 and not ws.model.has_encoder
    with pytest.raises(NoDecoderError, match="without a decoder"):
        ws.model.decode(z[:1])
    # Handed over in memory: the spec says so, and reopening it says what to do instead.
    assert VectorsSpec.parse(ws.model.source).latents is None
    with pytest.raises(SpecError, match=r"numpy\.save"):
        open_workspace("digits", ws.model.source)


def test_npy_with_metadata_table_and_image_column_reopens_from_its_spec(tmp_path: Path) -> None:
    z = _vectors()
    np.save(tmp_path / "z.npy", z)
    names = _image_folder(tmp_path / "pics", 120, side=10, colour=False)
    table = pd.DataFrame({"label": ["cat", "dog", "owl"] * 40, "age": np.arange(120),
                          "picture": [f"pics/{n}" for n in names]})
    table.to_csv(tmp_path / "meta.csv", index=False)
    ws = open_latents_workspace(tmp_path / "z.npy", metadata=tmp_path / "meta.csv")
    assert isinstance(ws.latents, np.memmap)  # not read whole
    assert ws.has_images and ws.dataset.image_shape == (10, 10, 1)
    assert ws.dataset.label_names == ["cat", "dog", "owl"]
    assert set(ws.dataset.metadata) == {"age", "picture"}
    stored = np.asarray(Image.open(tmp_path / "pics" / names[7]))
    np.testing.assert_array_equal(ws.dataset.images[7, ..., 0], stored)
    assert is_vectors_spec(ws.model.source)
    again = open_workspace("ignored", ws.model.source)
    np.testing.assert_array_equal(again.latents, ws.latents)
    assert again.dataset.label_names == ws.dataset.label_names


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_table_of_vectors_and_metadata_opens_the_same_way(tmp_path: Path, suffix: str) -> None:
    pytest.importorskip("pyarrow")
    z = _vectors(count=60, dim=12)
    frame = pd.DataFrame({f"emb_{i}": z[:, i] for i in reversed(range(12))})  # any order
    frame["class"] = np.arange(60) % 4
    frame["note"] = ["x", "y"] * 30
    frame["weight"] = np.linspace(0.5, 1.5, 60)
    path = tmp_path / f"emb{suffix}"
    frame.to_parquet(path) if suffix == ".parquet" else frame.to_csv(path, index=False)
    ws = open_latents_workspace(path)
    np.testing.assert_allclose(ws.latents, z, rtol=1e-6)  # columns put back in number order
    assert ws.dataset.labels is not None and ws.dataset.labels.tolist()[:5] == [0, 1, 2, 3, 0]
    assert set(ws.dataset.metadata) == {"note", "weight"}
    assert "emb_0 .. emb_11" in " ".join(ws.dataset.notes)


def test_a_parquet_list_column_is_the_vector(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    z = _vectors(count=30, dim=5)
    pd.DataFrame({"id": np.arange(30), "embedding": list(z)}).to_parquet(tmp_path / "e.parquet")
    table = read_vector_table(tmp_path / "e.parquet")
    assert table.vectors is not None
    np.testing.assert_allclose(table.vectors, z)
    assert table.metadata["id"][3] == 3.0


def test_bad_inputs_say_what_and_where(tmp_path: Path) -> None:
    z = _vectors(count=50)
    pd.DataFrame({"label": range(49)}).to_csv(tmp_path / "short.csv", index=False)
    with pytest.raises(InputFileError, match=r"short\.csv.*49 rows but there are 50"):
        open_latents_workspace(z, metadata=tmp_path / "short.csv")
    bad = z.copy()
    bad[7, 3] = np.nan
    with pytest.raises(SpecError, match=r"the vectors have NaN.*row 7"):
        open_latents_workspace(bad)
    with pytest.raises(SpecError, match=r"the vectors hold an array of shape \(50,\)"):
        open_latents_workspace(z[:, 0])
    pd.DataFrame({"name": ["a", "b"]}).to_csv(tmp_path / "words.csv", index=False)
    with pytest.raises(InputFileError, match="no column that can be the vector"):
        open_latents_workspace(tmp_path / "words.csv")
    (tmp_path / "pics").mkdir()
    pd.DataFrame({"x0": [0.0, 1.0], "x1": [1.0, 0.0], "image": ["pics/gone.png"] * 2}).to_csv(
        tmp_path / "gone.csv", index=False)
    with pytest.raises(LatentExplorerError, match=r"gone\.png"):
        open_latents_workspace(tmp_path / "gone.csv")


def test_labels_from_numbers_or_text() -> None:
    ids, names = labels_from_values(np.array([3, 1, 3]))
    assert ids.tolist() == [3, 1, 3] and names is None
    ids, names = labels_from_values(["b", "a", None])
    assert names == ["(none)", "a", "b"] and ids.tolist() == [2, 1, 0]


def test_pixels_map_when_no_model_fits(tmp_path: Path) -> None:
    _image_folder(tmp_path / "imgs", 30, side=40)
    ws = open_workspace(str(tmp_path / "imgs"), AUTO_MODEL_SPEC)
    assert not ws.has_decoder and ws.has_images and ws.model.source == "pixels"
    # 40x40 colour is averaged down to 14x14x3 = 588 values (<= 1024)
    assert ws.latents.shape == (30, 588)
    assert "averaged down" in ws.model.reason
    assert ws.dataset.image_shape == (40, 40, 3)  # the pictures themselves stay whole
    # The demo model fits the built-in digits: "auto" keeps it.
    assert open_workspace("digits", AUTO_MODEL_SPEC).has_decoder
    # Opening a model later goes through the same dataset.
    ws2 = open_workspace(ws.dataset, ws.model)
    assert ws2.model.source == "pixels"


def test_pixel_vectors_of_small_grey_images_are_the_pixels() -> None:
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28, 1), dtype=np.uint8)
    values, note = pixel_vectors(ArrayDataset("m", "m", images))
    np.testing.assert_allclose(values, images.reshape(5, -1) / 255.0, rtol=1e-6)
    assert note == "28x28 pixels"
    ws = open_pixels_workspace(ArrayDataset("m", "m", images))
    assert ws.latents.shape == (5, 784)


def test_a_model_that_cannot_encode_the_images_gives_their_pixels_when_asked(
        tmp_path: Path) -> None:
    from latent_explorer.core.errors import IncompatibleError
    from latent_explorer.core.models import load_model

    _image_folder(tmp_path / "imgs", 12, side=10)
    demo = load_model("demo")
    with pytest.raises(IncompatibleError, match="8x8x1"):
        open_workspace(str(tmp_path / "imgs"), demo)
    ws = open_workspace(str(tmp_path / "imgs"), demo, pixels_if_unfit=True)
    assert ws.model.source == "pixels" and ws.model.reason.startswith("digits VAE works on")


def test_images_handed_over_as_arrays_tensors_or_pil_lists() -> None:
    torch = pytest.importorskip("torch")
    z = _vectors(count=20, dim=6)
    rng = np.random.default_rng(2)
    floats = rng.random((20, 3, 5, 5)).astype(np.float32)  # channel-first floats in [0, 1]
    ws = open_latents_workspace(z, torch.from_numpy(floats))
    assert ws.has_images and ws.dataset.image_shape == (5, 5, 3)
    np.testing.assert_array_equal(ws.dataset.images[2], np.rint(
        floats[2].transpose(1, 2, 0) * 255).astype(np.uint8))
    pictures = [Image.fromarray((rng.random((4, 4)) * 255).astype(np.uint8)) for _ in range(20)]
    ws = open_latents_workspace(z, pictures)
    np.testing.assert_array_equal(ws.dataset.images[7, ..., 0], np.asarray(pictures[7]))
    with pytest.raises(SpecError, match="19 images were given for 20 vectors"):
        open_latents_workspace(z, pictures[:19])
