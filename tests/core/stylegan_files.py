"""StyleGAN snapshot pickles in NVIDIA's exact format, written by tests from record trees.

A snapshot is ``pickle.dump(dict(G=..., D=..., G_ema=..., augment_pipe=...,
training_set_kwargs=...))`` where every network object pickles as
``torch_utils.persistence._reconstruct_persistent_obj(meta)``, ``meta = {type: 'class',
version: 6, module_src, class_name, state}`` (see ``shared/data/stylegan/README.md``). Here
``module_src`` is a dummy string (or, for the attacks, code that would write a file if anything
ran it), tensors pickle the plain way (torch's ``_rebuild_parameter`` / ``_rebuild_tensor_v2``
over ``torch.storage._load_from_bytes`` of ``torch.save`` bytes), and the globals that name
modules this process does not have (the hook, ``dnnlib.util.EasyDict``, numpy 1's
``numpy.core.multiarray``) are spelled by a pickler that writes the names themselves.

:func:`sg2_tree` builds a StyleGAN2 generator's record tree of any size programmatically (random
weights, the layout of the reference structure file), for real sizes and conditional networks.
"""

from __future__ import annotations

import importlib
import math
import pickle
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FunctionType
from typing import Any

import numpy as np
import torch

from latent_explorer.core.models.families.stylegan.records import PersistentObject

DUMMY_SOURCE = "# the module's source code would be here; nothing reads or runs it\n"
_MULTIARRAY = importlib.import_module("numpy._core.multiarray" if hasattr(np, "_core")
                                      else "numpy.core.multiarray")


def _hook(meta: dict[str, Any]) -> None:
    raise AssertionError("never called: only its name is written")


class EasyDict(dict):  # type: ignore[type-arg]
    """Pickles as ``dnnlib.util.EasyDict``, a dict subclass."""


class _Persistent:
    """A record to be written as NVIDIA's persistence writes the object."""

    def __init__(self, record: PersistentObject, source: str) -> None:
        self.record, self.source = record, source

    def __reduce__(self) -> tuple[Any, ...]:
        meta = dict(type="class", version=6, module_src=self.source,
                    class_name=self.record.class_name,
                    state=_state(self.record, self.source))
        return _hook, (meta,)


def _state(record: PersistentObject, source: str) -> dict[str, Any]:
    state: dict[str, Any] = {}
    kwargs = record.init_kwargs
    for key, value in record.state.items():
        if key == "_parameters":
            state[key] = OrderedDict(
                (n, None if v is None else torch.nn.Parameter(v.clone(), requires_grad=False))
                for n, v in value.items())
        elif key == "_buffers":
            state[key] = OrderedDict((n, None if v is None else v.clone())
                                     for n, v in value.items())
        elif key == "_modules":
            state[key] = OrderedDict((n, None if v is None else _Persistent(v, source))
                                     for n, v in value.items())
        else:
            state[key] = _value(key, value, kwargs)
    return state


def _value(key: str, value: Any, kwargs: Mapping[str, Any]) -> Any:
    """A value the structure file could only name by its type, as the real pickle holds it."""
    if not isinstance(value, str | dict):
        return value
    if value == "<class 'set'>":
        return set()
    if value == "<class 'NoneType'>":
        return None
    if value == "<class 'numpy.ndarray'>":  # sizes: NVIDIA's code broadcasts them to [2]
        side = kwargs.get(key, 0)
        return np.array([side, side], dtype=np.int64) if isinstance(side, int) else np.zeros(2)
    if value == "<class 'numpy.bool'>":
        return np.bool_(False)
    if isinstance(value, dict) and key == "_init_kwargs":
        return {k: _value(k, v, value) for k, v in value.items()}
    return value


