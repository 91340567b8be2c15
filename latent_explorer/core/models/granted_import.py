"""Run trusted Python code from the bytes that were checked, never from the disk again.

:func:`run_source` executes a trusted adapter file's bytes as a module of its own (compiled
from those bytes: never a cached ``__pycache__/*.pyc``, never the file read a second time).
:func:`imports_from` serves the modules beside a trusted file, while it loads, from the bytes
read when the grant was checked (:class:`~latent_explorer.core.models.code_beside.CodeBeside`):
``import models`` in an adapter, or a class a pickle names, runs the code the user trusted. A
module file beside the trusted one that the grant does not cover is refused, not imported.
Only the loading thread sees these modules; other threads import as always.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import linecache
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from latent_explorer.core.models.code_beside import CodeBeside


class SourceLoader(importlib.abc.Loader):
    """Executes one module from bytes held in memory."""

    def __init__(self, source: bytes, origin: Path) -> None:
        self.source = source
        self.origin = origin

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # the default module object

    def exec_module(self, module: ModuleType) -> None:
        filename = str(self.origin)
        text = self.source.decode("utf-8", errors="replace")
        # Tracebacks and inspect.getsource (torch.jit.script reads it) show these bytes, not
        # whatever the file holds now; an entry without a modification time is never rechecked.
        linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
        code = compile(self.source, filename, "exec", dont_inherit=True)
        exec(code, module.__dict__)  # the user trusted exactly these bytes

    def get_source(self, fullname: str) -> str:
        """The module's source (for tracebacks)."""
        return self.source.decode("utf-8", errors="replace")


def run_source(name: str, source: bytes, origin: Path) -> ModuleType:
    """Execute ``source`` (the bytes of ``origin``) as a new module ``name``, registered in
    ``sys.modules`` (dataclasses and pickling look modules up there). The caller removes it
    again if running fails."""
    loader = SourceLoader(source, origin)
    spec = importlib.machinery.ModuleSpec(name, loader, origin=str(origin))
    spec.has_location = True
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


class _GrantedFinder(importlib.abc.MetaPathFinder):
    """Finds the modules of one :class:`CodeBeside`, for the thread that loads the file."""

    def __init__(self, code: CodeBeside, trusted: Path) -> None:
        self.code = code
        self.trusted = trusted
        self.thread = threading.get_ident()
        self.folders = {str(Path(n).parent.as_posix()) for n in code.sources}

    def find_spec(self, fullname: str, path: object = None,
                  target: object = None) -> importlib.machinery.ModuleSpec | None:
        if threading.get_ident() != self.thread:
            return None
        rel = fullname.replace(".", "/")
        folder = self.code.folder
        for candidate, package in ((f"{rel}/__init__.py", True), (f"{rel}.py", False)):
            if candidate in self.code.sources:
                origin = folder / candidate
                loader = SourceLoader(self.code.sources[candidate], origin)
                spec = importlib.machinery.ModuleSpec(fullname, loader, origin=str(origin),
                                                      is_package=package)
                spec.has_location = True
                if package:
                    spec.submodule_search_locations = [str(folder / rel)]
                return spec
        if any(f == rel or f.startswith(f"{rel}/") for f in self.folders):
            # A folder of covered modules without __init__.py: a namespace package.
            spec = importlib.machinery.ModuleSpec(fullname, None, is_package=True)
            spec.submodule_search_locations = [str(folder / rel)]
            return spec
        for candidate in (f"{rel}/__init__.py", f"{rel}.py"):
            if (folder / candidate).is_file():
                raise ImportError(
                    f"{folder / candidate} is not among the files your trust in "
                    f"{self.trusted.name} covers (it was not there when you said yes); open "
                    f"{self.trusted.name} again to be asked about it", name=fullname)
        return None


def _from_earlier_grant(module: ModuleType | None) -> bool:
    spec = getattr(module, "__spec__", None)
    return isinstance(getattr(spec, "loader", None), SourceLoader)


@contextmanager
def imports_from(code: CodeBeside, trusted: Path) -> Iterator[None]:
    """Serve the modules of ``code`` (from its bytes) to imports on this thread meanwhile.

    Modules of the same names that an earlier trusted file brought in are set aside first, so
    this file gets the code of its own grant; the modules imported now stay registered after
    the block (the network's classes live in them).
    """
    tops = {Path(name).parts[0].removesuffix(".py") for name in code.sources}
    for name in list(sys.modules):
        if name.split(".")[0] in tops and _from_earlier_grant(sys.modules.get(name)):
            del sys.modules[name]
    finder = _GrantedFinder(code, trusted)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)

