"""Tests of reference_impl.data: real files (from $REPRO_DATA_DIR or the shared offline copy),
checksum and error handling, splits, and the loaders of the sets not available offline
(on tiny synthetic files in tests/fixtures)."""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import pathlib
import struct
import urllib.error
import zipfile

import numpy as np
import pytest

from reference_impl import data as D

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"
# CI sets REPRO_DATA_DIR; otherwise the project's shared offline copy sits at ../shared/data.
SHARED = pathlib.Path(os.environ.get(D.ENV_VAR) or (ROOT.parent / "shared" / "data")).expanduser()

A9A_WORKER_SIZES = [1059, 1645, 1627, 2180, 973, 535, 2065, 3225, 938, 2509, 3185, 2396, 1475,
                    809, 750, 669, 1092, 2721, 1141, 1567]

needs_real_data = pytest.mark.skipif(
    not SHARED.is_dir(),
    reason=f"real data folder {SHARED} does not exist (set {D.ENV_VAR} to the data folder)",
)


@pytest.fixture
def real_data(monkeypatch):
    if not SHARED.is_dir():
        pytest.skip(f"real data folder {SHARED} does not exist (set {D.ENV_VAR} to the data folder)")
    monkeypatch.setenv(D.ENV_VAR, str(SHARED))
    return SHARED


