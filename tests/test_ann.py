"""faiss IVF kNN (storydiff.corpus.ann): exactness on separated data, determinism, edge cases."""

from __future__ import annotations

import numpy as np
import pytest

faiss = pytest.importorskip("faiss", reason="faiss-cpu is not installed (pip install faiss-cpu)")

from storydiff.corpus.ann import AnnError, ivf_knn  # noqa: E402  (only once faiss is known to import)


def _clustered(n: int, d: int = 32, clusters: int = 100, noise: float = 0.05, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, d))
    x = centres[np.arange(n) % clusters] / np.sqrt(d) + noise * rng.normal(size=(n, d)) / np.sqrt(d)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _exact(x: np.ndarray, k: int) -> np.ndarray:
    s = x @ x.T
    np.fill_diagonal(s, -np.inf)
    return np.argsort(-s, axis=1, kind="stable")[:, :k]


def test_matches_exact_on_separated_clusters() -> None:
    x = _clustered(4000, clusters=100)  # 40 per cluster: the 10 nearest are all inside it
    got = ivf_knn(x, 10, nlist=64, nprobe=4)
    want = _exact(x, 10)
    assert got.shape == (4000, 10) and got.dtype == np.int64
    sims = np.take_along_axis(x @ x.T, got, axis=1)
    # the same neighbours up to float ties (within a tight cluster some are equally near)
    assert (np.sort(got, axis=1) == np.sort(want, axis=1)).all(axis=1).mean() > 0.99
    np.testing.assert_allclose(np.sort(sims, axis=1), np.sort(np.take_along_axis(x @ x.T, want, axis=1), axis=1),
                               atol=1e-5)
    # nearest first
    assert np.all(np.diff(sims, axis=1) <= 1e-6)


def test_deterministic_across_runs_and_threads() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(5000, 48)).astype(np.float32)  # no structure: approximate results, many near-ties
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    before = faiss.omp_get_max_threads()
    a = ivf_knn(x, 10, threads=1, nlist=64, nprobe=3)
    b = ivf_knn(x, 10, threads=2, nlist=64, nprobe=3)
    c = ivf_knn(x, 10, threads=2, nlist=64, nprobe=3)
    assert np.array_equal(a, b) and np.array_equal(b, c)
    assert faiss.omp_get_max_threads() == before  # thread setting restored
    # defaults (n > FLAT_MAX: an IVF index) are deterministic too
    assert np.array_equal(ivf_knn(x, 5, threads=1), ivf_knn(x, 5, threads=2))
    # a different seed trains other centroids; results are still valid neighbours
    d = ivf_knn(x, 10, seed=7, nlist=64, nprobe=3)
    assert d.shape == a.shape and (d >= 0).all()


def test_never_returns_self_even_with_identical_copies() -> None:
    base = _clustered(1500, clusters=50, seed=1)
    x = np.concatenate([base, base, base])  # every row has two exact copies: ties with itself
    got = ivf_knn(x, 4, nlist=32, nprobe=2)
    n = len(x)
    assert not (got == np.arange(n)[:, None]).any()
    copies = {(i, j) for i in range(n) for j in (i % 1500, i % 1500 + 1500, i % 1500 + 3000) if j != i}
    assert all((i, j) in {(i, int(v)) for v in got[i]} for i, j in copies)


def test_k_larger_than_n_minus_one() -> None:
    x = _clustered(5, d=8, clusters=5)
    got = ivf_knn(x, 10)
    assert got.shape == (5, 10)
    assert (got[:, 4:] == -1).all()
    for i in range(5):
        assert sorted(got[i, :4].tolist()) == [j for j in range(5) if j != i]


def test_fewer_rows_than_lists_falls_back() -> None:
    x = _clustered(200, clusters=20)
    got = ivf_knn(x, 5, nlist=1024, nprobe=64)  # capped at 200 // 39 lists, all probed
    want = _exact(x, 5)
    np.testing.assert_allclose(np.sort(np.take_along_axis(x @ x.T, got, axis=1), axis=1),
                               np.sort(np.take_along_axis(x @ x.T, want, axis=1), axis=1), atol=1e-5)
    assert (ivf_knn(x[:1], 3) == -1).all() and ivf_knn(x[:0], 3).shape == (0, 3)
    assert ivf_knn(x, 0).shape == (200, 0)


def test_rejects_bad_input() -> None:
    with pytest.raises(AnnError, match="matrix"):
        ivf_knn(np.zeros(10, np.float32), 3)
    with pytest.raises(AnnError, match="k >= 0"):
        ivf_knn(np.zeros((10, 4), np.float32), -1)
    with pytest.raises(AnnError, match="nprobe"):
        ivf_knn(np.zeros((10, 4), np.float32), 3, nprobe=0)


@pytest.mark.parametrize("nlist", [None, 64])  # exact (n <= FLAT_MAX) and IVF paths
def test_min_sim_is_the_same_as_filtering_afterwards(nlist: int | None) -> None:
    rng = np.random.default_rng(5)
    x = _clustered(4000, clusters=200, noise=1.0, seed=2)  # loose clusters: sims spread around 0.5
    x = np.concatenate([x, rng.normal(size=(500, 32)).astype(np.float32) / np.sqrt(32)])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    full = ivf_knn(x, 8, nlist=nlist, nprobe=4)
    cut = ivf_knn(x, 8, nlist=nlist, nprobe=4, min_sim=0.5)
    sims = np.take_along_axis(x @ x.T, np.maximum(full, 0), axis=1)
    want = np.where((full >= 0) & (sims >= 0.5), full, -1)
    assert 0.1 < (want >= 0).mean() < 0.9  # the threshold really cuts
    assert np.array_equal(cut, want)
