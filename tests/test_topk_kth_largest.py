"""TopK's threshold (:func:`reference_impl.compressors.sparsification.kth_largest`): exactly the k-th largest
entry ``np.partition`` gives, on the subsampled fast path and on its fallbacks (NaN, inf, ties, zeros, a row
whose subsample holds its largest entries), so top-k's selected set and tie rule are unchanged."""
import math

import numpy as np
import pytest

from reference_impl.backends import NUMPY, torch_backend
from reference_impl.compressors.sparsification import TopK, kth_largest


def reference(A, k):
    d = A.shape[-1]
    return np.partition(A, d - k, axis=-1)[..., d - k:d - k + 1]


@pytest.mark.parametrize("kind", ["normal", "rounded", "nan", "zeros", "inf", "adversarial"])
def test_kth_largest_is_partition(kind):
    rng = np.random.default_rng(["normal", "rounded", "nan", "zeros", "inf", "adversarial"].index(kind))
    fast = 0
    for _ in range(40):
        d = int(rng.integers(1000, 12000))
        k = int(rng.integers(1, d // 40))
        A = np.abs(rng.standard_normal((int(rng.integers(1, 6)), d)))
        if kind == "rounded":
            A = np.round(A, 1)                       # many ties at the threshold
        elif kind == "nan":
            A[rng.random(A.shape) < 0.005] = np.nan  # NaN counts as the largest, as in np.partition
        elif kind == "zeros":
            A[rng.random(A.shape) < 0.95] = 0.0
        elif kind == "inf":
            A[:, rng.integers(0, d, 3)] = np.inf
        elif kind == "adversarial":
            A[:, ::16] += 10.0                       # the subsample holds the largest entries: few candidates
        fast += d >= 1024 and 3 * (math.ceil(1.5 * k / 16) + 4) <= -(-d // 16)
        np.testing.assert_array_equal(kth_largest(A, k), reference(A, k))
        np.testing.assert_array_equal(kth_largest(A[None], k), reference(A[None], k))   # leading run axis
    assert fast >= 20                                # most cases took the subsampled path


def test_top_k_mask_unchanged_on_numpy_and_torch():
    """The mask with the new threshold equals the one from a full sort with the lower-index tie rule."""
    rng = np.random.default_rng(7)
    X = np.round(rng.standard_normal((3, 5000)), 2)
    k = 60
    order = np.argsort(-np.abs(X), axis=1, kind="stable")    # largest first, ties by lower index
    want = np.zeros(X.shape, dtype=bool)
    np.put_along_axis(want, order[:, :k], True, axis=1)
    assert np.array_equal(TopK(k).select(NUMPY, X), want)
    xt = torch_backend("cpu")
    assert np.array_equal(xt.to_numpy(TopK(k).select(xt, xt.asarray(X))), want)