@pytest.fixture
def empty_data_dir(monkeypatch, tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    monkeypatch.setenv(D.ENV_VAR, str(d))
    return d


# ------------------------------------------------------------------------------------------------
# data_dir and the table of known files
# ------------------------------------------------------------------------------------------------
def test_data_dir_env_and_default(monkeypatch, tmp_path):
    monkeypatch.setenv(D.ENV_VAR, str(tmp_path / "x"))
    assert D.data_dir() == tmp_path / "x"
    monkeypatch.delenv(D.ENV_VAR)
    shared = tmp_path / "shared-data"
    shared.mkdir()
    monkeypatch.setattr(D, "SHARED_DATA_DIR", shared)  # ../shared/data beside the repository, when it exists
    assert D.data_dir() == shared
    monkeypatch.setattr(D, "SHARED_DATA_DIR", tmp_path / "no-shared")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert D.data_dir() == tmp_path / "home" / ".cache" / "commeff-repro" / "data"


def test_known_files_table():
    for rel in ["libsvm/a9a", "libsvm/a9a.t", "libsvm/w8a", "libsvm/w8a.t", "libsvm/phishing",
                "mnist/train-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz",
                "splits/a9a-tsne-N20.txt", "quantum/phy_train.dat", "superconduct/train.csv"]:
        assert rel in D.KNOWN_FILES, rel
    assert D.KNOWN_FILES["libsvm/a9a"].url == "https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/binary/a9a"
    for rel, kf in D.KNOWN_FILES.items():
        if rel.startswith("mnist/"):
            # verified by the md5 of the decompressed content, never by the (re-compressed) .gz bytes
            assert kf.gzip_content_md5 is not None and kf.sha256 is None
            assert kf.url.startswith("https://") and kf.url.endswith(rel.split("/")[1])
        if rel.startswith("splits/"):
            assert kf.url is None and kf.sha256 is not None
    assert D.KNOWN_FILES["quantum/phy_train.dat"].checked is False


@needs_real_data
def test_known_sha256_match_shared_sha256sums():
    sums = SHARED / "SHA256SUMS"
    if not sums.is_file():
        pytest.skip(f"{sums} not present")
    seen = 0
    for line in sums.read_text().splitlines():
        digest, rel = line.split()
        if rel.startswith("mnist/"):
            assert D.MNIST_OFFLINE_COPY_GZ_SHA256[rel] == digest
        else:
            assert D.KNOWN_FILES[rel].sha256 == digest
        seen += 1
    assert seen == 9


# ------------------------------------------------------------------------------------------------
# LIBSVM
# ------------------------------------------------------------------------------------------------
def test_a9a_train(real_data):
    X, y = D.load_libsvm("a9a")
    assert isinstance(X, np.ndarray) and X.dtype == np.float64 and X.shape == (32561, 123)
    assert set(np.unique(y).tolist()) == {-1.0, 1.0}
    assert int((y == 1).sum()) == 7841
    assert set(np.unique(X).tolist()) == {0.0, 1.0}
    # returned arrays are copies: mutating them does not poison the cache
    X[:] = 7.0
    X2, _ = D.load_libsvm("a9a")
    assert X2.max() == 1.0
    Xs, _ = D.load_libsvm("a9a", dense=False)
    assert Xs.shape == (32561, 123) and Xs.nnz == int((X2 != 0).sum())


def test_a9a_test_has_123_features(real_data):
    X, y = D.load_libsvm("a9a", split="test")
    assert X.shape == (16281, 123)
    assert np.all(X[:, 122] == 0)  # a9a.t never uses index 123
    assert set(np.unique(y).tolist()) == {-1.0, 1.0}


def test_phishing_labels_mapped(real_data):
    X, y = D.load_libsvm("phishing")
    assert X.shape == (11055, 68)
    assert set(np.unique(y).tolist()) == {-1.0, 1.0}
    assert int((y == 1).sum()) == 6157 and int((y == -1).sum()) == 4898
    assert np.all((X != 0).sum(axis=1) == 30)
    with pytest.raises(ValueError, match="phishing.*no test file"):
        D.load_libsvm("phishing", split="test")


def test_w8a_300_features(real_data):
    X, y = D.load_libsvm("w8a", dense=False)
    assert X.shape == (49749, 300)
    Xt, yt = D.load_libsvm("w8a", split="test", dense=False)
    assert Xt.shape == (14951, 300)
    assert set(np.unique(y).tolist()) == {-1.0, 1.0}


def test_load_libsvm_bad_arguments():
    with pytest.raises(ValueError, match="unknown LIBSVM data set 'covtype'"):
        D.load_libsvm("covtype")
    with pytest.raises(ValueError, match="split must be"):
        D.load_libsvm("a9a", split="valid")


# ------------------------------------------------------------------------------------------------
# MNIST and idx
# ------------------------------------------------------------------------------------------------
def test_mnist_train(real_data):
    images, labels = D.load_mnist("train")
    assert images.dtype == np.uint8 and images.shape == (60000, 28, 28)
    assert labels.dtype == np.uint8 and labels.shape == (60000,)
    assert abs(images.mean() / 255.0 - 0.130660) < 1e-6
    assert abs(images.std() / 255.0 - 0.308108) < 1e-6
    assert labels[0] == 5 and set(np.unique(labels).tolist()) == set(range(10))
    ti, tl = D.load_mnist("test")
    assert ti.shape == (10000, 28, 28) and tl.shape == (10000,)


def _idx_bytes(arr: np.ndarray, code: int) -> bytes:
    return struct.pack(">BBBB", 0, 0, code, arr.ndim) + struct.pack(">" + "I" * arr.ndim, *arr.shape) + arr.tobytes()


def test_read_idx_roundtrip(tmp_path):
    a = np.arange(12, dtype=np.uint8).reshape(3, 2, 2)
    p = tmp_path / "a.idx.gz"
    p.write_bytes(gzip.compress(_idx_bytes(a, 0x08)))
    np.testing.assert_array_equal(D.read_idx(p), a)
    b = np.array([[1, -2, 70000]], dtype=">i4")
    q = tmp_path / "b.idx"
    q.write_bytes(_idx_bytes(b, 0x0C))
    out = D.read_idx(q)
    np.testing.assert_array_equal(out, [[1, -2, 70000]])
    assert out.dtype.isnative


def test_read_idx_malformed(tmp_path):
    a = np.arange(12, dtype=np.uint8).reshape(3, 4)
    good = _idx_bytes(a, 0x08)
    cases = {
        "magic": b"\x01\x00" + good[2:],
        "typecode": good[:2] + b"\x07" + good[3:],
        "truncated": good[:-1],
        "trailing": good + b"\x00",
        "short": good[:3],
    }
    for name, content in cases.items():
        p = tmp_path / f"{name}.idx"
        p.write_bytes(content)
        with pytest.raises(D.DataFormatError, match=str(p.name)):
            D.read_idx(p)
    p = tmp_path / "badgz.idx.gz"
    p.write_bytes(gzip.compress(good)[:-10])
    with pytest.raises(D.DataFormatError, match="gzip"):
        D.read_idx(p)


# ------------------------------------------------------------------------------------------------
# fetch: missing, corrupt, caching, download
# ------------------------------------------------------------------------------------------------
def test_missing_file_message(empty_data_dir):
    with pytest.raises(D.DataFileMissing) as info:
        D.fetch("libsvm/a9a")
    msg = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    assert "REPRO_DATA_DIR" in msg and "libsvm/a9a" in msg and str(empty_data_dir) in msg
    assert D.KNOWN_FILES["libsvm/a9a"].url in msg
    with pytest.raises(D.DataFileMissing, match="REPRO_DATA_DIR"):
        D.load_libsvm("a9a")
    with pytest.raises(D.DataFileMissing, match="no public download URL"):
        D.fetch("splits/a9a-tsne-N20.txt", download=True)
    with pytest.raises(KeyError, match="unknown data file"):
        D.fetch("libsvm/covtype")


def test_corrupt_libsvm_copy(empty_data_dir):
    real = SHARED / "libsvm" / "phishing"
    content = real.read_bytes() if real.is_file() else b"1 1:0.18257\n"
    modified = content.replace(b"0.18257", b"0.18258", 1)  # one character changed
    assert modified != content
    dest = empty_data_dir / "libsvm" / "phishing"
    dest.parent.mkdir(parents=True)
    dest.write_bytes(modified)
    actual = hashlib.sha256(modified).hexdigest()
    with pytest.raises(D.DataFileCorrupt) as info:
        D.fetch("libsvm/phishing")
    msg = str(info.value)
    assert isinstance(info.value, ValueError)
    assert "libsvm/phishing" in msg and D.SHA256_PHISHING in msg and actual in msg
    with pytest.raises(D.DataFileCorrupt):
        D.load_libsvm("phishing")


def test_corrupt_mnist_checked_by_content_md5(empty_data_dir):
    dest = empty_data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz"
    dest.parent.mkdir(parents=True)
    labels = np.zeros(10000, dtype=np.uint8)
    dest.write_bytes(gzip.compress(_idx_bytes(labels, 0x08)))  # well-formed, wrong content
    with pytest.raises(D.DataFileCorrupt, match=D.MD5_MNIST_TEST_LABELS):
        D.fetch("mnist/t10k-labels-idx1-ubyte.gz")
    dest.write_bytes(b"not gzip at all")
    with pytest.raises(D.DataFileCorrupt, match="not a readable gzip"):
        D.fetch("mnist/t10k-labels-idx1-ubyte.gz")


@needs_real_data
def test_recompressed_mnist_accepted(empty_data_dir):
    # same content, different .gz bytes: still verified (content md5), as the README warns.
    src = SHARED / "mnist" / "t10k-labels-idx1-ubyte.gz"
    raw = gzip.decompress(src.read_bytes())
    dest = empty_data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz"
    dest.parent.mkdir(parents=True)
    dest.write_bytes(gzip.compress(raw, compresslevel=1, mtime=12345))
    assert dest.read_bytes() != src.read_bytes()
    assert D.fetch("mnist/t10k-labels-idx1-ubyte.gz") == dest


def test_checksum_cached_per_size_and_mtime(empty_data_dir, monkeypatch):
    dest = empty_data_dir / "libsvm" / "a9a"
    dest.parent.mkdir(parents=True)
    dest.write_bytes(b"-1 3:1\n")
    calls = []
    real_hash = D._hash_file
    monkeypatch.setattr(D, "_hash_file", lambda *a: calls.append(a) or real_hash(*a))
    for _ in range(3):
        with pytest.raises(D.DataFileCorrupt):
            D.fetch("libsvm/a9a")
    assert len(calls) == 1
    dest.write_bytes(b"-1 3:1\n+1 4:1\n")  # changed file: hashed again
    with pytest.raises(D.DataFileCorrupt):
        D.fetch("libsvm/a9a")
    assert len(calls) == 2


class _FakeUrlopen:
    def __init__(self, payload: bytes | Exception):
        self.payload, self.urls = payload, []

    def __call__(self, url, timeout=None):
        self.urls.append(url)
        if isinstance(self.payload, Exception):
            raise self.payload
        return io.BytesIO(self.payload)


@needs_real_data
def test_download_verifies_and_installs(empty_data_dir, monkeypatch):
    rel = "mnist/t10k-labels-idx1-ubyte.gz"
    fake = _FakeUrlopen((SHARED / rel).read_bytes())
    monkeypatch.setattr(D.urllib.request, "urlopen", fake)
    with pytest.raises(D.DataFileMissing):
        D.fetch(rel)  # never downloads implicitly
    assert fake.urls == []
    path = D.fetch(rel, download=True)
    assert fake.urls == [D.KNOWN_FILES[rel].url]
    assert path == empty_data_dir / rel and path.is_file()
    assert D.read_idx(path).shape == (10000,)
    assert list(path.parent.iterdir()) == [path]  # no temporary files left


def test_download_bad_payload_or_network_error(empty_data_dir, monkeypatch):
    rel = "libsvm/w8a.t"
    monkeypatch.setattr(D.urllib.request, "urlopen", _FakeUrlopen(b"<html>rate limited</html>"))
    with pytest.raises(D.DataFileCorrupt, match="w8a.t"):
        D.fetch(rel, download=True)
    assert not (empty_data_dir / rel).exists()
    assert list((empty_data_dir / "libsvm").iterdir()) == []
    monkeypatch.setattr(D.urllib.request, "urlopen", _FakeUrlopen(urllib.error.URLError("no route to host")))
    with pytest.raises(D.DataFileMissing, match="no route to host"):
        D.fetch(rel, download=True)


def test_download_superconduct_extracts_train_csv(empty_data_dir, monkeypatch):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("train.csv", (FIXTURES / "superconduct_train_tiny.csv").read_bytes())
        zf.writestr("unique_m.csv", "H,He\n1,0\n")
    fake = _FakeUrlopen(buf.getvalue())
    monkeypatch.setattr(D.urllib.request, "urlopen", fake)
    path = D.fetch("superconduct/train.csv", download=True)
    assert fake.urls == [D.KNOWN_FILES["superconduct/train.csv"].url]
    assert path.read_bytes() == (FIXTURES / "superconduct_train_tiny.csv").read_bytes()
    X, y = D.load_superconduct()
    assert X.shape == (4, 81)


# ------------------------------------------------------------------------------------------------
# Preprocessing
# ------------------------------------------------------------------------------------------------
def test_standardize_with_bias():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 5)) * np.array([1e-3, 1.0, 1e3, 5.0, 1.0]) + np.array([0, 3, -7, 1e4, 0])
    X[:, 4] = 0.1  # constant column (its float mean is not exactly 0.1)
    Z = D.standardize_with_bias(X)
    assert Z.shape == (500, 6) and Z.dtype == np.float64
    assert np.all(Z[:, 0] == 1.0)
    np.testing.assert_allclose(Z[:, 1:5].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z[:, 1:5].var(axis=0), 1.0, rtol=1e-12)
    assert np.all(Z[:, 5] == 0.0)
    from sklearn.preprocessing import scale

    np.testing.assert_allclose(Z[:, 1:], scale(X), atol=1e-10)
    assert np.all(X[:, 4] == 0.1)  # input untouched
    with pytest.raises(ValueError, match="2-D"):
        D.standardize_with_bias(np.ones(3))


