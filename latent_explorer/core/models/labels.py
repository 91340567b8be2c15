"""How a class-conditional decoder takes its labels: class numbers, or one-hot vectors.

Most conditional decoders embed an integer label (``nn.Embedding``); many others concatenate
a one-hot vector to the latent (``torch.cat([z, y], 1)``), and handed class numbers they fail
with "Tensors must have same number of dimensions". :class:`LabelCall` calls a decoder with
class numbers first and, when that raises, with one-hot vectors, and keeps whichever worked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

LabelFormat = Literal["index", "one_hot"]


def label_tensor(labels: Any, num_classes: int, label_format: LabelFormat) -> Any:
    """Class numbers (an int64 tensor ``(B,)``) as the decoder takes them.

    ``"index"``: as they are; ``"one_hot"``: float32 ``(B, num_classes)``.
    """
    import torch

    if label_format == "one_hot":
        return torch.nn.functional.one_hot(labels.long(), num_classes).to(torch.float32)
    return labels


class LabelCall:
    """Calls ``decode(z, labels)`` in the label format the decoder takes, found on first use.

    Parameters
    ----------
    num_classes
        The number of classes (the one-hot vectors' length).
    label_format
        ``"index"`` or ``"one_hot"`` when known; ``None``: class numbers are tried first, then
        one-hot vectors, and the first that works is kept.
    """

    def __init__(self, num_classes: int, label_format: LabelFormat | None = None) -> None:
        self.num_classes = int(num_classes)
        self.label_format: LabelFormat | None = label_format
        self.why = ""
        """Why one-hot vectors are used (the error class numbers gave), in words."""

    def __call__(self, decode_fn: Callable[..., Any], z: Any, labels: Any) -> Any:
        """``decode_fn(z, labels)`` with ``labels`` (int64 ``(B,)``) in the working format.

        Raises what class numbers raised when one-hot vectors fail too.
        """
        if self.label_format is not None:
            return decode_fn(z, label_tensor(labels, self.num_classes, self.label_format))
        try:
            out = decode_fn(z, labels)
        except Exception as first:  # the user's network may raise anything
            try:
                out = decode_fn(z, label_tensor(labels, self.num_classes, "one_hot"))
            except Exception:
                raise first from None
            self.label_format = "one_hot"
            lines = str(first).strip().splitlines()
            self.why = f"{type(first).__name__}: {lines[0] if lines else ''}"[:120]
            return out
        self.label_format = "index"
        return out

    def note(self, name: str) -> str:
        """A note for the user when one-hot vectors are used, else ``""``."""
        if self.label_format != "one_hot":
            return ""
        return (f"{name} takes its class as a one-hot vector of {self.num_classes} values "
                f"(class numbers failed: {self.why})")