class SnapshotPickler(pickle._Pickler):  # type: ignore[name-defined,misc]
    """A pickler that writes chosen objects under the names NVIDIA's files give them."""

    def __init__(self, stream: Any, protocol: int, spellings: Mapping[int, tuple[str, str]]
                 ) -> None:
        super().__init__(stream, protocol=protocol)
        self.spellings = spellings

    def save_global(self, obj: Any, name: str | None = None) -> None:
        spelled = self.spellings.get(id(obj))
        if spelled is None:
            super().save_global(obj, name)
            return
        module, qualname = spelled
        if self.proto >= 4:
            self.save(module)
            self.save(qualname)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + f"{module}\n{qualname}\n".encode())
        self.memoize(obj)

    dispatch = dict(pickle._Pickler.dispatch)  # type: ignore[attr-defined]
    dispatch[FunctionType] = save_global  # the base class's table names its own method


def spellings(numpy1: bool = False) -> dict[int, tuple[str, str]]:
    """The names written for the hook, EasyDict and (``numpy1``) numpy's functions."""
    names = {id(_hook): ("torch_utils.persistence", "_reconstruct_persistent_obj"),
             id(EasyDict): ("dnnlib.util", "EasyDict")}
    package = "numpy.core" if numpy1 else "numpy._core"
    names[id(_MULTIARRAY.scalar)] = (f"{package}.multiarray", "scalar")
    names[id(_MULTIARRAY._reconstruct)] = (f"{package}.multiarray", "_reconstruct")
    return names


def discriminator(seed: int = 1) -> PersistentObject:
    """A small stand-in for the snapshot's ``D`` (a tensor, numpy scalars, a child)."""
    g = torch.Generator().manual_seed(seed)
    leaf = PersistentObject("DiscriminatorEpilogue", {
        "_parameters": {"weight": torch.randn(1, 16, generator=g)}, "_buffers": {},
        "_modules": {}, "cmap_dim": 0, "_init_args": [], "_init_kwargs": {}})  # fmt: skip
    return PersistentObject("Discriminator", {
        "_parameters": {}, "_buffers": {"filter": torch.ones(4, 4)},
        "_modules": {"b4": leaf}, "img_resolution": 64, "_init_args": [],
        "_init_kwargs": {"c_dim": 0, "img_resolution": 64}})  # fmt: skip


def augment_pipe() -> PersistentObject:
    """A stand-in for ``augment_pipe`` with the numpy scalars the real one holds."""
    return PersistentObject("AugmentPipe", {
        "_parameters": {}, "_buffers": {"p": torch.zeros([])}, "_modules": {},
        "xflip": np.float64(1.0), "rotate90": np.float64(1.0), "imgfilter_std": np.float32(1.0),
        "_init_args": [], "_init_kwargs": EasyDict(xflip=1, rotate90=1)})  # fmt: skip


def write_snapshot(path: Path, network: PersistentObject, *, numpy1: bool = False,
                   protocol: int = 4, source: str = DUMMY_SOURCE,
                   contents: Mapping[str, Any] | None = None) -> Path:
    """Write ``network`` as ``G`` and ``G_ema`` of a training snapshot (with a ``D`` and an
    ``augment_pipe``), in NVIDIA's format; ``contents`` replaces the top-level dict (its
    records are wrapped, other values written as they are)."""
    if contents is None:
        contents = dict(G=network, D=discriminator(), G_ema=network, augment_pipe=augment_pipe(),
                        training_set_kwargs=EasyDict(path="~/datasets/paintings.zip",
                                                     resolution=64, use_labels=False,
                                                     max_size=np.int64(1200)))
    top = {k: (_Persistent(v, source) if isinstance(v, PersistentObject) else v)
           for k, v in contents.items()}
    with path.open("wb") as stream:
        SnapshotPickler(stream, protocol, spellings(numpy1)).dump(top)
    return path


def write_forbidden_global(path: Path, network: PersistentObject, target: Path,
                           how: str = "os.system") -> Path:
    """A snapshot whose ``G_ema`` state holds a call of a global no snapshot names:
    ``os.system`` or ``builtins.exec`` writing ``target``, or ``posix.system`` (the name
    ``os.system`` pickles under on Linux)."""

    class _Call:
        def __reduce__(self) -> tuple[Any, ...]:
            if how == "builtins.exec":
                return exec, (f"open({str(target)!r}, 'w').write('ran')",)
            import os

            return os.system, (f"echo ran > '{target}'",)

    state = dict(network.state)
    state["attack"] = _Call()
    names = spellings()
    if how == "os.system":
        import os

        names[id(os.system)] = ("os", "system")
    with path.open("wb") as stream:
        SnapshotPickler(stream, 4, names).dump(
            {"G_ema": _Persistent(PersistentObject(network.class_name, state), DUMMY_SOURCE)})
    return path