def test_standardize_a9a(real_data):
    X, _ = D.load_libsvm("a9a", split="test")
    Z = D.standardize_with_bias(X)
    assert Z.shape == (16281, 124)
    assert np.all(Z[:, 123] == 0.0)  # the all-zero last column of a9a.t stays zero
    np.testing.assert_allclose(Z[:, 1:123].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z[:, 1:123].std(axis=0), 1.0, rtol=1e-10)


# ------------------------------------------------------------------------------------------------
# Worker splits
# ------------------------------------------------------------------------------------------------
def test_a9a_heterogeneous_worker_sizes(real_data):
    labels = D.load_split_labels("a9a")
    assert labels.shape == (32561,) and labels.min() == 0 and labels.max() == 19
    workers = D.heterogeneous_worker_indices("a9a")
    assert [len(w) for w in workers] == A9A_WORKER_SIZES
    # a partition of all rows
    np.testing.assert_array_equal(np.sort(np.concatenate(workers)), np.arange(32561))
    # 2396 = first half (row order) of cluster 11 moved to cluster 17 (325 points)
    c11, c17 = np.flatnonzero(labels == 11), np.flatnonzero(labels == 17)
    assert len(c11) == 4792 and len(c17) == 325
    np.testing.assert_array_equal(workers[17], np.concatenate([c17, c11[:2396]]))
    np.testing.assert_array_equal(workers[11], c11[2396:])
    new = D.rebalance_clusters(labels)
    assert np.bincount(new, minlength=20).tolist() == A9A_WORKER_SIZES
    assert int((new != labels).sum()) == 2396


