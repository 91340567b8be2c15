"""``lx.load_model`` and ``lx.load_dataset``: the app's model and dataset from what a user holds.

Both take either what the command line takes (a spec string or path) or Python objects (an
``nn.Module``, plain callables, numpy arrays, torch tensors ...). They return the objects the
rest of the app works with: a :class:`~latent_explorer.core.models.base.GenerativeModel` and
a :class:`~latent_explorer.core.datasets.base.Dataset`. Neither imports Qt; torch only when a
torch object or a model file needs it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.datasets.base import ArrayDataset, Dataset
from latent_explorer.core.errors import SpecError
from latent_explorer.core.models.base import GenerativeModel
from latent_explorer.core.models.card import ModelOptions

MODEL_OPTION_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(ModelOptions))
"""Keyword arguments that state a model's conventions, named like a model card's fields."""

SAMPLE_COUNT = 8
"""How many dataset images a model given as an object is tried on (to find its shapes)."""


def model_options(values: Mapping[str, Any], caller: str = "load_model") -> ModelOptions:
    """The :class:`ModelOptions` that keyword arguments ``values`` state.

    Raises ``TypeError`` for a keyword that is no model card field, and
    :class:`~latent_explorer.core.errors.SpecError` for a value of the wrong kind.
    """
    unknown = sorted(set(values) - set(MODEL_OPTION_NAMES))
    if unknown:
        raise TypeError(f"{caller}() got unexpected keyword argument(s) {', '.join(unknown)}; "
                        f"a model's conventions are given as {', '.join(MODEL_OPTION_NAMES)}")
    data = {key: _plain(value) for key, value in values.items() if value is not None}
    try:
        return ModelOptions.from_mapping(data)
    except (ValueError, TypeError) as exc:
        raise SpecError(f"{caller}(): {exc}") from exc


def _plain(value: Any) -> Any:
    """Numpy scalars and shapes as the plain Python values a model card holds."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple | list | np.ndarray):
        return [_plain(v) for v in value]
    return value


def is_spec(value: object) -> bool:
    """Whether ``value`` is a spec string or path (as the command line takes) for a loader."""
    return isinstance(value, str | os.PathLike)


def load_model(
    model: Any = None,
    *,
    decode: Callable[..., Any] | None = None,
    encode: Callable[..., Any] | None = None,
    trust_code: bool = False,
    sample_images: npt.NDArray[np.float32] | None = None,
    image_size: int | tuple[int, int] | None = None,
    device: str | None = None,
    **options: Any,
) -> GenerativeModel:
    """The app's model for ``model``: a spec the command line takes, or a Python object.

    Parameters
    ----------
    model
        ``"demo"``, a path to a model file or folder (as ``--model`` takes), an ``nn.Module``
        or any object with a ``decode`` method (and maybe ``encode``), or an object that
        already is the app's :class:`GenerativeModel` (returned as it is). ``None`` with
        ``decode=`` given uses those callables; ``None`` alone opens the bundled demo.
    decode, encode
        Plain callables instead of an object: ``decode(z)`` maps a batch of latents to
        images, ``encode(x)`` images to latents.
    trust_code
        Allow the model file named to run its code (a Python adapter file, a pickled
        module, a TorchScript archive, and the Python files beside it), as
        ``--trust-code`` does; only for files you trust. Without it such a file is refused
        in one line naming it, and nothing of it runs.
    sample_images
        A few real images, float32 ``(B, H, W, C)`` in [0, 1], on which the model (an object
        or a file) is tried to find what it does not say: its latent shape, the layout and
        range its encoder takes, its output range, whether its encoder samples (the model's
        ``notes`` say what was found).
    image_size, device
        For the known image families (TAESD, KL autoencoders), whose latents are small
        pictures: the image side (or ``(height, width)``) to open them at (a multiple of the
        family's scale; default 64, and :func:`explore` follows its data's size), and
        ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"mps"`` (as ``--image-size`` and ``--device``).
    **options
        The model's conventions, named like a model card's fields: ``latent_shape``,
        ``output_range`` (``"0,1"``, ``"-1,1"``, ``"logits"``, ``"0,255"``), ``image_shape``,
        ``channels_first``, ``output_index``, ``num_classes``, ``encoder_input_range``,
        ``encoder_output`` (``"mean"``, ``"first"``, ``"split_half"``), ``name``. They win
        over what is found out by trying the model.

    Returns
    -------
    GenerativeModel
        Its ``encode`` takes float32 ``(B, H, W, C)`` images in [0, 1] and returns flat
        latents ``(B, latent_dim)``; its ``decode`` takes such latents and returns such images.

    Raises
    ------
    LatentExplorerError
        A spec that names no model, a broken file, or an object that cannot be made to
        decode (the message says what was tried).
    """
    stated = model_options(options)
    if is_spec(model) or (model is None and decode is None and encode is None):
        if decode is not None or encode is not None:
            raise SpecError("give a model spec or decode=/encode= callables, not both")
        from latent_explorer.core.models import load_model as load_spec

        loaded = load_spec(os.fspath(model) if model is not None else "demo",
                           trust_code=trust_code, options=stated, image_size=image_size,
                           device=device, sample_images=_float_images(sample_images))
        if stated.name:
            loaded.name = stated.name
        return loaded
    if isinstance(model, GenerativeModel) and decode is None and encode is None:
        if dataclasses.replace(stated, name=None) != ModelOptions():
            raise SpecError(f"{model.name} is already the app's model; it takes no options "
                            f"({', '.join(sorted(stated.to_card()))})")
        if stated.name:
            model.name = stated.name
        return model
    from latent_explorer.core.models.from_object import model_from_object

    made: GenerativeModel = model_from_object(model, decode=decode, encode=encode,
                                              sample_images=sample_images, options=stated,
                                              name=stated.name)
    return made


