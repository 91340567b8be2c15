"""Whether the files a session refers to are still there and unchanged; pointing it elsewhere.

A session names its dataset and model by specification (``digits``, ``demo`` or a path) and
remembers their content hashes. :func:`check_references` reopens them and reports each one
that is gone, unreadable or different; :func:`relocate` points a reference at a new place
after the user moved the files.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.session.data import SessionData

if TYPE_CHECKING:
    from latent_explorer.core.datasets.base import Dataset
    from latent_explorer.core.models.base import GenerativeModel
    from latent_explorer.core.models.trust import Trust

Kind = Literal["dataset", "labels", "model"]
Status = Literal["missing", "changed", "unreadable", "unverified"]
_CODE_SUFFIXES = (".py",)


@dataclass(frozen=True)
class Problem:
    """One reference of a session that does not lead to what was saved."""

    kind: Kind
    """Which reference: the dataset, its separate labels file, or the model."""
    spec: str
    """The specification the session holds (a path or a built-in name)."""
    status: Status
    """``missing``: no such file; ``changed``: other content than when saved;
    ``unreadable``: it no longer opens; ``unverified``: not opened because that would run
    code the user has not trusted in this run."""
    message: str
    """One sentence for the user."""


def check_references(
    session: SessionData,
    *,
    trust_code: Trust = False,
    dataset: Dataset | None = None,
    model: GenerativeModel | None = None,
) -> list[Problem]:
    """Reopen the session's dataset and model and say which do not match what was saved.

    Parameters
    ----------
    session
        The session to check.
    trust_code
        Whether the user confirmed, in this run, that the model file may run code. The
        session's own ``trust_code`` flag is never obeyed on its own.
    dataset, model
        Already opened objects to check instead of opening the references again.

    Returns
    -------
    list of Problem
        Empty when everything is where it was and has the same content.
    """
    problems: list[Problem] = []
    ref = session.dataset
    from latent_explorer.core.compute.vectors_workspace import is_vectors_spec

    if is_vectors_spec(session.model.spec):  # its files are named inside the spec
        return _check_model(session, trust_code, model, dataset)
    if dataset is None:
        problems.extend(_missing("dataset", ref.spec, _is_builtin_dataset(ref.spec)))
        if ref.labels is not None:
            problems.extend(_missing("labels", ref.labels, False))
        if not problems:
            from latent_explorer.core.datasets import load_dataset

            try:
                dataset = load_dataset(ref.spec, ref.labels, image_size=ref.image_size)
            except LatentExplorerError as exc:
                problems.append(Problem("dataset", ref.spec, "unreadable",
                                        f"The dataset no longer opens: {exc}"))
    if dataset is not None and ref.fingerprint and dataset.fingerprint() != ref.fingerprint:
        problems.append(Problem("dataset", ref.spec, "changed",
                                f"The dataset {ref.spec} has changed since the session was "
                                "saved; selections and the stored map may not fit it."))
    problems.extend(_check_model(session, trust_code, model, dataset))
    return problems


def session_files(session: SessionData) -> list[tuple[str, str]]:
    """Every file the session names, as ``(what, path)``: its dataset, labels and model, and
    for a map with no decoder the files inside its ``vectors:`` spec (never the spec itself,
    which is no path). Built-ins (``digits``, ``demo``, ``pixels``) are not files."""
    from latent_explorer.core.compute.vectors_workspace import (
        VectorsSpec,
        is_no_model_spec,
        is_vectors_spec,
    )

    found = [("dataset", session.dataset.spec)]
    if session.dataset.labels is not None:
        found.append(("labels", session.dataset.labels))
    spec = session.model.spec
    if is_vectors_spec(spec):
        files = VectorsSpec.parse(spec)
        found += [("vectors file", path) for path in files.paths()]
    elif not is_no_model_spec(spec):
        found.append(("model", spec))
    return [(what, path) for what, path in found
            if _looks_like_path(path) and not _is_builtin_dataset(path)]


def vectors_in_memory(session: SessionData) -> bool:
    """Whether the session's map is of vectors that were handed over in memory (from
    ``lx.explore(latents=Z)``): it names no file to reopen them from."""
    from latent_explorer.core.compute.vectors_workspace import VectorsSpec, is_vectors_spec

    spec = session.model.spec
    return is_vectors_spec(spec) and VectorsSpec.parse(spec).latents is None


def _check_model(session: SessionData, trust_code: Trust, model: GenerativeModel | None,
                 dataset: Dataset | None = None) -> list[Problem]:
    ref = session.model
    from latent_explorer.core.compute.vectors_workspace import is_no_model_spec

    if model is None and is_no_model_spec(ref.spec):  # vectors or pixels: their files only
        return [Problem("model", path, "missing", f"The {what} {path} is missing; it may "
                                                  "have been moved, renamed or deleted.")
                for what, path in session_files(session)
                if what == "vectors file" and not Path(path).expanduser().exists()]
    if model is None:
        missing = _missing("model", ref.spec, not _looks_like_path(ref.spec))
        if missing:
            return missing
        if not trust_code and (ref.trust_code
                               or Path(ref.spec).suffix.lower() in _CODE_SUFFIXES):
            return [Problem("model", ref.spec, "unverified",
                            f"The model {ref.spec} runs code when opened; it was not opened "
                            "to check it because you have not trusted it in this run.")]
        from latent_explorer.core.models import load_model

        try:
            model = load_model(ref.spec, trust_code=trust_code)
        except LatentExplorerError as exc:
            return [Problem("model", ref.spec, "unreadable", f"The model no longer opens: {exc}")]
        if dataset is not None:  # an image family works at its dataset's size, as when saved
            from latent_explorer.core.models.calibration import fit_to_dataset

            model = fit_to_dataset(model, dataset)
    apply_options = getattr(model, "apply_options", None)
    if ref.options and callable(apply_options):  # (a StyleGAN's psi is in its fingerprint)
        try:
            apply_options(dict(ref.options))
        except ValueError as exc:
            return [Problem("model", ref.spec, "unreadable", f"The session's settings for "
                            f"{ref.spec} do not fit it: {exc}")]
    if ref.fingerprint and model.fingerprint() != ref.fingerprint:
        return [Problem("model", ref.spec, "changed",
                        f"The model {ref.spec} has changed since the session was saved; "
                        "decoded images and stored latents may differ.")]
    return []


def _looks_like_path(spec: str) -> bool:
    """A path rather than a built-in name (``demo``, ``digits``): a built-in is never missing.

    A name that is neither is left to the loader, which says what is wrong with it.
    """
    separators = {"/", os.sep} | ({os.altsep} if os.altsep else set())
    text = spec.strip()
    return (any(sep in text for sep in separators) or text.startswith(("~", "."))
            or Path(text).suffix != "")


def _is_builtin_dataset(spec: str) -> bool:
    from latent_explorer.core.datasets import BUILTIN_DATASETS

    return spec.strip().lower() in BUILTIN_DATASETS


def _missing(kind: Kind, spec: str, builtin: bool) -> list[Problem]:
    if builtin or Path(spec).expanduser().exists():
        return []
    return [Problem(kind, spec, "missing", f"The {kind} file {spec} is missing; it may have "
                                           "been moved, renamed or deleted.")]


def relocate(session: SessionData, old: str | Path, new: str | Path) -> SessionData:
    """A copy of ``session`` whose references to ``old`` point at ``new`` instead.

    ``old`` may be the referenced file itself or a folder above it (the user moved a whole
    folder): a reference inside ``old`` keeps its place relative to it. References elsewhere
    are left alone. The stored content hashes are kept, so a later
    :func:`check_references` still notices a different file.
    """
    old_path, new_path = Path(old).expanduser(), Path(new).expanduser()

    def moved(spec: str | None) -> str | None:
        if spec is None or not _looks_like_path(spec):
            return spec
        path = Path(spec).expanduser()
        if path == old_path:
            return str(new_path)
        try:
            return str(new_path / path.relative_to(old_path))
        except ValueError:
            return spec

    dataset = session.dataset
    dataset = dataclasses.replace(dataset, spec=moved(dataset.spec) or dataset.spec,
                                  labels=moved(dataset.labels))
    model_spec = session.model.spec
    from latent_explorer.core.compute.vectors_workspace import VectorsSpec, is_vectors_spec

    if is_vectors_spec(model_spec):  # a map with no decoder names its files inside its spec
        files = VectorsSpec.parse(model_spec)
        model_spec = VectorsSpec(moved(files.latents), moved(files.dataset),
                                 moved(files.metadata), files.xy).to_spec()
    model = dataclasses.replace(session.model, spec=moved(model_spec) or "")
    return dataclasses.replace(session, dataset=dataset, model=model)
