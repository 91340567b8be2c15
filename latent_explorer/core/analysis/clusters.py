"""Clusters of latents: k-means, HDBSCAN, and one prototype latent per cluster.

Cluster ids are renumbered by size, so cluster 0 is always the largest and the colours of a
re-run stay put; HDBSCAN's noise is ``-1``. A cluster's prototype is the mean of its latents,
which the window decodes as a visual legend.

scikit-learn can neither report progress from inside a fit nor be interrupted there, so the
fits report indeterminate progress (``None``) and cancel is checked before and after them and
between the chunks of the work around them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from latent_explorer.core.jobs import JobContext, null_context

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]

KMEANS_FULL_LIMIT = 50_000
"""Above this many latents k-means runs in mini-batches (seconds instead of minutes)."""
HDBSCAN_FIT_LIMIT = 20_000
"""HDBSCAN fits on a random sample of this many latents at most; the rest are assigned."""
_ASSIGN_CHUNK = 50_000


def kmeans_labels(
    latents: npt.ArrayLike,
    k: int,
    seed: int = 0,
    ctx: JobContext | None = None,
    notes: list[str] | None = None,
) -> IntArray:
    """Cluster ``latents`` into ``k`` groups with k-means.

    Parameters
    ----------
    latents
        ``(N, D)`` codes.
    k
        Number of clusters (at most N).
    seed
        Seeds the initial centres; equal seeds give equal labels.
    ctx
        Receives (indeterminate) progress; cancel takes effect after the fit.
    notes
        Receives a sentence when mini-batch k-means was used (more than
        :data:`KMEANS_FULL_LIMIT` latents).

    Returns
    -------
    numpy.ndarray
        ``(N,)`` int64 cluster ids ``0 .. k-1``, 0 the largest cluster.
    """
    from sklearn.cluster import KMeans, MiniBatchKMeans

    ctx = ctx or null_context()
    data = _as_latents(latents)
    if not 1 <= k <= len(data):
        raise ValueError(f"k must be between 1 and the number of latents ({len(data)}), got {k}")
    ctx.progress(None, f"k-means with {k} clusters on {len(data):,} latents")
    if len(data) > KMEANS_FULL_LIMIT:
        model: KMeans | MiniBatchKMeans = MiniBatchKMeans(
            n_clusters=k, random_state=seed, n_init=3, batch_size=4096
        )
        if notes is not None:
            notes.append(
                f"k-means ran in mini-batches on {len(data):,} latents (approximate centres)"
            )
    else:
        model = KMeans(n_clusters=k, random_state=seed, n_init=4)
    labels = np.asarray(model.fit_predict(data), dtype=np.int64)
    ctx.progress(1.0, f"k-means found {k} clusters")
    return _by_size(labels)


def hdbscan_labels(
    latents: npt.ArrayLike,
    min_cluster_size: int = 15,
    min_samples: int | None = None,
    *,
    max_fit: int = HDBSCAN_FIT_LIMIT,
    seed: int = 0,
    ctx: JobContext | None = None,
    notes: list[str] | None = None,
) -> IntArray:
    """Find clusters of any shape and count with HDBSCAN; points in no cluster get ``-1``.

    Parameters
    ----------
    latents
        ``(N, D)`` codes.
    min_cluster_size
        The smallest group that counts as a cluster.
    min_samples
        How conservative the clustering is (more noise when larger); default
        ``min_cluster_size``.
    max_fit
        With more latents than this, HDBSCAN fits on a random sample of ``max_fit`` of them
        (its cost grows faster than linearly) and every other latent takes the label of its
        nearest sampled latent, noise included. A sentence saying so goes to ``notes``.
    seed
        Seeds that sample.
    ctx
        Progress (indeterminate during the fit) and cancel.
    notes
        Receives a sentence about sampling, if any.

    Returns
    -------
    numpy.ndarray
        ``(N,)`` int64 cluster ids, 0 the largest cluster, ``-1`` noise.
    """
    from sklearn.cluster import HDBSCAN

    ctx = ctx or null_context()
    data = _as_latents(latents)
    if min_cluster_size < 2:
        raise ValueError(f"min_cluster_size must be at least 2, got {min_cluster_size}")
    count = len(data)
    sample = None
    if count > max_fit:
        rng = np.random.default_rng(seed)
        sample = np.sort(rng.choice(count, max_fit, replace=False))
    fit_data = data if sample is None else data[sample]
    ctx.progress(None, f"HDBSCAN on {len(fit_data):,} latents")
    if len(fit_data) < min_cluster_size:
        fitted = np.full(len(fit_data), -1, dtype=np.int64)
    else:
        model = HDBSCAN(min_cluster_size=min_cluster_size, min_samples=min_samples, copy=True)
        fitted = np.asarray(model.fit_predict(fit_data), dtype=np.int64)
    fitted[fitted < 0] = -1  # -2 / -3 mark infinite / missing values: noise to us
    ctx.check()
    if sample is None:
        labels = fitted
    else:
        labels = _assign_nearest(data, sample, fitted, ctx.sub(0.0, 1.0))
        if notes is not None:
            notes.append(
                f"HDBSCAN was fitted on a random sample of {len(sample):,} of {count:,} latents; "
                "every other latent took the cluster (or noise) of its nearest sampled latent"
            )
    found = int(labels.max()) + 1 if labels.size else 0
    ctx.progress(1.0, f"HDBSCAN found {found} clusters")
    return _by_size(labels)


def cluster_prototypes(
    latents: npt.ArrayLike, labels: npt.ArrayLike
) -> tuple[IntArray, FloatArray]:
    """The mean latent of each cluster (noise, ``-1``, has none).

    Parameters
    ----------
    latents
        ``(N, D)`` codes.
    labels
        ``(N,)`` cluster ids, ``-1`` for noise.

    Returns
    -------
    ids, centroids
        The cluster ids present, ascending ``(K,)``, and their mean latents ``(K, D)``
        float32 (in float64 sums, so a million latents lose no precision).
    """
    data = _as_latents(latents)
    ids_all = np.asarray(labels, dtype=np.int64).reshape(-1)
    if len(ids_all) != len(data):
        raise ValueError(f"{len(ids_all)} labels for {len(data)} latents")
    keep = ids_all >= 0
    ids, inverse, counts = np.unique(ids_all[keep], return_inverse=True, return_counts=True)
    sums = np.zeros((len(ids), data.shape[1]), dtype=np.float64)
    np.add.at(sums, inverse, data[keep])
    centroids = (sums / counts[:, None]).astype(np.float32)
    return ids.astype(np.int64), centroids


def nearest_member(latents: npt.ArrayLike, labels: npt.ArrayLike, cluster: int,
                   centroid: npt.ArrayLike) -> int:
    """The index of the sample of ``cluster`` nearest its ``centroid``: a real prototype,
    for maps with nothing to decode the centroid itself."""
    members = np.flatnonzero(np.asarray(labels, dtype=np.int64).reshape(-1) == cluster)
    if not len(members):
        raise ValueError(f"cluster {cluster} has no members")
    rows = np.asarray(np.asarray(latents)[members], dtype=np.float32)
    gaps = ((rows - np.asarray(centroid, dtype=np.float32)) ** 2).sum(axis=1)
    return int(members[int(np.argmin(gaps))])


def _assign_nearest(
    data: FloatArray, sample: IntArray, fitted: IntArray, ctx: JobContext
) -> IntArray:
    """Label every latent like its nearest sampled latent (sampled ones keep their own)."""
    from sklearn.neighbors import NearestNeighbors

    labels = np.empty(len(data), dtype=np.int64)
    labels[sample] = fitted
    rest = np.setdiff1d(np.arange(len(data)), sample)
    finder = NearestNeighbors(n_neighbors=1).fit(data[sample])
    for start in range(0, len(rest), _ASSIGN_CHUNK):
        rows = rest[start : start + _ASSIGN_CHUNK]
        nearest = finder.kneighbors(data[rows], return_distance=False)[:, 0]
        labels[rows] = fitted[nearest]
        done = min(start + _ASSIGN_CHUNK, len(rest))
        ctx.progress(done / len(rest), f"assigned {done:,} of {len(rest):,} latents to clusters")
    return labels


def _by_size(labels: IntArray) -> IntArray:
    """Renumber cluster ids by falling size (ties: by old id); ``-1`` stays."""
    result = np.full(len(labels), -1, dtype=np.int64)
    keep = labels >= 0
    ids, inverse, counts = np.unique(labels[keep], return_inverse=True, return_counts=True)
    rank = np.empty(len(ids), dtype=np.int64)
    rank[np.lexsort((ids, -counts))] = np.arange(len(ids))
    result[keep] = rank[inverse]
    return result


def _as_latents(latents: npt.ArrayLike) -> FloatArray:
    data = np.asarray(latents, dtype=np.float32)
    if data.ndim != 2 or len(data) == 0:
        raise ValueError(f"latents must be a non-empty (N, D) array, got {data.shape}")
    if not np.all(np.isfinite(data)):
        raise ValueError("latents contain NaN or infinite values")
    return data
