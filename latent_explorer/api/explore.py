"""``lx.explore``: the explorer window on a model and data held in Python."""

from __future__ import annotations

import atexit
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latent_explorer.api.loading import SAMPLE_COUNT, is_spec, load_dataset, load_model
from latent_explorer.core.errors import LatentExplorerError, SpecError

if TYPE_CHECKING:
    from latent_explorer.api.handle import Explorer

QT_LOOPS = ("qt", "qt5", "qt6")
SCREENSHOT_SIZE = (1400, 900)
"""The window's size for ``screenshot=`` when no ``size`` is given (as ``gui --screenshot``)."""
DEFAULT_DATA = {"demo": "digits", "demo-shapes": "shapes"}
"""The dataset a bundled model opens with when no data is given (others: its prior)."""


def explore(
    model: Any = None,
    data: Any = None,
    labels: Any = None,
    metadata: Any = None,
    *,
    latents: Any = None,
    block: bool | None = None,
    screenshot: str | Path | None = None,
    projection: str | None = None,
    size: tuple[int, int] | str | None = None,
    trust_code: bool = False,
    decode: Any = None,
    encode: Any = None,
    image_size: int | tuple[int, int] | None = None,
    **model_options: Any,
) -> Explorer:
    """Open the explorer window on a model and data held in Python (or named as on the CLI).

    Parameters
    ----------
    model
        An ``nn.Module`` or any object with ``decode`` (and optionally ``encode``), the app's
        model (from :func:`latent_explorer.load_model`), or a model spec as ``--model`` takes
        (``"demo"``, a file or folder). ``None``: the callables ``decode=`` / ``encode=``, or
        else the bundled demo model.
    data
        Images: numpy arrays ``(N, H, W)``, ``(N, H, W, C)`` or ``(N, C, H, W)`` (uint8 or
        float), torch tensors, a torch ``Dataset``, a list of PIL images, the app's dataset,
        or a dataset spec as ``--dataset`` takes. ``None``: samples drawn from the model's
        prior (for the demo model: the digits it was trained on).
    labels
        One label per image (ints or strings), or a labels file with a spec.
    metadata
        Per-image columns (a pandas DataFrame or a dict of equal-length columns) to colour
        by, filter on and show on hover. Columns keep their types: whole numbers stay whole,
        true/false columns filter as ``flag == true``, dates colour on a time scale and
        filter as ``date > 2025-01-01``, free text filters with ``contains``.
    latents
        Embeddings made elsewhere (CLIP, DINO, your own encoder), with no decoder: an
        ``(N, D)`` array or tensor, or a ``.npy``/``.npz``/``.csv``/``.parquet`` file. The
        window maps these vectors; ``data`` (images, optional), ``labels`` and ``metadata``
        describe the same N samples. What needs a decoder (the probe, sliders, paths) is
        hidden. Not together with ``model``. A session of vectors in memory is saved with
        :meth:`Explorer.save_session` ``(path, save_vectors=True)``.
    block
        ``True``: return once the window is closed; ``False``: return at once (then drive
        Qt's event loop yourself, or call :meth:`Explorer.wait`). Default: return at once in
        IPython / Jupyter (whose Qt event loop is switched on as ``%gui qt`` does), else wait
        until the window is closed.
    screenshot
        Save the window as a PNG once the map and the decoded image are drawn, close it and
        return (like ``gui --screenshot``).
    projection
        The map to compute after the first PCA: ``"pca"``, ``"umap"`` or ``"tsne"``.
    size
        The window's size, ``(width, height)`` or ``"1400x900"`` (default: as it was last
        time; 1400x900 for a screenshot).
    trust_code
        Allow the model file named to run its code (an adapter file, a pickled module, a
        TorchScript archive), as ``--trust-code``.
    decode, encode
        Plain callables instead of a model object.
    image_size
        The side (or ``(height, width)``) to give ``data``'s images: a folder or zip of
        images is loaded at that size, images held in memory are resized; each is cropped
        around its centre (as ``--image-size``). Image models of a known family (TAESD, KL
        autoencoders) open at that size too.
    **model_options
        The model's conventions named like a model card's fields (``latent_shape``,
        ``output_range``, ``image_shape``, ``channels_first``, ``output_index``,
        ``num_classes``, ``encoder_input_range``, ``encoder_output``, ``name``); they win
        over what is found out by trying the model on a few images.

    Returns
    -------
    Explorer
        The live handle: ``.latent``, ``.set_latent(z)``, ``.selection``, ``.paths``,
        ``.render(out)``, ``.screenshot(path)``, ``.close()``, and signals.

    Raises
    ------
    LatentExplorerError
        Data or a model that cannot be opened (the message says what is wrong and, for an
        object, what was tried); raised here, before a window opens.
    """
    if projection is not None and projection not in ("pca", "umap", "tsne"):
        raise SpecError(f"projection must be 'pca', 'umap' or 'tsne', not {projection!r}")
    width, height = _window_size(size)
    if screenshot is not None and not width:
        width, height = SCREENSHOT_SIZE
    _check_thread()
    if latents is not None:
        _check_latents(latents, model, decode, encode)
        if image_size is not None and not is_spec(data):
            raise SpecError("image_size= loads a folder or zip of images at a size: give its "
                            "path as data=")
        loaded_data = loaded_model = None
    else:
        loaded_data, loaded_model = _load(model, data, labels, metadata, trust_code, decode,
                                          encode, model_options, image_size)
    interactive = _ipython_qt_loop(switch_on=block is None and screenshot is None)

    from latent_explorer.api.handle import Explorer
    from latent_explorer.qt.app import make_application
    from latent_explorer.qt.main_window import MainWindow
    from latent_explorer.qt.window_host import run_until_closed, save_screenshot

    make_application()
    window = MainWindow()
    if projection is not None:
        window.projection.method = projection
    if width:
        window.resize(width, height)
    handle = Explorer(window)
    _close_at_exit()
    window.show()
    if latents is not None:
        window.open_latents(latents, dataset=data, labels=labels, metadata=metadata,
                            image_size=image_size)
    else:
        window.open(dataset=loaded_data, model=loaded_model, trust_code=trust_code,
                    image_size=image_size)
    if screenshot is not None:
        save_screenshot(window, screenshot, close=True)
    elif block or (block is None and not interactive):
        run_until_closed(window)
    return handle


