"""Trust in one file: permission to run the code of exactly that file, as it is now.

Opening an adapter file, a pickled module or a TorchScript archive runs its code. The user's
permission is a :class:`TrustGrant` for one file, named by its resolved path and the SHA-256
of its content at the moment the user said yes, together with the Python files beside it that
it can import (an adapter's ``import models``, the classes a pickle names). A grant never
covers another file, nor the same file after it, or the code beside it, changed: everything
else that runs code asks again. ``trust_code=True`` (the Python API's plain flag) trusts
whatever the one call opens.

Loaders read a trusted file once with :func:`read_trusted`, which checks those very bytes
against the grant: the bytes that run are the bytes that were hashed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from latent_explorer.core.errors import ModelError
from latent_explorer.core.models.code_beside import CodeBeside, first_difference, read_code_beside

_CHUNK = 1 << 20


@dataclass(frozen=True)
class TrustGrant:
    """The user trusts the code of one file, with this content.

    Attributes
    ----------
    path
        The file's resolved (absolute, symlink-free) path.
    sha256
        The hex digest of its content when trust was given.
    beside
        ``(path relative to the file's folder, SHA-256)`` of each ``.py`` file in its folder
        (and sub-folders) when trust was given: the code it may import. ``None`` for a file
        that imports no Python code (a TorchScript archive).
    """

    path: Path
    sha256: str
    beside: tuple[tuple[str, str], ...] | None = None

    @classmethod
    def for_file(cls, path: str | Path, *, code_beside: bool = True) -> TrustGrant:
        """A grant for ``path`` as it is now (and, with ``code_beside``, the code beside it).

        Raises
        ------
        ModelError
            If the file cannot be read.
        """
        resolved = Path(path).expanduser().resolve()
        beside = read_code_beside(resolved.parent, resolved).digests() if code_beside else None
        return cls(resolved, file_digest(resolved), beside)

    def covers(self, path: str | Path) -> bool:
        """Whether this grant allows running ``path`` (same resolved path, same content, and
        the same code beside it)."""
        resolved = Path(path).expanduser().resolve()
        if resolved != self.path:
            return False
        try:
            if file_digest(resolved) != self.sha256:
                return False
        except ModelError:
            return False
        if self.beside is None:
            return True
        now = read_code_beside(resolved.parent, resolved).digests()
        return first_difference(self.beside, now) is None


Trust = bool | TrustGrant | None
"""What loaders accept as trust: a plain flag (the API) or a grant for one file."""


class TrustChanged(ModelError):  # noqa: N818 - reads better at the raise site
    """The code a grant covers is no longer what the user trusted: ask again.

    Attributes
    ----------
    trusted
        The file the user trusted.
    changed
        The file that differs: ``trusted`` itself, or a ``.py`` file beside it.
    how
        ``"changed"``, ``"new"`` or ``"gone"``.
    """

    def __init__(self, trusted: Path, changed: Path, how: str, what: str) -> None:
        self.trusted = trusted
        self.changed = changed
        self.how = how
        again = (f"open {trusted.name} again and say whether you trust it as it is now")
        if changed == trusted:
            problem = f"is {what} and has changed since you trusted it; {again}"
        elif how == "new":
            problem = (f"is new beside {trusted.name} since you trusted it, and would run "
                       f"with it; {again}")
        elif how == "gone":
            problem = f"was beside {trusted.name} when you trusted it and is gone; {again}"
        else:
            problem = f"has changed since you trusted {trusted.name}, which runs it; {again}"
        super().__init__(changed, problem)


@dataclass(frozen=True)
class TrustedFile:
    """A trusted file's bytes and the code beside it, read once and checked against trust."""

    path: Path
    """The file's resolved path."""
    data: bytes
    """Its content: the bytes to run (or unpickle), never read again."""
    beside: CodeBeside | None
    """The ``.py`` files beside it, served to its imports (``None``: not read)."""


def read_trusted(trust: Trust, path: str | Path, what: str, *,
                 code_beside: bool) -> TrustedFile:
    """Read ``path`` (and, with ``code_beside``, the code beside it) once, and check those
    bytes against ``trust``.

    Raises
    ------
    ModelError
        If ``trust`` does not cover the file (a :class:`TrustChanged` when it is the file
        the grant names, changed since, or the code beside it changed), or it cannot be read.
    """
    path = Path(path)
    resolved = path.expanduser().resolve()
    if not resolved.is_file():
        raise ModelError(path, "no such file")
    grant = trust if isinstance(trust, TrustGrant) else None
    if not trust or (grant is not None and grant.path != resolved):
        raise refusal(trust, path, what)
    try:
        data = resolved.read_bytes()
    except OSError as exc:
        raise ModelError(path, f"cannot be read ({exc.strerror or exc})") from exc
    if grant is not None and hashlib.sha256(data).hexdigest() != grant.sha256:
        raise TrustChanged(resolved, resolved, "changed", what)
    beside = read_code_beside(resolved.parent, resolved) if code_beside else None
    if grant is not None and beside is not None:
        difference = first_difference(grant.beside or (), beside.digests())
        if difference is not None:
            name, how = difference
            raise TrustChanged(resolved, resolved.parent / name, how, what)
    return TrustedFile(resolved, data, beside)


def file_digest(path: Path) -> str:
    """The SHA-256 hex digest of ``path``'s content.

    Raises
    ------
    ModelError
        If the file cannot be read.
    """
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
    except OSError as exc:
        raise ModelError(path, f"cannot be read ({exc.strerror or exc})") from exc
    return digest.hexdigest()


def refusal(trust: Trust, path: str | Path, what: str) -> ModelError:
    """The error for running ``path`` without trust that covers it (says why it does not)."""
    resolved = Path(path).expanduser().resolve()
    if isinstance(trust, TrustGrant) and trust.path == resolved:
        return TrustChanged(resolved, resolved, "changed", what)
    return ModelError(
        path,
        f"is {what}: opening it runs its code. Open it only if you trust it: --trust-code on "
        "the command line, trust_code=True in Python, or say so when the window asks.",
    )
