"""Real data sets for the reproductions: local-first lookup, checksum checks, download, loaders.

Where files live
----------------
Every file is looked up in :func:`data_dir` (``$REPRO_DATA_DIR`` if set; else ``../shared/data``
beside the repository when that folder exists; else ``~/.cache/commeff-repro/data``: the same rule
as the Makefile, so ``repro`` and the notebooks find the data outside ``make`` too) under a fixed
relative path (``libsvm/a9a``,
``mnist/train-images-idx3-ubyte.gz``, ``splits/a9a-tsne-N20.txt``, ...). :data:`KNOWN_FILES` lists
each file with its expected checksum and its canonical download URL. :func:`fetch` checks the
checksum (once per file version: the result is cached per (path, size, mtime)) and, with
``download=True``, downloads a missing file from its canonical source first. Nothing is ever
downloaded implicitly.

Checksums
---------
* LIBSVM files (``libsvm/*``): SHA-256 of the file bytes as distributed on the LIBSVM binary data
  page (https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/binary.html).
* MNIST (``mnist/*.gz``): the MD5 of the *decompressed* idx content, i.e. the canonical MNIST
  MD5s (LeCun, Cortes & Burges, http://yann.lecun.com/exdb/mnist/). The ``.gz`` bytes are *not*
  checked: mirrors re-compress the files (our own offline copy of ``train-images-idx3-ubyte.gz``
  was re-compressed with ``gzip -9 -n``, so its ``.gz`` SHA-256 differs from the mirror's file while
  the content is identical). The SHA-256s of the offline copies are kept in
  ``MNIST_OFFLINE_COPY_GZ_SHA256`` for reference only.
* Cluster labels (``splits/*``): SHA-256 of the label files shipped by the authors of the MCM
  paper (Philippenko & Dieuleveut, "Preserved central model for faster bidirectional compression
  in distributed settings", NeurIPS 2021; code ``philipco/mcm-bidirectional-compression``). They
  have no public download URL of their own; the digests were computed on the project's offline
  copy.
* KDD Cup 2004 "quantum" and UCI "superconduct": no offline copy could be obtained while writing
  this module, so no checksum is known and none is checked (documented in their entries).

Loaders
-------
:func:`load_libsvm` (a9a, w8a, phishing), :func:`load_mnist`, :func:`load_quantum`,
:func:`load_superconduct`; preprocessing :func:`standardize_with_bias`; worker splits
:func:`load_split_labels`, :func:`rebalance_clusters`, :func:`rebalance_cluster_indices`,
:func:`heterogeneous_worker_indices`, :func:`iid_worker_indices`.
"""
from __future__ import annotations

import csv
import functools
import gzip
import hashlib
import os
import pathlib
import shutil
import struct
import tempfile
import urllib.request
import zipfile
import zlib
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ENV_VAR",
    "DEFAULT_DATA_DIR",
    "KnownFile",
    "KNOWN_FILES",
    "DataFileMissing",
    "DataFileCorrupt",
    "DataFormatError",
    "data_dir",
    "fetch",
    "verify",
    "LIBSVM_N_FEATURES",
    "LIBSVM_N_ROWS",
    "load_libsvm",
    "standardize_with_bias",
    "read_idx",
    "load_mnist",
    "load_split_labels",
    "rebalance_cluster_indices",
    "rebalance_clusters",
    "heterogeneous_worker_indices",
    "iid_worker_indices",
    "QUANTUM_MISSING_999_FEATURES",
    "QUANTUM_MISSING_9999_FEATURES",
    "load_quantum",
    "load_superconduct",
]

#: Environment variable naming the local data folder.
ENV_VAR = "REPRO_DATA_DIR"
#: Data folder used when :data:`ENV_VAR` is not set and ``SHARED_DATA_DIR`` does not exist.
DEFAULT_DATA_DIR = "~/.cache/commeff-repro/data"
#: The project's shared offline copy, ``../shared/data`` relative to the repository root; the data
#: folder when :data:`ENV_VAR` is not set and this folder exists (as in the Makefile).
SHARED_DATA_DIR = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data"
#: How the data folder is chosen, in words (for error messages).
DATA_DIR_RULE = (f"${ENV_VAR} if set, else ../shared/data beside the repository when it exists, "
                 f"else {DEFAULT_DATA_DIR}")


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------
class DataFileMissing(FileNotFoundError):
    """A data file is not in the local data folder (and was not, or could not be, downloaded)."""


class DataFileCorrupt(ValueError):
    """A data file's checksum differs from the expected one."""


class DataFormatError(ValueError):
    """A data file is present but malformed (bad magic number, wrong size, wrong columns...)."""


# ---------------------------------------------------------------------------------------------
# Known files: checksums and canonical URLs
# ---------------------------------------------------------------------------------------------
_LIBSVM_BINARY = "https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/binary/"
_MNIST_MIRROR = "https://ossci-datasets.s3.amazonaws.com/mnist/"

