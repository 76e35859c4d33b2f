"""Fetch a data set's release files, verified by SHA-256, written to a temporary file and renamed into place.

The SHA-256 sums below could not be checked against the files themselves where this was written (no network);
each one is the sum published, identically, by several independent projects that pin these exact URLs (Keras'
`get_file(file_hash=...)` for CIFAR, torchvision's prototype data sets for Fashion-MNIST and CIFAR-100, and
others). The publishers themselves give MD5 only (Fashion-MNIST README; Krizhevsky's CIFAR page) or nothing
(MNIST). Debian's copy in /usr/share/datasets/fashion-mnist is recompressed, so it does not match these sums and
is read in place, never verified against them.
"""

import hashlib
import http.client
import logging
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError

log = logging.getLogger(__name__)

TIMEOUT_S = 60
CHUNK = 1 << 20


@dataclass(frozen=True)
class ReleaseFile:
    name: str
    urls: tuple[str, ...]  # tried in order; the first that answers with the right bytes wins
    sha256: str


_FASHION = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"  # zalandoresearch/fashion-mnist README
# yann.lecun.com has stopped serving the files (HTTP 403), so torchvision's mirror comes first.
_MNIST = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
_CIFAR = "https://www.cs.toronto.edu/~kriz/"

SOURCES: dict[str, list[ReleaseFile]] = {
    "fashion-mnist": [
        ReleaseFile(n, (_FASHION + n,), s)
        for n, s in [
            ("train-images-idx3-ubyte.gz", "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
            ("train-labels-idx1-ubyte.gz", "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
            ("t10k-images-idx3-ubyte.gz", "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
            ("t10k-labels-idx1-ubyte.gz", "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
        ]
    ],
    "mnist": [
        ReleaseFile(n, tuple(base + n for base in _MNIST), s)
        for n, s in [
            ("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
            ("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
            ("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
            ("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
        ]
    ],
    "cifar10": [
        ReleaseFile(
            "cifar-10-python.tar.gz",
            (_CIFAR + "cifar-10-python.tar.gz",),
            "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",  # MD5 c58f30108f718f92721af3b95e74349a
        )
    ],
    "cifar100": [
        ReleaseFile(
            "cifar-100-python.tar.gz",
            (_CIFAR + "cifar-100-python.tar.gz",),
            "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7",  # MD5 eb9058c3a382ffc7106e4002c42a8d85
        )
    ],
}


def download(url: str, sha256: str, dest: Path) -> Path:
    """Fetch `url` to `dest`: stream into a temporary file beside it, check the SHA-256, then rename, so `dest`
    either holds the verified bytes or does not exist."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as handle, urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            while chunk := response.read(CHUNK):
                digest.update(chunk)
                handle.write(chunk)
        got = digest.hexdigest()
        if got != sha256.lower():
            raise DataError(f"download of {url} failed verification: expected SHA-256 {sha256}, got {got}")
        os.replace(tmp, dest)
    except (OSError, urllib.error.URLError, http.client.HTTPException) as exc:
        raise DataError(f"cannot download {url}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def fetch(dataset: str, directory: Path) -> list[Path]:
    """Make sure every release file of `dataset` is in `directory`, downloading the missing ones."""
    if dataset not in SOURCES:
        raise DataError(f"data set '{dataset}' cannot be downloaded", "data.download")
    paths = []
    for release in SOURCES[dataset]:
        dest = directory / release.name
        if not dest.is_file():
            errors = []
            for url in release.urls:
                log.info("downloading %s to %s", url, dest)
                try:
                    download(url, release.sha256, dest)
                    break
                except DataError as exc:
                    errors.append(exc.message)
            else:
                raise DataError("; ".join(errors), "data.download")
        paths.append(dest)
    return paths
