"""What reading a table would hold in memory, counted before it is read.

A parquet file stores how many values each column chunk holds. A list column (one embedding
per row) holds many values per row, so counting rows x columns counted a 4096-long vector as
one cell: a 63 KB file of compressed zeros became 8 GB. Here every stored value is counted,
before anything is read, and the total is checked against the machine's memory budget.

A CSV file declares nothing, but each of its cells costs about the same once parsed however
short it is: a file of ``0,0,0,...`` takes some twenty times its size. Its cells (separators
and line ends) are counted in a streaming pass over its bytes, holding one block at a time,
and checked the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from latent_explorer.core.errors import InputFileError
from latent_explorer.core.memory_budget import check_memory

BYTES_PER_VALUE = 48
"""Measured: the Arrow column, pandas' copy, a list cell's own array, the stacked float64
matrix and its float32 copy hold about 32 (flat columns) to 45 (list columns) bytes a value."""
BYTES_PER_LIST_CELL = 128
"""A list cell becomes a numpy array object of its own."""
BYTES_PER_TEXT_CELL = 64
"""A text cell becomes a Python string."""


def parquet_bytes(parquet_file: Any) -> tuple[int, int]:
    """(bytes reading it would hold, values it stores) for a ``pyarrow.parquet.ParquetFile``."""
    import pyarrow as pa

    meta = parquet_file.metadata
    values = 0
    for group in range(meta.num_row_groups):
        row_group = meta.row_group(group)
        for column in range(row_group.num_columns):
            values += max(0, int(row_group.column(column).num_values))
    rows = int(meta.num_rows)
    extra = 0
    for field in parquet_file.schema_arrow:
        kind = field.type
        if pa.types.is_list(kind) or pa.types.is_large_list(kind) or \
                pa.types.is_fixed_size_list(kind):
            extra += rows * BYTES_PER_LIST_CELL
        elif pa.types.is_string(kind) or pa.types.is_large_string(kind) or \
                pa.types.is_binary(kind):
            extra += rows * BYTES_PER_TEXT_CELL
    return values * BYTES_PER_VALUE + extra, values


CSV_BLOCK = 1 << 22
"""Bytes read at a time while a CSV file's cells are counted."""


def csv_cells(path: Path, separator: bytes) -> int:
    """Cells of the CSV file at ``path``: its separators and line ends (a separator inside
    quotes counts too, so this errs on the safe side)."""
    cells = 1
    with path.open("rb") as stream:
        while block := stream.read(CSV_BLOCK):
            cells += block.count(separator) + block.count(b"\n")
    return cells


def check_csv_memory(path: Path, separator: bytes) -> None:
    """Refuse, naming ``path``, a CSV file whose cells would not fit in memory once parsed."""
    cells = csv_cells(path, separator)
    check_memory(path, cells * BYTES_PER_VALUE, f"its {cells:,} cells (separators and line "
                                                "ends counted)", InputFileError)


def check_parquet_memory(path: Path, parquet_file: Any) -> None:
    """Refuse, naming ``path``, a table whose stored values would not fit in memory."""
    needed, values = parquet_bytes(parquet_file)
    rows = int(parquet_file.metadata.num_rows)
    check_memory(path, needed, f"its {rows:,} rows holding {values:,} values (as its metadata "
                               "declares)", InputFileError)