# SHA-256 of the LIBSVM files (from the project's SHA256SUMS of the offline copies, which are the
# files as distributed on the LIBSVM page).
SHA256_A9A = "f5d5ffd8d865ff41328e7ee043e4b020816914ff6843ff15b98905ddbedce906"
SHA256_A9A_T = "1f448a153f0320399a7e40836eb207655b0bde0f21fc941cc472193daa9f5de9"
SHA256_W8A = "6a9fa8fd5f524303240a5db07d4b3d4a51e8b7b4b20a914105d8e3e8c81640f2"
SHA256_W8A_T = "618929ecb01bebb841daec4cae4aa07b97832d29b08652452775598929547fde"
SHA256_PHISHING = "0cf66ef36604c393da9359b2e5d894a2df8aee31fd184633cefa138add2ef08a"

# Canonical MNIST MD5s of the decompressed idx files (what MNIST files are verified by).
MD5_MNIST_TRAIN_IMAGES = "6bbc9ace898e44ae57da46a324031adb"
MD5_MNIST_TRAIN_LABELS = "a25bea736e30d166cdddb491f175f624"
MD5_MNIST_TEST_IMAGES = "2646ac647ad5339dbf082846283269ea"
MD5_MNIST_TEST_LABELS = "27ae3e4e09519cfbb04c329615203637"

#: SHA-256 of the ``.gz`` files of the project's offline MNIST copy. For reference only: they are
#: not used for verification, because ``train-images-idx3-ubyte.gz`` was re-compressed there
#: (``gzip -9 -n``) and differs byte-wise from the file on the mirrors (same content).
MNIST_OFFLINE_COPY_GZ_SHA256 = {
    "mnist/train-images-idx3-ubyte.gz": "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971",
    "mnist/train-labels-idx1-ubyte.gz": "ec02e7948609e5754d47881c09b8afdd8dfa60600b9e5388c8c54a67069ec772",
    "mnist/t10k-images-idx3-ubyte.gz": "167310007f03058885c7e95e6c0b19c20de5c7fd3031f4cbdadc9014a523d80b",
    "mnist/t10k-labels-idx1-ubyte.gz": "fc607395669ec21321ea83e4b82c0544b7e8e63ff5b34337c06bc0a17cc0da3c",
}

# SHA-256 of the authors' t-SNE + Gaussian-mixture cluster label files (computed on the offline
# copy; the files have no public URL of their own).
SHA256_SPLIT_A9A = "e84d4a3ec3b6b27475b10bae16a69a8417fc8b3a598ef8d122cfe89be9b03363"
SHA256_SPLIT_PHISHING = "ea588d70a10622d5f6895736fb0c730f1cb1552f73a7fc70a570b2436436d59b"
SHA256_SPLIT_W8A = "1fbd98e51429bc110a8cd952e94704da48bad36d76cf94e76b6bacb705c74e1b"

_NOT_OFFLINE = (
    "This data set is not available offline here: the project's machines have no internet "
    "access and its shared offline data folder has no copy, so the loader was only tested on a "
    "small synthetic file in the same format. "
)


@dataclass(frozen=True)
class KnownFile:
    """A data file the project knows about.

    Attributes
    ----------
    relpath: path inside :func:`data_dir`.
    url: canonical download URL, or ``None`` when there is no direct public URL.
    sha256: expected SHA-256 of the file bytes, or ``None``.
    gzip_content_md5: expected MD5 of the gunzipped content (MNIST), or ``None``.
    archive_member: when ``url`` is a zip archive, the member to extract into ``relpath``.
    source: human-readable provenance (page, paper).
    note: extra information shown in error messages.
    """

    relpath: str
    url: str | None
    sha256: str | None = None
    gzip_content_md5: str | None = None
    archive_member: str | None = None
    source: str = ""
    note: str = ""

    @property
    def checked(self) -> bool:
        """Whether a checksum is known for this file."""
        return self.sha256 is not None or self.gzip_content_md5 is not None


def _libsvm(name: str, sha: str) -> KnownFile:
    return KnownFile(
        relpath=f"libsvm/{name}",
        url=_LIBSVM_BINARY + name,
        sha256=sha,
        source="LIBSVM data sets, binary classification "
        "(https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/binary.html)",
    )


def _mnist(name: str, md5: str) -> KnownFile:
    return KnownFile(
        relpath=f"mnist/{name}",
        url=_MNIST_MIRROR + name,
        gzip_content_md5=md5,
        source="MNIST (LeCun, Cortes & Burges, http://yann.lecun.com/exdb/mnist/), "
        "mirror https://ossci-datasets.s3.amazonaws.com/mnist/",
        note="Verified by the canonical MD5 of the decompressed content (mirrors re-compress).",
    )


def _split(name: str, sha: str) -> KnownFile:
    return KnownFile(
        relpath=f"splits/{name}-tsne-N20.txt",
        url=None,
        sha256=sha,
        source="cluster labels shipped with philipco/mcm-bidirectional-compression (MCM, NeurIPS 2021)",
        note="These label files have no public download URL of their own: they come with the "
        "authors' code repository (philipco/mcm-bidirectional-compression); copy them into the "
        "data folder by hand.",
    )