def attack_source(target: Path) -> str:
    """Module source that writes ``target`` the moment anything runs it (NVIDIA's loader
    would)."""
    return (f"open({str(target)!r}, 'w').write('the embedded source ran')\n"
            "import torch\nclass Generator(torch.nn.Module):\n    pass\n")


# --- StyleGAN2 record trees of any size --------------------------------------------------------


def _module(class_name: str, attrs: dict[str, Any], params: dict[str, torch.Tensor | None],
            buffers: dict[str, torch.Tensor | None] | None = None,
            modules: dict[str, PersistentObject] | None = None,
            init_args: list[Any] | None = None, init_kwargs: dict[str, Any] | None = None
            ) -> PersistentObject:
    state: dict[str, Any] = {
        "training": False, "_parameters": dict(params), "_buffers": dict(buffers or {}),
        "_non_persistent_buffers_set": "<class 'set'>", "_modules": dict(modules or {}),
        **attrs, "_init_args": list(init_args or []), "_init_kwargs": dict(init_kwargs or {}),
    }  # fmt: skip
    return PersistentObject(class_name, state)


def _fc(g: torch.Generator, n_in: int, n_out: int, activation: str = "linear",
        lr: float = 1.0, bias_init: float = 0.0) -> PersistentObject:
    return _module("FullyConnectedLayer", {
        "in_features": n_in, "out_features": n_out, "activation": activation,
        "weight_gain": lr / math.sqrt(n_in), "bias_gain": lr,
    }, {"weight": torch.randn(n_out, n_in, generator=g) / lr,
        "bias": torch.full([n_out], float(bias_init)) + 0.1 * torch.randn(n_out, generator=g)},
        init_args=[n_in, n_out])  # fmt: skip


def _filter() -> torch.Tensor:
    f = torch.tensor([1.0, 3.0, 3.0, 1.0])
    f = f[:, None] * f[None, :]
    return f / f.sum()


def _layer(g: torch.Generator, n_in: int, n_out: int, w_dim: int, res: int, up: int,
           clamp: int | None) -> PersistentObject:
    return _module("SynthesisLayer", {
        "in_channels": n_in, "out_channels": n_out, "w_dim": w_dim, "resolution": res,
        "up": up, "use_noise": True, "activation": "lrelu", "conv_clamp": clamp, "padding": 1,
        "act_gain": math.sqrt(2),
    }, {"weight": torch.randn(n_out, n_in, 3, 3, generator=g),
        "noise_strength": 0.1 * torch.randn([], generator=g),
        "bias": 0.1 * torch.randn(n_out, generator=g)},
        {"resample_filter": _filter(), "noise_const": torch.randn(res, res, generator=g)},
        {"affine": _fc(g, w_dim, n_in, bias_init=1)}, [n_in, n_out])  # fmt: skip


def _torgb(g: torch.Generator, n_in: int, channels: int, w_dim: int,
           clamp: int | None) -> PersistentObject:
    return _module("ToRGBLayer", {
        "in_channels": n_in, "out_channels": channels, "w_dim": w_dim, "conv_clamp": clamp,
        "weight_gain": 1 / math.sqrt(n_in),
    }, {"weight": torch.randn(channels, n_in, 1, 1, generator=g),
        "bias": 0.1 * torch.randn(channels, generator=g)},
        modules={"affine": _fc(g, w_dim, n_in, bias_init=1)}, init_args=[n_in, channels])


