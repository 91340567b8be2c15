"""Datasets whose headers declare more than the machine's memory are refused before reading.

Each attack file is small on disk and declares (or decompresses to) far more: a ``.npz``
member of deflated zeros, a gzipped IDX file, a parquet list column, a zip of blank PNGs
declaring large sizes. Loaded in a child process with a small memory budget (set as a user
would, by ``LATENT_EXPLORER_MEMORY_LIMIT``, or by an address-space limit), each is refused in
one line naming the file, and the child's peak memory stays small.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.errors import DatasetError, InputFileError
from tests.core.test_session_bounds import write_npy_member
from tests.memory_probe import probe, probe_cli, stderr_lines

MiB = 1024**2
SMALL = {"LATENT_EXPLORER_MEMORY_LIMIT": "64M"}
LOAD = "from latent_explorer.core.datasets import load_dataset"


def deflated_npz(path: Path, shape: tuple[int, ...], dtype: str = "|u1") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as npz:
        write_npy_member(npz, "images", shape, dtype)
    return path


def header_only_npz(path: Path, shape: tuple[int, ...]) -> Path:
    """An ``.npz`` whose member is just a header declaring ``shape`` (no data): ~200 bytes."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "|u1", "fortran_order": False, "shape": shape})
    with zipfile.ZipFile(path, "w") as npz:
        npz.writestr("images.npy", header.getvalue())
    return path


def assert_refused(result: object, path: Path, growth_mb: int = 48) -> None:
    assert result.error in ("DatasetError", "InputFileError"), \
        result.traceback or result.message  # type: ignore[attr-defined]
    assert result.message.startswith(str(path)), result.message  # type: ignore[attr-defined]
    assert "\n" not in result.message  # type: ignore[attr-defined]
    assert result.growth < growth_mb * MiB, \
        f"refusing took {result.growth_mb:.0f} MB"  # type: ignore[attr-defined]


def test_a_200_byte_npz_declaring_93_gib_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """No budget set: it declares more than any machine here has."""
    bomb = header_only_npz(tmp_path / "bomb.npz", (100_000, 1000, 1000))
    assert bomb.stat().st_size < 400
    result = probe_cli(["info", "--dataset", str(bomb)], tmp_path, headroom=None)
    assert result.value == 2, result.stderr
    lines = stderr_lines(result)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"latent-explorer: error: {bomb}: ") and "93.1 GiB" in lines[0]
    assert result.growth < 48 * MiB


def test_a_deflated_npz_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """256 MiB of zeros in a file of a few hundred kilobytes, with 64 MiB allowed."""
    path = deflated_npz(tmp_path / "zeros.npz", (1024, 512, 512))
    assert path.stat().st_size < 2 * MiB
    result = probe(LOAD, f"load_dataset({str(path)!r})", tmp_path, env=SMALL)
    assert_refused(result, path)
    assert "256 MiB" in result.message or "256.0 MiB" in result.message


def test_the_budget_follows_an_address_space_limit(tmp_path: Path) -> None:
    """With no variable set, ``ulimit -v`` is what this process has: 2 GiB declared, 1 GiB of
    room, refused (it used to end in a MemoryError traceback)."""
    path = deflated_npz(tmp_path / "two.npz", (2048, 1024, 1024))
    result = probe(LOAD, f"load_dataset({str(path)!r})", tmp_path, headroom=1 << 30)
    assert_refused(result, path)


def test_a_gzipped_idx_file_is_bounded_by_memory_not_only_by_deflate(tmp_path: Path) -> None:
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(b"\0\0\x08\x03" + np.array([1024, 512, 512], ">u4").tobytes())
        block = bytes(MiB)
        for _ in range(256):
            out.write(block)
    assert path.stat().st_size < 2 * MiB
    result = probe(LOAD, f"load_dataset({str(path)!r})", tmp_path, env=SMALL)
    assert_refused(result, path)