_KNOWN = [
    _libsvm("a9a", SHA256_A9A),
    _libsvm("a9a.t", SHA256_A9A_T),
    _libsvm("w8a", SHA256_W8A),
    _libsvm("w8a.t", SHA256_W8A_T),
    _libsvm("phishing", SHA256_PHISHING),
    _mnist("train-images-idx3-ubyte.gz", MD5_MNIST_TRAIN_IMAGES),
    _mnist("train-labels-idx1-ubyte.gz", MD5_MNIST_TRAIN_LABELS),
    _mnist("t10k-images-idx3-ubyte.gz", MD5_MNIST_TEST_IMAGES),
    _mnist("t10k-labels-idx1-ubyte.gz", MD5_MNIST_TEST_LABELS),
    _split("a9a", SHA256_SPLIT_A9A),
    _split("phishing", SHA256_SPLIT_PHISHING),
    _split("w8a", SHA256_SPLIT_W8A),
    KnownFile(
        relpath="quantum/phy_train.dat",
        url=None,
        source="KDD Cup 2004, quantum physics task (https://www.kdd.org/kdd-cup/view/kdd-cup-2004/Data, "
        "http://osmot.cs.cornell.edu/kddcup/datasets.html)",
        note=_NOT_OFFLINE
        + "The KDD Cup 2004 archive (a ~63 MB .tar.gz) is only handed out after a "
        "registration on http://osmot.cs.cornell.edu/kddcup/datasets.html, so it cannot be "
        "downloaded automatically: extract phy_train.dat from it into this path. No checksum is "
        "known, none is checked.",
    ),
    KnownFile(
        relpath="superconduct/train.csv",
        url="https://archive.ics.uci.edu/static/public/464/superconductivty%2Bdata.zip",
        archive_member="train.csv",
        source="UCI Machine Learning Repository, Superconductivty Data (Hamidieh 2018), "
        "https://archive.ics.uci.edu/dataset/464/superconductivty+data",
        note=_NOT_OFFLINE + "fetch(..., download=True) extracts train.csv from the UCI zip archive. "
        "No checksum is known, none is checked.",
    ),
]

#: Every known file, by relative path.
KNOWN_FILES: dict[str, KnownFile] = {k.relpath: k for k in _KNOWN}


# ---------------------------------------------------------------------------------------------
# Folder, verification, fetch
# ---------------------------------------------------------------------------------------------
def data_dir() -> pathlib.Path:
    """The local data folder: ``$REPRO_DATA_DIR`` if set (and non-empty); else
    ``SHARED_DATA_DIR`` (``../shared/data`` relative to the repository) when it exists; else
    ``~/.cache/commeff-repro/data``. The folder need not exist."""
    value = os.environ.get(ENV_VAR, "").strip()
    if value:
        return pathlib.Path(value).expanduser()
    if SHARED_DATA_DIR.is_dir():
        return SHARED_DATA_DIR
    return pathlib.Path(DEFAULT_DATA_DIR).expanduser()


def _env_state() -> str:
    env = os.environ.get(ENV_VAR)
    return f"{ENV_VAR}={env!r}" if env else f"{ENV_VAR} is not set"


def _known(relpath: str) -> KnownFile:
    try:
        return KNOWN_FILES[relpath]
    except KeyError:
        raise KeyError(
            f"unknown data file {relpath!r}; known files: {', '.join(sorted(KNOWN_FILES))}"
        ) from None


def _hash_file(path: pathlib.Path, algo: str, gunzip: bool) -> str:
    h = hashlib.new(algo)
    try:
        with (gzip.open(path, "rb") if gunzip else open(path, "rb")) as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        if not gunzip:
            raise
        return f"<not a readable gzip file: {exc}>"
    return h.hexdigest()


# (resolved path, size, mtime_ns, algo, gunzip) -> hex digest. Hashing a file again only happens
# when it changed (or was replaced): repeated loads are fast.
_DIGEST_CACHE: dict[tuple, str] = {}


def _file_key(path: pathlib.Path) -> tuple[str, int, int]:
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


def _digest(path: pathlib.Path, algo: str, gunzip: bool) -> str:
    key = _file_key(path) + (algo, gunzip)
    if key not in _DIGEST_CACHE:
        _DIGEST_CACHE[key] = _hash_file(path, algo, gunzip)
    return _DIGEST_CACHE[key]


def verify(relpath: str, path: pathlib.Path | str | None = None) -> pathlib.Path:
    """Check the checksum of the known file ``relpath`` (at ``path``, default its place in
    :func:`data_dir`). Returns the path; raises :class:`DataFileCorrupt` on a mismatch.

    Files without a known checksum (quantum, superconduct) are returned unchecked. The digest is
    cached per (path, size, mtime), so repeated calls on an unchanged file cost one ``stat``.
    """
    kf = _known(relpath)
    p = pathlib.Path(path) if path is not None else data_dir() / relpath
    checks = []
    if kf.sha256 is not None:
        checks.append(("sha256", False, kf.sha256, "SHA-256"))
    if kf.gzip_content_md5 is not None:
        checks.append(("md5", True, kf.gzip_content_md5, "MD5 of the decompressed content"))
    for algo, gunzip, expected, what in checks:
        actual = _digest(p, algo, gunzip)
        if actual != expected:
            raise DataFileCorrupt(
                f"data file {relpath!r} at {p} failed its checksum: expected {what} {expected}, "
                f"got {actual}. Delete it and fetch it again"
                + (f" from {kf.url}" if kf.url else "")
                + f" (the data folder is {DATA_DIR_RULE}; {_env_state()})."
            )
    return p