def sg2_tree(*, z_dim: int = 512, w_dim: int = 512, resolution: int = 256, c_dim: int = 0,
             channels: int = 3, channel_base: int = 16384, channel_max: int = 512,
             mapping_layers: int = 8, architecture: str = "skip", conv_clamp: int | None = 256,
             seed: int = 0) -> PersistentObject:
    """A StyleGAN2 ``Generator`` record tree with random weights, laid out as NVIDIA's
    snapshots lay it out (the reference structure file's classes, attributes and names)."""
    g = torch.Generator().manual_seed(seed)
    resolutions = [2 ** i for i in range(2, int(math.log2(resolution)) + 1)]
    width = {r: min(channel_base // r, channel_max) for r in resolutions}
    blocks: dict[str, PersistentObject] = {}
    num_ws = 0
    for r in resolutions:
        n_in, n_out = (0 if r == 4 else width[r // 2]), width[r]
        last = r == resolution
        num_conv, num_torgb = (1 if r == 4 else 2), int(last or architecture == "skip")
        params: dict[str, torch.Tensor | None] = {}
        modules: dict[str, PersistentObject] = {}
        if r == 4:
            params["const"] = torch.randn(n_out, 4, 4, generator=g)
        else:
            modules["conv0"] = _layer(g, n_in, n_out, w_dim, r, 2, conv_clamp)
        modules["conv1"] = _layer(g, n_out, n_out, w_dim, r, 1, conv_clamp)
        if num_torgb:
            modules["torgb"] = _torgb(g, n_out, channels, w_dim, conv_clamp)
        if r != 4 and architecture == "resnet":
            modules["skip"] = _module("Conv2dLayer", {
                "in_channels": n_in, "out_channels": n_out, "activation": "linear", "up": 2,
                "down": 1, "conv_clamp": None, "padding": 0, "weight_gain": 1 / math.sqrt(n_in),
                "act_gain": 1.0,
            }, {"weight": torch.randn(n_out, n_in, 1, 1, generator=g), "bias": None},
                {"resample_filter": _filter()}, init_args=[n_in, n_out, 1])  # fmt: skip
        blocks[f"b{r}"] = _module("SynthesisBlock", {
            "in_channels": n_in, "w_dim": w_dim, "resolution": r, "img_channels": channels,
            "is_last": last, "architecture": architecture, "use_fp16": False,
            "channels_last": False, "fused_modconv_default": True, "num_conv": num_conv,
            "num_torgb": num_torgb,
        }, params, {"resample_filter": _filter()}, modules, [n_in, n_out])  # fmt: skip
        num_ws += num_conv
    num_ws += 1  # the last block's to-RGB layer
    synthesis = _module("SynthesisNetwork", {
        "w_dim": w_dim, "img_resolution": resolution,
        "img_resolution_log2": int(math.log2(resolution)), "img_channels": channels,
        "num_fp16_res": 0, "block_resolutions": resolutions, "num_ws": num_ws,
    }, {}, modules=blocks, init_kwargs={"w_dim": w_dim, "img_resolution": resolution,
                                        "img_channels": channels})  # fmt: skip
    features = z_dim + (w_dim if c_dim else 0)
    fcs: dict[str, PersistentObject] = {}
    if c_dim:
        fcs["embed"] = _fc(g, c_dim, w_dim)
    for i in range(mapping_layers):
        fcs[f"fc{i}"] = _fc(g, features if i == 0 else w_dim, w_dim, "lrelu", lr=0.01)
    mapping = _module("MappingNetwork", {
        "z_dim": z_dim, "c_dim": c_dim, "w_dim": w_dim, "num_ws": num_ws,
        "num_layers": mapping_layers, "w_avg_beta": 0.998,
    }, {}, {"w_avg": 0.5 * torch.randn(w_dim, generator=g)}, fcs)  # fmt: skip
    kwargs = {"z_dim": z_dim, "c_dim": c_dim, "w_dim": w_dim, "img_resolution": resolution,
              "img_channels": channels, "mapping_kwargs": {"num_layers": mapping_layers}}
    return _module("Generator", {
        "z_dim": z_dim, "c_dim": c_dim, "w_dim": w_dim, "img_resolution": resolution,
        "img_channels": channels, "num_ws": num_ws,
    }, {}, modules={"synthesis": synthesis, "mapping": mapping},
        init_kwargs=kwargs)  # fmt: skip


def ran_marker(target: Path) -> Callable[[], bool]:
    """Whether anything wrote ``target`` (what every attack would do if it ran)."""
    return target.exists