def _load(model: Any, data: Any, labels: Any, metadata: Any, trust_code: bool, decode: Any,
          encode: Any, options: dict[str, Any],
          image_size: int | tuple[int, int] | None = None) -> tuple[Any, Any]:
    """The dataset (the app's, or ``"prior"``) and the app's model the window opens."""
    from latent_explorer.core.compute.prior_map import is_prior_spec, prior_count

    if data is None:
        if labels is not None or metadata is not None or image_size is not None:
            raise SpecError("labels, metadata and image_size describe images: give data= too")
        spec = str(model) if is_spec(model) else ("demo" if model is None and decode is None
                                                  else "")
        dataset: Any = DEFAULT_DATA.get(spec, "prior")
        if dataset != "prior":
            dataset = load_dataset(dataset)
    elif isinstance(data, str) and is_prior_spec(data):  # "prior:N", as --dataset takes it
        prior_count(data)  # a bad N is refused here, before a window opens
        dataset = data
    else:
        dataset = load_dataset(data, labels, metadata, image_size=image_size)
    samples = None
    if not isinstance(dataset, str) and len(dataset):
        samples = dataset.float_batch(0, min(SAMPLE_COUNT, len(dataset)))
    loaded = load_model(model, decode=decode, encode=encode, trust_code=trust_code,
                        sample_images=samples, **options)
    return dataset, loaded


def _check_latents(latents: Any, model: Any, decode: Any, encode: Any) -> None:
    """Refuse what cannot be a map of embeddings, before a window opens."""
    if model is not None or decode is not None or encode is not None:
        raise SpecError("latents= maps vectors that have no decoder: give either latents= "
                        "or a model, not both")
    if isinstance(latents, str | Path):
        if not Path(latents).expanduser().exists():
            raise SpecError(f"{latents}: no such file of latents")
        return
    shape = getattr(latents, "shape", None)
    if shape is None or len(shape) != 2 or not shape[0] or not shape[1]:
        raise SpecError(f"latents must be an (N, D) array of vectors, not shape {shape}")


def _window_size(size: tuple[int, int] | str | None) -> tuple[int, int]:
    if size is None:
        return 0, 0
    try:
        parts = size.lower().partition("x")[::2] if isinstance(size, str) else size
        width, height = (int(v) for v in parts)
    except (TypeError, ValueError):
        raise SpecError(f"size must be (width, height) or 'WxH', not {size!r}") from None
    if not (200 <= width <= 10000 and 200 <= height <= 10000):
        raise SpecError(f"a window of {width}x{height} pixels is out of range (200 to 10000)")
    return width, height


def _check_thread() -> None:
    """Qt windows live on the main thread (or the thread of an existing Qt application)."""
    from latent_explorer.qt.window_host import on_gui_thread

    if "PySide6.QtCore" in sys.modules:
        if on_gui_thread():
            return
    elif threading.current_thread() is threading.main_thread():
        return
    raise LatentExplorerError("explore() opens a window: call it from the main thread (the "
                              "thread that runs Qt)")


def _ipython_qt_loop(switch_on: bool) -> bool:
    """Whether IPython / Jupyter runs Qt's event loop between inputs (``%gui qt``).

    With ``switch_on``, an IPython shell without a GUI loop gets Qt's, as ``%gui qt`` does.
    """
    shell = _ipython_shell()
    if shell is None:
        return False
    active = getattr(shell, "active_eventloop", None)
    if active in QT_LOOPS:
        return True
    if not switch_on or active not in (None, "inline"):
        return False
    try:
        shell.enable_gui("qt")
    except Exception:  # another GUI loop or no Qt binding IPython knows: block instead
        return False
    return getattr(shell, "active_eventloop", None) in QT_LOOPS


_exit_hook: list[bool] = []


def _close_at_exit() -> None:
    """Close windows still open when Python exits, so their workers stop cleanly.

    A script that opened a window with ``block=False`` and never ran the event loop is told
    how to keep it open.
    """
    if _exit_hook:
        return
    _exit_hook.append(True)

    def close_all() -> None:
        from latent_explorer.api.handle import open_explorers

        still_open = [e for e in open_explorers() if e.is_open]
        if still_open and _ipython_shell() is None:
            print("latent-explorer: the script ended, so its explorer window closed; call "
                  "explorer.wait() (or explore without block=False) to keep it open until you "
                  "close it", file=sys.stderr)
        for explorer in still_open:
            explorer.close()

    atexit.register(close_all)


def _ipython_shell() -> Any:
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None
