"""IDX (MNIST-style) files: header parsing, gzip, truncation, labels beside the images."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from latent_explorer.core.datasets.idx import labels_path_for, load_idx_dataset, looks_like_idx
from latent_explorer.core.errors import DatasetError
from latent_explorer.core.jobs import JobContext
from tests.conftest import MNIST_DIR, MNIST_SKIP

MNIST = MNIST_DIR


def idx_bytes(array: npt.NDArray[np.generic], type_code: int = 0x08) -> bytes:
    """The bytes of an IDX file holding ``array`` (big-endian, like the real thing)."""
    header = struct.pack(">BBBB", 0, 0, type_code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    dtype = {0x08: ">u1", 0x0B: ">i2", 0x0D: ">f4"}[type_code]
    return header + np.ascontiguousarray(array, dtype=dtype).tobytes()


def write_idx(path: Path, array: npt.NDArray[np.generic], type_code: int = 0x08) -> Path:
    """Write ``array`` as IDX, gzipped when ``path`` ends with ``.gz``."""
    data = idx_bytes(array, type_code)
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def make_images(n: int = 12, size: int = 6) -> npt.NDArray[np.uint8]:
    return np.arange(n * size * size, dtype=np.int64).reshape(n, size, size).astype(np.uint8)


@pytest.mark.parametrize("suffix", [".gz", ""])
def test_images_and_labels_found_beside(tmp_path: Path, suffix: str) -> None:
    images = make_images()
    labels = np.arange(12, dtype=np.uint8) % 3
    images_file = write_idx(tmp_path / f"train-images-idx3-ubyte{suffix}", images)
    write_idx(tmp_path / f"train-labels-idx1-ubyte{suffix}", labels)

    dataset = load_idx_dataset(images_file)

    assert dataset.images.shape == (12, 6, 6, 1)
    assert dataset.images.dtype == np.uint8
    np.testing.assert_array_equal(dataset.images[..., 0], images)
    assert dataset.labels is not None
    np.testing.assert_array_equal(dataset.labels, labels)
    assert dataset.label_names == ["0", "1", "2"]
    assert dataset.name == images_file.name
    assert dataset.source == str(images_file.resolve())


def test_labels_found_with_other_compression(tmp_path: Path) -> None:
    images_file = write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", make_images(4))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([1, 2, 3, 4], dtype=np.uint8))
    dataset = load_idx_dataset(images_file)
    assert dataset.labels is not None
    assert dataset.labels.tolist() == [1, 2, 3, 4]


def test_labels_path_for_standard_names(tmp_path: Path) -> None:
    names = [p.name for p in labels_path_for(tmp_path / "t10k-images-idx3-ubyte.gz")]
    assert names == ["t10k-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte"]
    names = [p.name for p in labels_path_for(tmp_path / "train-images.idx3-ubyte")]
    assert names == ["train-labels.idx1-ubyte", "train-labels.idx1-ubyte.gz"]
    assert labels_path_for(tmp_path / "faces.idx") == []


def test_no_labels_file_gives_note(tmp_path: Path) -> None:
    dataset = load_idx_dataset(write_idx(tmp_path / "x-images-idx3-ubyte", make_images(3)))
    assert dataset.labels is None
    assert any("x-labels-idx1-ubyte" in note for note in dataset.notes)


def test_explicit_labels(tmp_path: Path) -> None:
    images_file = write_idx(tmp_path / "faces.idx", make_images(5))
    labels_file = write_idx(tmp_path / "whatever.gz", np.array([4, 3, 2, 1, 0], dtype=np.uint8))
    dataset = load_idx_dataset(images_file, labels=labels_file)
    assert dataset.labels is not None
    assert dataset.labels.tolist() == [4, 3, 2, 1, 0]


def test_explicit_labels_missing(tmp_path: Path) -> None:
    images_file = write_idx(tmp_path / "faces.idx", make_images(5))
    with pytest.raises(DatasetError, match="no such file") as info:
        load_idx_dataset(images_file, labels=tmp_path / "gone.idx")
    assert "gone.idx" in str(info.value)


def test_label_count_mismatch(tmp_path: Path) -> None:
    images_file = write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", make_images(5))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(4, dtype=np.uint8))
    with pytest.raises(DatasetError, match="4 labels for 5 images") as info:
        load_idx_dataset(images_file)
    assert "t10k-labels-idx1-ubyte.gz" in str(info.value)


@pytest.mark.parametrize("suffix", [".gz", ""])
def test_truncated_payload(tmp_path: Path, suffix: str) -> None:
    data = idx_bytes(make_images(10, 10))[: 16 + 250]
    path = tmp_path / f"cut-images-idx3-ubyte{suffix}"
    path.write_bytes(gzip.compress(data) if suffix else data)
    with pytest.raises(DatasetError) as info:
        load_idx_dataset(path)
    message = str(info.value)
    assert path.name in message
    assert "truncated: expected 1,000 bytes of image data, found 250" in message


def test_extra_bytes_after_payload(tmp_path: Path) -> None:
    path = tmp_path / "long.idx"
    path.write_bytes(idx_bytes(make_images(2, 4)) + b"\0" * 7)
    with pytest.raises(DatasetError, match="7 bytes more") as info:
        load_idx_dataset(path)
    assert "long.idx" in str(info.value)


def test_truncated_gzip_stream(tmp_path: Path) -> None:
    compressed = gzip.compress(idx_bytes(np.random.default_rng(0).integers(0, 255, (50, 9, 9))))
    path = tmp_path / "broken-images-idx3-ubyte.gz"
    path.write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(DatasetError) as info:
        load_idx_dataset(path)
    assert path.name in str(info.value)
    assert "cut short" in str(info.value) or "truncated" in str(info.value)


def test_gzip_crc_error(tmp_path: Path) -> None:
    compressed = bytearray(gzip.compress(idx_bytes(make_images(3))))
    compressed[-8] ^= 0xFF  # the CRC32 of the uncompressed data sits 8 bytes from the end
    path = tmp_path / "crc-images-idx3-ubyte.gz"
    path.write_bytes(bytes(compressed))
    with pytest.raises(DatasetError, match="gzip data is damaged") as info:
        load_idx_dataset(path)
    assert path.name in str(info.value)


def test_wrong_magic(tmp_path: Path) -> None:
    path = tmp_path / "bad-images-idx3-ubyte"
    path.write_bytes(struct.pack(">I", 0x12345678) + b"\0" * 32)
    with pytest.raises(DatasetError) as info:
        load_idx_dataset(path)
    message = str(info.value)
    assert path.name in message
    assert "not an IDX file (magic number 0x12345678, expected 0x00000803 for images)" in message


def test_labels_file_given_as_images(tmp_path: Path) -> None:
    path = write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(3, dtype=np.uint8))
    with pytest.raises(DatasetError, match="holds 1-D data") as info:
        load_idx_dataset(path)
    assert path.name in str(info.value)


def test_zero_sized_dimension(tmp_path: Path) -> None:
    path = tmp_path / "flat.idx"
    path.write_bytes(struct.pack(">BBBBIII", 0, 0, 8, 3, 2, 0, 5))
    with pytest.raises(DatasetError, match="bad dimensions") as info:
        load_idx_dataset(path)
    assert "flat.idx" in str(info.value)


def test_header_cut_short(tmp_path: Path) -> None:
    path = tmp_path / "stub.idx"
    path.write_bytes(struct.pack(">BBBBI", 0, 0, 8, 3, 2))
    with pytest.raises(DatasetError, match="truncated inside the IDX header") as info:
        load_idx_dataset(path)
    assert "stub.idx" in str(info.value)


def test_other_element_types_convert(tmp_path: Path) -> None:
    floats = np.linspace(0.0, 1.0, 2 * 3 * 3).reshape(2, 3, 3)
    dataset = load_idx_dataset(write_idx(tmp_path / "f.idx", floats, type_code=0x0D))
    assert dataset.images[0, 0, 0, 0] == 0 and dataset.images[-1, -1, -1, 0] == 255
    wide = np.array([[[0, 1000], [-1000, 0]]], dtype=np.int16)
    dataset = load_idx_dataset(write_idx(tmp_path / "i.idx", wide, type_code=0x0B))
    assert dataset.images[0, :, :, 0].tolist() == [[128, 255], [0, 128]]
    assert any("rescaled" in note for note in dataset.notes)


def test_looks_like_idx(tmp_path: Path) -> None:
    assert looks_like_idx(write_idx(tmp_path / "a.gz", make_images(1)))
    assert looks_like_idx(write_idx(tmp_path / "a.bin", make_images(1)))
    (tmp_path / "text.gz").write_bytes(gzip.compress(b"hello world"))
    assert not looks_like_idx(tmp_path / "text.gz")


def test_progress_reported(tmp_path: Path) -> None:
    seen: list[float | None] = []
    ctx = JobContext(lambda fraction, _message: seen.append(fraction))
    load_idx_dataset(write_idx(tmp_path / "p-images-idx3-ubyte.gz", make_images(8)), ctx=ctx)
    assert seen and seen[-1] == 1.0


@pytest.mark.skipif(not (MNIST / "t10k-images-idx3-ubyte.gz").is_file(), reason=MNIST_SKIP)
def test_real_mnist_t10k() -> None:
    dataset = load_idx_dataset(MNIST / "t10k-images-idx3-ubyte.gz")
    assert dataset.images.shape == (10_000, 28, 28, 1)
    assert dataset.images.dtype == np.uint8
    assert dataset.labels is not None
    assert dataset.labels.shape == (10_000,)
    assert set(np.unique(dataset.labels).tolist()) == set(range(10))
    assert dataset.labels[:5].tolist() == [7, 2, 1, 0, 4]  # the well-known first t10k digits


def _gzip_of_zeros(header: bytes, zeros: int) -> bytes:
    """A gzip stream of ``header`` then ``zeros`` zero bytes, built without holding them."""
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
    parts = [packer.compress(header)]
    block = bytes(1 << 20)
    for start in range(0, zeros, len(block)):
        parts.append(packer.compress(block[: min(len(block), zeros - start)]))
    parts.append(packer.flush())
    return b"".join(parts)


def test_gzip_header_declaring_more_than_the_file_can_hold_is_refused_unread(
        tmp_path: Path) -> None:
    # A 1 GB image array declared by a header whose file is a few kilobytes.
    header = struct.pack(">I", 0x00000803) + struct.pack(">3I", 1_000_000, 32, 32)
    path = tmp_path / "bomb-images-idx3-ubyte.gz"
    path.write_bytes(_gzip_of_zeros(header, 4096))
    seen: list[float | None] = []
    with pytest.raises(DatasetError) as info:
        load_idx_dataset(path, ctx=JobContext(lambda fraction, _: seen.append(fraction)))
    message = str(info.value)
    assert "its header declares 1000000x32x32 values (1,024,000,000 bytes of image data)" in message
    assert "more than a gzip file of" in message and len(message.splitlines()) == 1
    assert seen == []  # refused before any value was decompressed


def test_gzip_stream_far_longer_than_its_header_stops_early(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    header = struct.pack(">I", 0x00000803) + struct.pack(">3I", 10, 28, 28)
    path = tmp_path / "long-images-idx3-ubyte.gz"
    path.write_bytes(_gzip_of_zeros(header, 64 << 20))  # 64 MB of zeros after 7,840 declared
    read = [0]
    real_read, real_readinto = gzip.GzipFile.read, gzip.GzipFile.readinto

    def counting_read(self: gzip.GzipFile, size: int = -1) -> bytes:
        data = real_read(self, size)
        read[0] += len(data)
        return data

    def counting_readinto(self: gzip.GzipFile, buffer: Any) -> int:
        got = real_readinto(self, buffer)
        read[0] += got
        return got

    monkeypatch.setattr(gzip.GzipFile, "read", counting_read)
    monkeypatch.setattr(gzip.GzipFile, "readinto", counting_readinto)
    with pytest.raises(DatasetError, match="holds more data than its header says"):
        load_idx_dataset(path)
    assert read[0] < 1 << 20


def test_gzip_memory_is_what_the_header_declares(tmp_path: Path) -> None:
    import tracemalloc

    images = np.random.default_rng(1).integers(0, 256, (400, 100, 100), dtype=np.uint8)
    path = write_idx(tmp_path / "big-images-idx3-ubyte.gz", images)
    tracemalloc.start()
    try:
        dataset = load_idx_dataset(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(dataset.images[..., 0], images)
    assert peak < images.nbytes + (2 << 20)
