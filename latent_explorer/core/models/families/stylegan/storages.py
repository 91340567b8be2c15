"""The tensors of a snapshot pickle, read as data and turned into tensors only when needed.

In a snapshot every tensor is pickled the plain way: ``torch._utils._rebuild_tensor_v2`` (or
``_rebuild_parameter`` around it) over a storage given as ``torch.storage._load_from_bytes(b)``,
where ``b`` is a whole ``torch.save`` stream (the legacy, non-zip format) holding one storage.
While the pickle is read, :class:`LazyStorage` and :class:`LazyTensor` only keep those bytes
and numbers; :func:`materialise` later reads the storages of the one network that is built
(never the discriminator's), each with ``torch.load(weights_only=True, map_location="cpu")``
after checking that the sizes it declares fit inside its bytes, so a few bytes cannot make
torch allocate gigabytes.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

ELEMENT_BYTES = {
    "DoubleStorage": 8, "FloatStorage": 4, "HalfStorage": 2, "BFloat16Storage": 2,
    "LongStorage": 8, "IntStorage": 4, "ShortStorage": 2, "CharStorage": 1, "ByteStorage": 1,
    "BoolStorage": 1, "ComplexFloatStorage": 8, "ComplexDoubleStorage": 16,
    "UntypedStorage": 1,
}  # fmt: skip
"""The storage classes a ``torch.save`` stream may name, and the bytes of one element."""


class StorageError(ValueError):
    """A storage's bytes are not what ``torch.save`` writes for one storage."""


@dataclass(eq=False)
class LazyStorage:
    """The argument of one ``torch.storage._load_from_bytes`` call: bytes, not yet read."""

    data: bytes = field(repr=False)
    _storage: Any = field(default=None, repr=False)

    @property
    def size(self) -> int:
        """How many bytes the stream has (what reading it costs, at most twice)."""
        return len(self.data)

    def load(self) -> Any:
        """The storage (read once; its declared sizes are checked first).

        Raises :class:`StorageError` when the stream is not one storage or declares more
        data than it holds.
        """
        if self._storage is None:
            import torch

            check_declared_sizes(self.data)
            try:
                self._storage = torch.load(io.BytesIO(self.data), weights_only=True,
                                           map_location="cpu")  # fmt: skip
            except Exception as exc:  # torch raises many kinds for damaged streams
                raise StorageError(f"a tensor's storage cannot be read ({_first_line(exc)})"
                                   ) from None
        return self._storage


@dataclass(frozen=True, eq=False)
class LazyTensor:
    """A tensor as the pickle describes it: a view (offset, size, stride) of a storage."""

    storage: LazyStorage
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]

    def load(self) -> torch.Tensor:
        """The tensor, on the CPU (a view of its storage, as pickled)."""
        import warnings

        import torch

        storage = self.storage.load()
        with warnings.catch_warnings():  # torch.load gives the TypedStorage it was saved as
            warnings.filterwarnings("ignore", "TypedStorage is deprecated", UserWarning)
            if isinstance(storage, torch.TypedStorage):
                dtype, storage = storage.dtype, storage._untyped_storage
            elif isinstance(storage, torch.UntypedStorage):
                dtype = torch.uint8
            else:
                raise StorageError(f"a storage holds a {type(storage).__name__}, not a storage")
        elements = storage.nbytes() // dtype.itemsize
        last = self.offset + sum((n - 1) * s for n, s in zip(self.shape, self.stride, strict=True)
                                 if n > 0)  # fmt: skip
        if self.offset < 0 or min(self.shape, default=1) < 0 or (
                all(self.shape) and last >= elements):
            raise StorageError(f"a tensor of shape {self.shape} does not fit its storage of "
                               f"{elements} elements")
        tensor = torch.empty(0, dtype=dtype)
        return tensor.set_(storage, self.offset, self.shape, self.stride)


def rebuild_tensor(storage: object, offset: object, size: object, stride: object,
                   *_: object) -> LazyTensor:
    """What the reader calls for ``torch._utils._rebuild_tensor_v2`` (and the older
    ``_rebuild_tensor``): the tensor's description, nothing read."""
    if not isinstance(storage, LazyStorage):
        raise StorageError(f"a tensor is built over a {type(storage).__name__}, not a storage")
    return LazyTensor(storage, _whole(offset), _whole_tuple(size), _whole_tuple(stride))