def test_rebalance_rule_on_a_toy():
    # cluster 0: 1 point (the LAST row), cluster 1: 100 points, cluster 2: 4 points, 3: 40 points.
    labels = np.array([1] * 100 + [2] * 4 + [3] * 40 + [0])
    groups = D.rebalance_cluster_indices(labels)
    # move 1: 100 > 10*1 -> rows 0..49 of cluster 1 go to cluster 0, appended after row 144
    # move 2: cluster 0 (51) > 10*4 -> its first 25 in its current order (row 144, rows 0..23)
    #         go to cluster 2. Sizes then: [26, 50, 29, 40], 50 <= 260: stop.
    assert [len(g) for g in groups] == [26, 50, 29, 40]
    np.testing.assert_array_equal(groups[2], [100, 101, 102, 103, 144] + list(range(24)))
    np.testing.assert_array_equal(groups[0], list(range(24, 50)))
    np.testing.assert_array_equal(groups[1], list(range(50, 100)))
    new = D.rebalance_clusters(labels)
    assert np.bincount(new).tolist() == [26, 50, 29, 40]
    assert new[144] == 2 and new[0] == 2 and new[30] == 0
    # already balanced: unchanged; ratio is a parameter; ties go to the lowest id
    same = np.array([0, 0, 1, 1, 2])
    np.testing.assert_array_equal(D.rebalance_clusters(same), same)
    np.testing.assert_array_equal(D.rebalance_clusters(np.array([0] * 5 + [1] * 2 + [2] * 2), ratio=2),
                                  [1, 1, 0, 0, 0, 1, 1, 2, 2])
    with pytest.raises(ValueError, match="ratio"):
        D.rebalance_clusters(same, ratio=1)
    with pytest.raises(ValueError, match=">= 0"):
        D.rebalance_clusters(np.array([0, -1]))