def test_a_parquet_list_column_counts_every_value(tmp_path: Path) -> None:
    """2,000 rows of 4,096 zeros: a file of a few kilobytes that took 350 MB to read."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "embeddings.parquet"
    column = pa.array([np.zeros(4096) for _ in range(2000)], type=pa.list_(pa.float64()))
    pq.write_table(pa.table({"emb": column, "label": np.arange(2000) % 3}), path,
                   compression="zstd")
    assert path.stat().st_size < 64 * 1024
    result = probe("from latent_explorer.core.datasets.table import read_vector_table\n"
                   "import pandas, pyarrow.parquet",
                   f"read_vector_table({str(path)!r})", tmp_path, env=SMALL)
    assert_refused(result, path)
    assert "8,194,000 values" in result.message  # the list items, and the labels


def short_cells_csv(path: Path, rows: int, columns: int) -> Path:
    """A table of ``rows`` x ``columns`` cells of ``0``: two bytes a cell on disk."""
    line = ",".join(["0"] * columns) + "\n"
    with path.open("w") as out:
        out.write(",".join(f"emb_{i}" for i in range(columns)) + "\n")
        for _ in range(rows):
            out.write(line)
    return path


def test_a_csv_of_short_cells_is_counted_before_pandas_reads_it(tmp_path: Path) -> None:
    """4 MB of ``0,0,0``: two million cells, some hundred MB once parsed, with 64 MiB allowed."""
    pytest.importorskip("pandas")
    path = short_cells_csv(tmp_path / "embeddings.csv", 4096, 512)
    assert path.stat().st_size < 5 * MiB
    result = probe("from latent_explorer.core.datasets.table import read_vector_table\n"
                   "import pandas", f"read_vector_table({str(path)!r})", tmp_path, env=SMALL)
    assert_refused(result, path)
    assert "its 2,097,665 cells" in result.message, result.message


def test_a_metadata_csv_of_short_cells_is_counted_before_it_is_parsed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The metadata beside a dataset: parsed cell by cell into strings, then typed columns."""
    from latent_explorer.core.analysis.metadata import read_metadata_csv
    from latent_explorer.core.datasets.base import ArrayDataset

    path = short_cells_csv(tmp_path / "meta.csv", 4096, 512)
    data = ArrayDataset("t", "t", np.zeros((4096, 2, 2, 1), dtype=np.uint8))
    monkeypatch.setenv("LATENT_EXPLORER_MEMORY_LIMIT", "64M")
    with pytest.raises(InputFileError, match=r"meta\.csv: its 2,097,665 cells .* would need "
                                             r"160\.0 MiB of memory"):
        read_metadata_csv(path, data)
    monkeypatch.setenv("LATENT_EXPLORER_MEMORY_LIMIT", "1G")
    assert len(read_metadata_csv(path, data)) == 512


def blank_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def test_a_zip_of_blank_pngs_declaring_large_sizes(tmp_path: Path) -> None:
    """128 PNGs of 1024x1024 declared, 128 MiB of pixels, in a zip of a few hundred KB."""
    png = blank_png(1024, 1024)
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(128):
            archive.writestr(f"photos/{i:03d}.png", png)
    assert path.stat().st_size < 2 * MiB
    result = probe(LOAD, f"load_dataset({str(path)!r})", tmp_path, env=SMALL)
    assert_refused(result, path)
    assert "128 images of 1024x1024 would need" in result.message


def test_one_image_too_large_to_decode_is_skipped_and_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "pics"
    folder.mkdir()
    for i in range(3):
        Image.new("L", (8, 8), color=40 * i).save(folder / f"{i}.png")
    (folder / "huge.png").write_bytes(blank_png(2048, 2048))  # 4 MP: 96 MiB to decode
    monkeypatch.setenv("LATENT_EXPLORER_MEMORY_LIMIT", "64M")
    dataset = load_dataset(str(folder), image_size=8)
    assert len(dataset) == 3
    assert any("huge.png" in note for note in dataset.notes)


def test_machines_with_room_still_open_them(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The same kinds of files, small enough for the budget, open as before."""
    monkeypatch.setenv("LATENT_EXPLORER_MEMORY_LIMIT", "64M")
    npz = deflated_npz(tmp_path / "ok.npz", (16, 32, 32))
    assert load_dataset(str(npz)).images.shape == (16, 32, 32, 1)


def test_labels_beside_npy_images_are_bounded_too(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    np.save(tmp_path / "images.npy", np.zeros((4, 8, 8), np.uint8))
    labels = tmp_path / "labels.npz"
    with zipfile.ZipFile(labels, "w", zipfile.ZIP_DEFLATED) as npz:
        write_npy_member(npz, "labels", (1 << 24,), "<i8")  # 128 MiB declared
    monkeypatch.setenv("LATENT_EXPLORER_MEMORY_LIMIT", "64M")
    with pytest.raises(DatasetError, match=r"labels\.npz: its labels"):
        load_dataset(str(tmp_path / "images.npy"), labels=labels)


def test_an_unexpected_memory_error_names_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What no declared size foresaw (a MemoryError deep in a reader) is still one line."""
    from latent_explorer.core import datasets

    def out_of_memory(*args: object, **kwargs: object) -> None:
        raise MemoryError("Unable to allocate 93.1 GiB for an array with shape (100000, 1000)")

    monkeypatch.setattr(datasets, "load_array_dataset", out_of_memory)
    path = tmp_path / "x.npz"
    path.write_bytes(header_only_npz(tmp_path / "y.npz", (2, 2, 2)).read_bytes())
    with pytest.raises(InputFileError, match=r"x\.npz: needs more memory than is free"):
        load_dataset(str(path))