def rebuild_parameter(data: object, *_: object) -> LazyTensor:
    """What the reader calls for ``torch._utils._rebuild_parameter`` (and
    ``_rebuild_parameter_with_state``): the parameter's tensor."""
    if not isinstance(data, LazyTensor):
        raise StorageError(f"a parameter holds a {type(data).__name__}, not a tensor")
    return data


def load_from_bytes(data: object) -> LazyStorage:
    """What the reader calls for ``torch.storage._load_from_bytes``: the bytes, kept."""
    if not isinstance(data, bytes | bytearray):
        raise StorageError(f"a storage is given as a {type(data).__name__}, not bytes")
    return LazyStorage(bytes(data))


def _whole(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise StorageError(f"a tensor's offset, size or stride is {value!r}, not a whole number")
    return value


def _whole_tuple(value: object) -> tuple[int, ...]:
    if not isinstance(value, tuple | list):
        raise StorageError(f"a tensor's size or stride is {value!r}, not a tuple")
    return tuple(_whole(v) for v in value)


# --- the sizes a torch.save stream declares ---------------------------------------------------


class _DeclaredSizes(pickle.Unpickler):
    """Reads the pickles at the head of a ``torch.save`` stream, allowing only the storage
    classes as globals, and notes each storage's declared size (its persistent id)."""

    def __init__(self, stream: io.BytesIO) -> None:
        super().__init__(stream)
        self.declared = 0

    def find_class(self, module: str, name: str) -> Any:
        if module == "torch" and name in ELEMENT_BYTES:
            return _StorageClass(name)
        raise StorageError(f"a tensor's storage names the global {module}.{name}")

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageClass)):
            raise StorageError("a tensor's storage is not described as torch.save describes one")
        numel = pid[4]
        if isinstance(numel, bool) or not isinstance(numel, int) or numel < 0:
            raise StorageError(f"a storage declares {numel!r} elements")
        self.declared += numel * ELEMENT_BYTES[pid[1].name]
        return None


@dataclass(frozen=True)
class _StorageClass:
    name: str


def check_declared_sizes(data: bytes) -> int:
    """The bytes the storages in one ``torch.save`` stream declare; :class:`StorageError`
    unless they fit inside the stream (so reading it allocates no more than its own size).

    Both of torch's formats are read as data: the legacy one (pickles followed by the raw
    storage bytes) and the zip archive, whose members must be stored, not compressed.
    """
    if data[:2] == b"PK":
        return _zip_declared(data)
    stream = io.BytesIO(data)
    try:
        for _ in range(3):  # the magic number, the protocol version, the machine's sizes
            head = _DeclaredSizes(stream)
            head.load()
        reader = _DeclaredSizes(stream)
        reader.load()
    except StorageError:
        raise
    except Exception as exc:  # any damage in the head: not a torch.save stream
        raise StorageError(f"a tensor's storage is no torch.save stream ({_first_line(exc)})"
                           ) from None
    return _within(reader.declared, data)


def _zip_declared(data: bytes) -> int:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            pickled = next((m for m in members if m.filename.endswith("data.pkl")), None)
            if pickled is None:
                raise StorageError("a tensor's storage is a zip archive without data.pkl")
            for member in members:  # torch stores members; nothing is decompressed
                if member.compress_type != zipfile.ZIP_STORED:
                    raise StorageError(f"a tensor's storage is a zip archive whose member "
                                       f"{member.filename} ({member.file_size:,} bytes) is "
                                       "compressed, which torch.save never does")
                if member.file_size > len(data):
                    raise StorageError(f"a tensor's storage declares a member of "
                                       f"{member.file_size:,} bytes in {len(data):,}")
            reader = _DeclaredSizes(io.BytesIO(archive.read(pickled)))
            reader.load()
    except StorageError:
        raise
    except Exception as exc:
        raise StorageError(f"a tensor's storage is a damaged zip archive ({_first_line(exc)})"
                           ) from None
    return _within(reader.declared, data)


def _within(declared: int, data: bytes) -> int:
    """``declared`` bytes, checked against the ``data`` that should hold them."""
    if declared > len(data):
        raise StorageError(f"a tensor's storage declares {declared:,} bytes but holds "
                           f"{len(data):,}")
    return declared


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