def test_other_split_label_files(real_data):
    for name, n in [("phishing", 11055), ("w8a", 49749)]:
        workers = D.heterogeneous_worker_indices(name)
        sizes = [len(w) for w in workers]
        assert len(workers) == 20 and sum(sizes) == n
        assert max(sizes) <= 10 * min(sizes)
        np.testing.assert_array_equal(np.sort(np.concatenate(workers)), np.arange(n))
    with pytest.raises(ValueError, match="no cluster labels"):
        D.load_split_labels("mnist")


def test_iid_worker_indices():
    parts = D.iid_worker_indices(103, 10, np.random.default_rng(1))
    assert len(parts) == 10
    assert sorted(len(p) for p in parts) == [10] * 7 + [11] * 3
    np.testing.assert_array_equal(np.sort(np.concatenate(parts)), np.arange(103))
    again = D.iid_worker_indices(103, 10, np.random.default_rng(1))
    assert all(np.array_equal(a, b) for a, b in zip(parts, again))
    other = D.iid_worker_indices(103, 10, np.random.default_rng(2))
    assert not all(np.array_equal(a, b) for a, b in zip(parts, other))
    assert not np.array_equal(np.concatenate(parts), np.arange(103))  # shuffled
    with pytest.raises(TypeError, match="Generator"):
        D.iid_worker_indices(10, 2, np.random.RandomState(0))
    with pytest.raises(ValueError, match="n_workers"):
        D.iid_worker_indices(3, 5, np.random.default_rng(0))


