"""Turning numpy images into Qt images, and saving Qt images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage, QPixmap


def array_to_qimage(image: np.ndarray) -> QImage:
    """A QImage (owning its pixels) of a uint8 ``(H, W)`` or ``(H, W, 1|3|4)`` array."""
    array = np.asarray(image, dtype=np.uint8)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    array = np.ascontiguousarray(array)
    h, w = array.shape[:2]
    if array.ndim == 2:
        fmt = QImage.Format.Format_Grayscale8
    elif array.shape[2] == 3:
        fmt = QImage.Format.Format_RGB888
    elif array.shape[2] == 4:
        fmt = QImage.Format.Format_RGBA8888
    else:
        raise ValueError(f"cannot show an image of shape {image.shape}")
    qimage = QImage(array.data, w, h, array.strides[0], fmt)
    return qimage.copy()  # detach from the numpy buffer


def qimage_to_array(qimage: QImage) -> np.ndarray:
    """The RGB pixels of ``qimage`` as a uint8 ``(H, W, 3)`` array (for tests and export)."""
    converted = qimage.convertToFormat(QImage.Format.Format_RGB888)
    h, w = converted.height(), converted.width()
    buffer = np.frombuffer(converted.constBits(), dtype=np.uint8, count=converted.sizeInBytes())
    rows = buffer.reshape(h, converted.bytesPerLine())
    return rows[:, : w * 3].reshape(h, w, 3).copy()


def save_png_atomic(image: QImage | QPixmap, path: str | Path) -> bool:
    """Write ``image`` as a PNG file through the atomic writer; ``True`` on success.

    The PNG is encoded in memory first, so a crash or a full disk never leaves a half-written
    file at ``path`` (the old file, if any, stays until the new one is complete).
    """
    from latent_explorer.core.fileio import atomic_write_bytes

    qimage = image.toImage() if isinstance(image, QPixmap) else image
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    ok = qimage.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs want bytes
    buffer.close()
    if not ok:
        return False
    try:
        atomic_write_bytes(path, bytes(data.data()))
    except OSError:
        return False
    return True
