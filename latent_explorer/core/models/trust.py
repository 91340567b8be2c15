"""Trust in one file: permission to run the code of exactly that file, as it is now.

Opening an adapter file or a pickled module runs its code. The user's permission is a
:class:`TrustGrant` for one file, named by its resolved path and the SHA-256 of its content
at the moment the user said yes. A grant never covers another file, nor the same file after
it changed: everything else that runs code asks again. ``trust_code=True`` (the Python API's
plain flag) trusts whatever the one call opens.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from latent_explorer.core.errors import ModelError

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
    """

    path: Path
    sha256: str

    @classmethod
    def for_file(cls, path: str | Path) -> TrustGrant:
        """A grant for ``path`` as it is now.

        Raises
        ------
        ModelError
            If the file cannot be read.
        """
        resolved = Path(path).expanduser().resolve()
        return cls(resolved, file_digest(resolved))

    def covers(self, path: str | Path) -> bool:
        """Whether this grant allows running ``path`` (same resolved path, same content)."""
        resolved = Path(path).expanduser().resolve()
        if resolved != self.path:
            return False
        try:
            return file_digest(resolved) == self.sha256
        except ModelError:
            return False


Trust = bool | TrustGrant | None
"""What loaders accept as trust: a plain flag (the API) or a grant for one file."""


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


def allows(trust: Trust, path: str | Path) -> bool:
    """Whether ``trust`` allows running the code of ``path``."""
    if isinstance(trust, TrustGrant):
        return trust.covers(path)
    return bool(trust)


def refusal(trust: Trust, path: str | Path, what: str) -> ModelError:
    """The error for running ``path`` without trust that covers it (says why it does not)."""
    if isinstance(trust, TrustGrant) and trust.path == Path(path).expanduser().resolve():
        return ModelError(path, f"is {what} and has changed since you trusted it; open it "
                                "again and say whether you trust the new content")
    return ModelError(
        path,
        f"is {what}: opening it runs its code. Pass --trust-code (or tick 'I trust this "
        "file') if you trust it.",
    )