# ------------------------------------------------------------------------------------------------
# Quantum (KDD Cup 2004) and superconduct (UCI): real formats on tiny synthetic files
# ------------------------------------------------------------------------------------------------
def _parse_quantum_fixture():
    rows = [line.split() for line in (FIXTURES / "phy_train_tiny.dat").read_text().splitlines() if line.strip()]
    return np.array([[float(v) for v in r] for r in rows])


def test_load_quantum_fixture():
    raw = _parse_quantum_fixture()
    assert raw.shape == (6, 80)
    X, y = D.load_quantum(FIXTURES / "phy_train_tiny.dat")
    np.testing.assert_array_equal(y, [1, -1, -1, 1, 1, -1])
    assert X.shape == (6, 70) and not np.any(np.isin(X, [999, 9999]))
    kept = [j for j in range(78) if j not in (19, 20, 21, 43, 44, 45, 28, 54)]
    np.testing.assert_array_equal(X, raw[:, 2:][:, kept])
    Xk, _ = D.load_quantum(FIXTURES / "phy_train_tiny.dat", missing="keep")
    np.testing.assert_array_equal(Xk, raw[:, 2:])
    Xn, _ = D.load_quantum(FIXTURES / "phy_train_tiny.dat", missing="nan")
    assert Xn.shape == (6, 78) and int(np.isnan(Xn).sum()) == 12
    assert np.isnan(Xn[4, 44]) and np.isnan(Xn[2, 28]) and np.isnan(Xn[5, 54])
    np.testing.assert_array_equal(np.nan_to_num(Xn, nan=-1.0) == -1.0, np.isin(raw[:, 2:], [999, 9999]))


def test_load_quantum_errors(tmp_path, empty_data_dir):
    lines = (FIXTURES / "phy_train_tiny.dat").read_text().splitlines()
    bad = tmp_path / "short.dat"
    bad.write_text("\n".join(line.rsplit("\t", 2)[0] for line in lines) + "\n")  # drop a column
    with pytest.raises(D.DataFormatError, match="79 columns.*expected 80"):
        D.load_quantum(bad)
    badlab = tmp_path / "label.dat"
    badlab.write_text(lines[0].replace("\t1\t", "\t2\t", 1) + "\n")
    with pytest.raises(D.DataFormatError, match="class"):
        D.load_quantum(badlab)
    with pytest.raises(D.DataFileMissing) as info:
        D.load_quantum()
    assert "not available" in str(info.value) and "REPRO_DATA_DIR" in str(info.value)
    assert "quantum/phy_train.dat" in str(info.value)


def test_load_superconduct_fixture():
    with open(FIXTURES / "superconduct_train_tiny.csv", newline="") as f:
        rows = list(csv.reader(f))
    ref = np.array(rows[1:], dtype=float)
    X, y, names = D.load_superconduct(FIXTURES / "superconduct_train_tiny.csv", return_feature_names=True)
    assert X.shape == (4, 81) and y.shape == (4,)
    np.testing.assert_array_equal(X, ref[:, :81])
    np.testing.assert_array_equal(y, ref[:, 81])
    assert names == rows[0][:81] and names[0] == "number_of_elements"


def test_load_superconduct_errors(tmp_path, empty_data_dir):
    text = (FIXTURES / "superconduct_train_tiny.csv").read_text()
    bad = tmp_path / "renamed.csv"
    bad.write_text(text.replace("critical_temp", "tc", 1))
    with pytest.raises(D.DataFormatError, match="critical_temp"):
        D.load_superconduct(bad)
    ragged = tmp_path / "ragged.csv"
    lines = text.splitlines()
    ragged.write_text("\n".join(lines[:2] + [lines[2].rsplit(",", 1)[0]]) + "\n")
    with pytest.raises(D.DataFormatError):
        D.load_superconduct(ragged)
    with pytest.raises(D.DataFileMissing) as info:
        D.load_superconduct()
    msg = str(info.value)
    assert "not available" in msg and "REPRO_DATA_DIR" in msg and "archive.ics.uci.edu" in msg
    with pytest.raises(D.DataFileMissing, match="does not exist"):
        D.load_superconduct(tmp_path / "nope.csv")