def load_dataset(
    data: Any,
    labels: Any = None,
    metadata: Any = None,
    *,
    name: str | None = None,
    image_size: int | tuple[int, int] | None = None,
) -> Dataset:
    """The app's dataset for ``data``: a spec the command line takes, or in-memory images.

    Parameters
    ----------
    data
        ``"digits"``, a folder of images, an IDX or ``.npz`` / ``.npy`` file (as
        ``--dataset`` takes); numpy arrays ``(N, H, W)``, ``(N, H, W, C)`` or
        ``(N, C, H, W)`` (uint8 or float); torch tensors; a torch ``Dataset`` whose items are
        an image or ``(image, label)``; a list of PIL images; or the app's own
        :class:`Dataset` (returned as it is unless labels or metadata are given).
    labels
        One label per image (ints or strings); with a spec, also a labels file (as
        ``--labels`` takes).
    metadata
        Extra per-image columns to colour by, filter on and show on hover: a pandas
        DataFrame or a dict of equal-length columns.
    name
        The name shown in the window.
    image_size
        For a folder or zip of images: the side (or ``(height, width)``) to load them at,
        cropped around the centre and resized (as ``--image-size``); decoded once into the
        app's image cache, so a second opening is quick. Default: the most common size
        among the images, uncropped. Images held in memory (arrays, tensors, PIL images,
        the app's dataset made from them) are cropped and resized alike.

    Raises
    ------
    LatentExplorerError
        A spec that names no dataset, a malformed file, or arrays of an unusable shape (the
        message says which shapes are taken).
    """
    from latent_explorer.core.datasets.from_object import dataset_from_object

    if is_spec(data):
        from latent_explorer.core.compute.cache import default_cache_dir
        from latent_explorer.core.datasets import load_dataset as load_spec

        labels_file = labels if is_spec(labels) else None
        dataset = load_spec(os.fspath(data), labels=labels_file, image_size=image_size,
                            cache_dir=None if image_size is None else default_cache_dir())
        if metadata is None and (labels is None or labels_file is not None):
            return _named(dataset, name)
        # Labels given as values, or metadata, join the images loaded from the file.
        made: Dataset = dataset_from_object(dataset, None if labels_file else labels,
                                            metadata, name=name)
        return made
    if is_spec(labels):
        raise SpecError("a labels file goes with a dataset file; with images held in memory, "
                        "give the labels as an array or list")
    from latent_explorer.core.datasets.resize import resized

    if isinstance(data, Dataset):
        if labels is not None or metadata is not None:
            raise SpecError(f"{data.name} is already the app's dataset; give labels and "
                            "metadata together with the images instead")
        if image_size is None:
            return _named(data, name)
        if not isinstance(data, ArrayDataset):
            raise SpecError(f"image_size= resizes images held in memory; {data.name} is "
                            "read from its files: give its path with image_size= instead")
        return _named(resized(data, image_size), name)
    made = dataset_from_object(data, labels=labels, metadata=metadata, name=name)
    if image_size is not None and isinstance(made, ArrayDataset):
        made = resized(made, image_size)  # held in memory: cropped and resized as a folder is
    return made


def _float_images(images: Any) -> npt.NDArray[np.float32] | None:
    """Sample images as float32 ``(B, H, W, C)`` in [0, 1] (uint8 scaled), or ``None``."""
    if images is None:
        return None
    array = np.asarray(images)
    if array.ndim == 3:
        array = array[..., np.newaxis]
    if array.dtype == np.uint8:
        return (array.astype(np.float32) / 255.0).astype(np.float32)
    return np.asarray(array, dtype=np.float32)


def _named(dataset: Dataset, name: str | None) -> Dataset:
    if name:
        dataset.name = name
    return dataset