def _missing_message(kf: KnownFile, folder: pathlib.Path, extra: str = "") -> str:
    msg = (
        f"data file {kf.relpath!r} not found: looked for {folder / kf.relpath} in the data folder "
        f"{folder} (the data folder is {DATA_DIR_RULE}; {_env_state()}). "
    )
    if kf.url:
        msg += (
            f"Download it from {kf.url}"
            + (f" (member {kf.archive_member!r} of the archive)" if kf.archive_member else "")
            + f" into that path, or call fetch({kf.relpath!r}, download=True). "
        )
    else:
        msg += "There is no public download URL for it. "
    if kf.source:
        msg += f"Source: {kf.source}. "
    if kf.note:
        msg += kf.note
    return (msg + extra).strip()


def _download(kf: KnownFile, dest: pathlib.Path, timeout: float = 60.0) -> None:
    """Download ``kf`` to ``dest`` (atomically: a temporary file, verified, then renamed)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmpname = tempfile.mkstemp(prefix=dest.name + ".", suffix=".part", dir=dest.parent)
    tmp = pathlib.Path(tmpname)
    try:
        with os.fdopen(fd, "wb") as out:
            with urllib.request.urlopen(kf.url, timeout=timeout) as resp:
                shutil.copyfileobj(resp, out, 1 << 20)
        if kf.archive_member is not None:
            try:
                with zipfile.ZipFile(tmp) as zf:
                    payload = zf.read(kf.archive_member)
            except (zipfile.BadZipFile, KeyError) as exc:
                raise DataFormatError(
                    f"downloaded archive {kf.url} for {kf.relpath!r} has no readable member "
                    f"{kf.archive_member!r}: {exc}"
                ) from exc
            tmp.write_bytes(payload)
        verify(kf.relpath, tmp)
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()


def fetch(relpath: str, download: bool = False) -> pathlib.Path:
    """Return the local path of the known data file ``relpath``, checksum verified.

    Looks in :func:`data_dir` first. If the file is missing and ``download`` is true and the file
    has a public URL, downloads it there with :mod:`urllib` (then verifies it); otherwise raises
    :class:`DataFileMissing`, whose message names the file, the folder searched, the
    ``REPRO_DATA_DIR`` variable and the URL. A checksum mismatch raises :class:`DataFileCorrupt`
    naming the file and both checksums.
    """
    kf = _known(relpath)
    folder = data_dir()
    path = folder / relpath
    if not path.is_file():
        if not download:
            raise DataFileMissing(_missing_message(kf, folder))
        if kf.url is None:
            raise DataFileMissing(
                _missing_message(kf, folder, extra=" (download=True was given, but there is nothing to download.)")
            )
        try:
            _download(kf, path)
        except OSError as exc:  # URLError is an OSError
            raise DataFileMissing(
                _missing_message(kf, folder, extra=f" Download from {kf.url} failed: {exc}")
            ) from exc
    return verify(relpath, path)


# ---------------------------------------------------------------------------------------------
# LIBSVM
# ---------------------------------------------------------------------------------------------
#: Number of features of the LIBSVM sets (test files may use fewer: a9a.t's largest index is 122).
LIBSVM_N_FEATURES = {"a9a": 123, "w8a": 300, "phishing": 68}
#: Number of rows of the LIBSVM files.
LIBSVM_N_ROWS = {"a9a": 32561, "a9a.t": 16281, "w8a": 49749, "w8a.t": 14951, "phishing": 11055}


@functools.lru_cache(maxsize=8)
def _parse_svmlight(path: str, size: int, mtime_ns: int, n_features: int):
    from sklearn.datasets import load_svmlight_file

    try:
        X, y = load_svmlight_file(path, n_features=n_features, zero_based=False, dtype=np.float64)
    except ValueError as exc:
        raise DataFormatError(f"cannot parse LIBSVM file {path}: {exc}") from exc
    X.sort_indices()
    return X, y


def _pm1_labels(y: np.ndarray, what: str) -> np.ndarray:
    values = set(np.unique(y).tolist())
    if values <= {-1.0, 1.0}:
        return y.astype(np.float64, copy=True)
    if values <= {0.0, 1.0}:
        return 2.0 * y.astype(np.float64) - 1.0
    raise DataFormatError(f"{what}: labels {sorted(values)} are neither in {{-1, 1}} nor in {{0, 1}}")


def load_libsvm(name: str, split: str = "train", dense: bool = True):
    """Load a LIBSVM binary classification set: ``name`` in {"a9a", "w8a", "phishing"}.

    Source: LIBSVM data page, binary section (Chang & Lin); a9a is the UCI Adult data (Platt's
    binarisation), w8a is Platt's web-page data, phishing is the UCI Phishing Websites data
    (Mohammad et al.) in the normalised form distributed there (each row has 30 non-zeros equal
    to 0.18257 ~ 1/sqrt(30)).

    Uses :func:`sklearn.datasets.load_svmlight_file` with ``n_features`` fixed (a9a 123, w8a 300,
    phishing 68; a9a.t only reaches index 122) and 1-based indices. ``split="test"`` reads
    ``a9a.t`` / ``w8a.t``; phishing has no test file. Returns ``(X, y)``: ``X`` float64 (dense
    ndarray if ``dense``, else a CSR matrix), ``y`` float64 in {-1, +1} (phishing's {0, 1} labels
    are mapped 0 -> -1). The parse is cached; every call returns fresh copies.
    """
    if name not in LIBSVM_N_FEATURES:
        raise ValueError(f"unknown LIBSVM data set {name!r}; choose one of {sorted(LIBSVM_N_FEATURES)}")
    if split == "train":
        fname = name
    elif split == "test":
        if name == "phishing":
            raise ValueError(
                "the LIBSVM phishing data set has no test file (only 'phishing'); use split='train'"
            )
        fname = name + ".t"
    else:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    path = fetch(f"libsvm/{fname}")
    key = _file_key(path)
    X, y = _parse_svmlight(key[0], key[1], key[2], LIBSVM_N_FEATURES[name])
    y = _pm1_labels(y, f"libsvm/{fname}")
    X = X.toarray() if dense else X.copy()
    return X, y


def standardize_with_bias(X) -> np.ndarray:
    """Standardise every column to zero mean and unit variance, then prepend a column of ones.

    As in the MCM convex experiments (Philippenko & Dieuleveut 2021; the preprocessing of
    scikit-learn's ``preprocessing.scale``: population standard deviation, ddof=0). Constant
    columns become exactly zero (no division by zero). Accepts a dense array or a scipy sparse
    matrix (densified). Returns a new float64 array of shape ``(n, d + 1)``, column 0 all ones.
    """
    if hasattr(X, "toarray"):
        X = X.toarray()
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"standardize_with_bias expects a 2-D array, got shape {X.shape}")
    n, d = X.shape
    if n == 0:
        raise ValueError("standardize_with_bias: X has no rows")
    Z = X - X.mean(axis=0)
    Z -= Z.mean(axis=0)  # second pass: removes the rounding error of a large mean
    std = np.sqrt(np.mean(Z * Z, axis=0))
    constant = np.ptp(X, axis=0) == 0
    std[constant] = 1.0
    Z /= std
    Z -= Z.mean(axis=0)
    Z[:, constant] = 0.0
    out = np.empty((n, d + 1), dtype=np.float64)
    out[:, 0] = 1.0
    out[:, 1:] = Z
    return out


# ---------------------------------------------------------------------------------------------
# MNIST / idx
# ---------------------------------------------------------------------------------------------
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _idx_from_bytes(data: bytes, name: str) -> np.ndarray:
    if len(data) < 4:
        raise DataFormatError(f"{name}: idx file too short ({len(data)} bytes) for its 4-byte magic number")
    zero1, zero2, code, ndim = struct.unpack(">BBBB", data[:4])
    if zero1 != 0 or zero2 != 0 or code not in _IDX_DTYPES or ndim == 0:
        raise DataFormatError(
            f"{name}: bad idx magic number 0x{data[:4].hex()} (expected 0x0000TTDD with type code "
            f"TT in {{08,09,0B,0C,0D,0E}} and DD >= 1 dimensions)"
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataFormatError(f"{name}: idx header announces {ndim} dimensions but the file has {len(data)} bytes")
    dims = struct.unpack(">" + "I" * ndim, data[4:header])
    dtype = _IDX_DTYPES[code]
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(data) - header != expected:
        raise DataFormatError(
            f"{name}: idx header announces shape {dims} of {dtype} ({expected} data bytes) but the "
            f"file holds {len(data) - header} data bytes"
        )
    arr = np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="), copy=True)


def read_idx(path) -> np.ndarray:
    """Read an idx file (the MNIST format of LeCun et al., http://yann.lecun.com/exdb/mnist/),
    gzip-compressed or not (detected from the gzip magic bytes).

    The 4-byte magic number (two zero bytes, a type code, the number of dimensions), the
    big-endian uint32 dimensions and the exact data size are checked; a malformed file raises
    :class:`DataFormatError` naming the file.
    """
    path = pathlib.Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataFormatError(f"{path}: corrupt gzip stream: {exc}") from exc
    return _idx_from_bytes(raw, str(path))


@functools.lru_cache(maxsize=8)
def _read_idx_cached(path: str, size: int, mtime_ns: int) -> np.ndarray:
    arr = read_idx(path)
    arr.setflags(write=False)
    return arr


_MNIST_FILES = {
    "train": ("mnist/train-images-idx3-ubyte.gz", "mnist/train-labels-idx1-ubyte.gz", 60000),
    "test": ("mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz", 10000),
}


def load_mnist(split: str = "train"):
    """Load MNIST (LeCun, Cortes & Burges): ``split`` "train" (60000) or "test" (10000).

    Returns ``(images, labels)``: ``images`` uint8 of shape ``(n, 28, 28)``, ``labels`` uint8 of
    shape ``(n,)`` with values 0..9. Files are verified by the canonical MD5 of their decompressed
    content and read by :func:`read_idx` (magic numbers 2051 / 2049 and sizes checked). Parsed
    arrays are cached; each call returns fresh copies.
    """
    if split not in _MNIST_FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    img_rel, lab_rel, n = _MNIST_FILES[split]
    img_path, lab_path = fetch(img_rel), fetch(lab_rel)
    images = _read_idx_cached(*_file_key(img_path))
    labels = _read_idx_cached(*_file_key(lab_path))
    if images.dtype != np.uint8 or images.shape != (n, 28, 28):
        raise DataFormatError(f"{img_path}: expected uint8 images of shape {(n, 28, 28)}, got {images.dtype} {images.shape}")
    if labels.dtype != np.uint8 or labels.shape != (n,):
        raise DataFormatError(f"{lab_path}: expected {n} uint8 labels, got {labels.dtype} {labels.shape}")
    if labels.max() > 9:
        raise DataFormatError(f"{lab_path}: label {int(labels.max())} outside 0..9")
    return images.copy(), labels.copy()


# ---------------------------------------------------------------------------------------------
# Worker splits
# ---------------------------------------------------------------------------------------------
_SPLIT_DATASETS = ("a9a", "phishing", "w8a")


def load_split_labels(dataset: str) -> np.ndarray:
    """The authors' heterogeneous 20-worker cluster labels for ``dataset`` in {a9a, phishing, w8a}.

    Read from ``splits/<dataset>-tsne-N20.txt`` (one integer per row of the LIBSVM training file,
    in file order). They come from a t-SNE embedding followed by a 20-component Gaussian mixture,
    computed by the authors of MCM (Philippenko & Dieuleveut 2021); see
    :func:`heterogeneous_worker_indices`. Returns an int64 array; its length is checked against
    the number of rows of the data file.
    """
    if dataset not in _SPLIT_DATASETS:
        raise ValueError(f"no cluster labels for {dataset!r}; available: {list(_SPLIT_DATASETS)}")
    rel = f"splits/{dataset}-tsne-N20.txt"
    path = fetch(rel)
    try:
        labels = np.loadtxt(path, dtype=np.int64, ndmin=1)
    except ValueError as exc:
        raise DataFormatError(f"{path}: expected one integer per line: {exc}") from exc
    if labels.ndim != 1 or labels.shape[0] != LIBSVM_N_ROWS[dataset]:
        raise DataFormatError(
            f"{path}: {labels.shape[0] if labels.ndim == 1 else labels.shape} labels, expected one per "
            f"row of libsvm/{dataset} ({LIBSVM_N_ROWS[dataset]})"
        )
    if labels.min() < 0:
        raise DataFormatError(f"{path}: negative cluster label {int(labels.min())}")
    return labels


def rebalance_cluster_indices(labels, ratio: float = 10, n_clusters: int | None = None) -> list[np.ndarray]:
    """Apply the MCM rebalancing rule to cluster labels; return each cluster's row indices.

    Rule (Philippenko & Dieuleveut 2021, as in their code; see the project's MCM notes): while
    the largest cluster has more than ``ratio`` times the points of the smallest, the first half
    (``floor(size / 2)`` points, in the cluster's current order) of the largest cluster is moved
    to the smallest, appended after the smallest cluster's own points. Ties go to the lowest
    cluster id (``argmax`` / ``argmin``). A cluster's order is therefore: its own rows in row
    order, then rows it received, in the order received; this order decides which rows a later
    move takes. It matters for w8a, which needs two moves (cluster 8 -> 3, then 3 -> 10): a
    variant that re-sorts each cluster by row number would put 294 rows in different workers
    (same sizes). phishing and a9a need one move each.

    ``n_clusters`` defaults to ``max(labels) + 1`` (empty clusters count, as size 0).
    ``ratio`` must be >= 2 (which guarantees termination). Returns a list of int64 arrays,
    one per cluster id.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(f"labels must be a non-empty 1-D array, got shape {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        if not np.all(np.equal(np.mod(labels, 1), 0)):
            raise ValueError("labels must be integers")
        labels = labels.astype(np.int64)
    if labels.min() < 0:
        raise ValueError(f"labels must be >= 0, got {int(labels.min())}")
    if not ratio >= 2:
        raise ValueError(f"ratio must be >= 2, got {ratio}")
    k = int(labels.max()) + 1 if n_clusters is None else int(n_clusters)
    if k <= int(labels.max()):
        raise ValueError(f"n_clusters={n_clusters} but labels go up to {int(labels.max())}")
    groups = [np.flatnonzero(labels == c).astype(np.int64) for c in range(k)]
    while True:
        sizes = np.array([g.size for g in groups])
        i_min, i_max = int(np.argmin(sizes)), int(np.argmax(sizes))
        if not sizes[i_max] > ratio * sizes[i_min]:
            return groups
        half = int(sizes[i_max]) // 2
        if half == 0:  # only possible when the largest cluster has one point and others none
            raise ValueError("cannot rebalance: the largest cluster has a single point")
        groups[i_min] = np.concatenate([groups[i_min], groups[i_max][:half]])
        groups[i_max] = groups[i_max][half:]


def rebalance_clusters(labels, ratio: float = 10) -> np.ndarray:
    """Cluster labels after the MCM rebalancing rule (see :func:`rebalance_cluster_indices`).

    Returns a new int64 label array (same cluster ids, some rows moved from the largest to the
    smallest cluster). The within-worker order of the authors' code is kept by
    :func:`rebalance_cluster_indices`, not by labels.
    """
    labels = np.asarray(labels)
    groups = rebalance_cluster_indices(labels, ratio=ratio)
    out = np.empty(labels.shape[0], dtype=np.int64)
    for c, idx in enumerate(groups):
        out[idx] = c
    return out


def heterogeneous_worker_indices(dataset: str, ratio: float = 10) -> list[np.ndarray]:
    """Row indices of each worker of the heterogeneous (non-i.i.d.) 20-worker split of ``dataset``.

    The authors' t-SNE / Gaussian-mixture cluster labels (:func:`load_split_labels`) followed by
    the rebalancing rule (:func:`rebalance_cluster_indices`); worker ``i`` is cluster ``i``.
    Indices refer to rows of the LIBSVM training file, in the order the authors' code stacks them
    (own rows in file order, then received rows). For a9a the sizes are
    [1059, 1645, 1627, 2180, 973, 535, 2065, 3225, 938, 2509, 3185, 2396, 1475, 809, 750, 669,
    1092, 2721, 1141, 1567].
    """
    return rebalance_cluster_indices(load_split_labels(dataset), ratio=ratio, n_clusters=20)


def iid_worker_indices(n_rows: int, n_workers: int, rng: np.random.Generator) -> list[np.ndarray]:
    """A random i.i.d. split of ``n_rows`` rows over ``n_workers`` workers.

    A uniformly random permutation from the explicit generator ``rng``, cut into ``n_workers``
    consecutive pieces whose sizes differ by at most one (the first ``n_rows % n_workers`` get
    one more row). Every row is used exactly once. (The MCM authors' own i.i.d. split instead cut
    the file in file order into ``n_rows // n_workers`` rows per worker, dropping the remainder.)
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (e.g. np.random.default_rng(seed)), got {type(rng).__name__}")
    n_rows, n_workers = int(n_rows), int(n_workers)
    if n_workers < 1:
        raise ValueError(f"n_workers must be >= 1, got {n_workers}")
    if n_rows < n_workers:
        raise ValueError(f"n_rows={n_rows} is smaller than n_workers={n_workers}: some worker would have no data")
    perm = rng.permutation(n_rows).astype(np.int64)
    return [np.asarray(p) for p in np.array_split(perm, n_workers)]


# ---------------------------------------------------------------------------------------------
# KDD Cup 2004 quantum physics, UCI superconduct (not available offline here)
# ---------------------------------------------------------------------------------------------
#: 0-based feature indices (after removing the id and label columns) that code "not available"
#: as 999: file columns 22, 23, 24, 46, 47, 48 (1-based, counting the id), attributes 20-22 and
#: 44-46 (1-based), per the KDD Cup 2004 data description.
QUANTUM_MISSING_999_FEATURES = (19, 20, 21, 43, 44, 45)
#: 0-based feature indices coding "not available" as 9999: file columns 31 and 57 (attributes 29, 55).
QUANTUM_MISSING_9999_FEATURES = (28, 54)
QUANTUM_N_FEATURES = 78


def _resolve_local(relpath: str, path) -> pathlib.Path:
    if path is not None:
        p = pathlib.Path(path)
        if not p.is_file():
            kf = _known(relpath)
            raise DataFileMissing(
                f"data file {str(p)!r} (given as path= for {relpath!r}) does not exist. "
                + (kf.note or "")
            )
        return p
    return fetch(relpath)


def _load_text_matrix(p: pathlib.Path, what: str, **kw) -> np.ndarray:
    try:
        arr = np.loadtxt(p, dtype=np.float64, ndmin=2, **kw)
    except ValueError as exc:
        raise DataFormatError(f"{p}: cannot parse as the {what} format: {exc}") from exc
    if arr.shape[0] == 0:
        raise DataFormatError(f"{p}: no data rows")
    return arr


def load_quantum(path=None, missing: str = "drop"):
    """Load the KDD Cup 2004 quantum physics training set ``phy_train.dat``.

    Source: KDD Cup 2004 (Caruana, Joachims & Backstrom), https://www.kdd.org/kdd-cup/view/kdd-cup-2004/Data.
    Format: one example per line, whitespace separated (tabs in the distributed file; trailing
    whitespace is accepted): example id, class (1 positive, 0 negative), then 78 features;
    50000 rows in the real file. Missing values are coded 999 in attributes 20-22 and 44-46 and
    9999 in attributes 29 and 55 (1-based attribute numbers; 0-based in
    :data:`QUANTUM_MISSING_999_FEATURES` / :data:`QUANTUM_MISSING_9999_FEATURES`).

    ``missing`` says what to do with them:

    * ``"drop"`` (default): remove those 8 columns, leaving 70 features. This is what the
      authors' code (Philippenko & Dieuleveut) does: it drops every column containing a 999 or
      9999 (on the real file, these columns). Their code afterwards also drops columns whose
      standard deviation is below 1e-6; that is left to the caller.
    * ``"nan"``: keep 78 columns, the sentinel values in those columns replaced by NaN.
    * ``"keep"``: the raw 78 columns.

    ``path`` defaults to ``quantum/phy_train.dat`` in :func:`data_dir`. When the file is absent
    :class:`DataFileMissing` says so (no offline copy exists here, and the KDD Cup archive needs
    a registration, so it cannot be downloaded automatically).

    Returns ``(X, y)``: ``X`` float64 of shape ``(n, 70 or 78)``, ``y`` float64 in {-1, +1}
    (class 0 -> -1).
    """
    if missing not in ("drop", "nan", "keep"):
        raise ValueError(f"missing must be 'drop', 'nan' or 'keep', got {missing!r}")
    p = _resolve_local("quantum/phy_train.dat", path)
    arr = _load_text_matrix(p, "KDD Cup 2004 phy_train.dat")
    if arr.shape[1] != 2 + QUANTUM_N_FEATURES:
        raise DataFormatError(
            f"{p}: {arr.shape[1]} columns per line, expected {2 + QUANTUM_N_FEATURES} "
            "(example id, class, 78 features)"
        )
    y = arr[:, 1]
    if not np.all((y == 0) | (y == 1)):
        bad = np.flatnonzero((y != 0) & (y != 1))[0]
        raise DataFormatError(f"{p}: line {bad + 1}: class {y[bad]!r} is not 0 or 1")
    X = arr[:, 2:].copy()
    if missing == "drop":
        drop = set(QUANTUM_MISSING_999_FEATURES) | set(QUANTUM_MISSING_9999_FEATURES)
        X = X[:, [j for j in range(QUANTUM_N_FEATURES) if j not in drop]]
    elif missing == "nan":
        for cols, code in ((QUANTUM_MISSING_999_FEATURES, 999.0), (QUANTUM_MISSING_9999_FEATURES, 9999.0)):
            sub = X[:, cols]
            sub[sub == code] = np.nan
            X[:, cols] = sub
    return X, 2.0 * y - 1.0


SUPERCONDUCT_N_FEATURES = 81
SUPERCONDUCT_TARGET = "critical_temp"


def load_superconduct(path=None, return_feature_names: bool = False):
    """Load the UCI "Superconductivty Data" ``train.csv`` (Hamidieh, Comput. Mater. Sci. 2018).

    Source: https://archive.ics.uci.edu/dataset/464/superconductivty+data (zip archive holding
    ``train.csv`` and ``unique_m.csv``). Format: comma separated with a header line, 81 feature
    columns then the target ``critical_temp`` (in K); 21263 rows in the real file. The header is
    checked (82 columns, last named ``critical_temp``).

    Returns ``(X, y)`` (float64, ``X`` of shape ``(n, 81)``; raw values, not standardised: the
    authors of Artemis/MCM standardise features *and* target with ``sklearn.preprocessing.scale``),
    plus the feature names if ``return_feature_names``. ``path`` defaults to
    ``superconduct/train.csv`` in :func:`data_dir`; when absent, :class:`DataFileMissing` says that
    no offline copy is available here.
    """
    p = _resolve_local("superconduct/train.csv", path)
    with open(p, newline="", encoding="utf-8") as f:
        header = next(csv.reader(f), None)
    if header is None:
        raise DataFormatError(f"{p}: empty file, expected a CSV header line")
    header = [h.strip() for h in header]
    if len(header) != SUPERCONDUCT_N_FEATURES + 1 or header[-1] != SUPERCONDUCT_TARGET:
        raise DataFormatError(
            f"{p}: header has {len(header)} columns ending with {header[-1]!r}; expected "
            f"{SUPERCONDUCT_N_FEATURES} features followed by {SUPERCONDUCT_TARGET!r}"
        )
    arr = _load_text_matrix(p, "UCI superconduct train.csv", delimiter=",", skiprows=1)
    if arr.shape[1] != SUPERCONDUCT_N_FEATURES + 1:
        raise DataFormatError(f"{p}: {arr.shape[1]} values per row, expected {SUPERCONDUCT_N_FEATURES + 1}")
    if not np.all(np.isfinite(arr)):
        raise DataFormatError(f"{p}: non-finite values")
    X, y = arr[:, :-1].copy(), arr[:, -1].copy()
    if return_feature_names:
        return X, y, header[:-1]
    return X, y
