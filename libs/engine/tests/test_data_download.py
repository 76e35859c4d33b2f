"""Downloads against a local HTTP server on 127.0.0.1 serving bytes written here; nothing leaves the machine."""

import gzip
import hashlib
import http.server
import threading
from functools import partial

import numpy as np
import pytest
from test_idx import idx_bytes

from reslab_engine.config import DataConfig
from reslab_engine.data import download, load_dataset, locate
from reslab_engine.data.mnist import IDX_FILES
from reslab_engine.errors import DataError


@pytest.fixture
def server(tmp_path):
    """Serves tmp_path/www at http://127.0.0.1:<port>/ from a thread; yields (base url, folder)."""
    www = tmp_path / "www"
    www.mkdir()

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(www)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", www
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No system copy, and the cache in tmp_path: a download must really happen, and only there."""
    cache = tmp_path / "cache"
    monkeypatch.setenv(locate.DATA_ENV, str(cache))
    monkeypatch.setattr(locate, "SYSTEM_DIRS", {})
    return cache


def sha256(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


def test_verified_file_lands(server, tmp_path):
    base, www = server
    blob = b"release bytes " * 1000
    (www / "file.bin").write_bytes(blob)
    dest = tmp_path / "out" / "file.bin"
    assert download.download(base + "file.bin", sha256(blob), dest) == dest
    assert dest.read_bytes() == blob
    assert [p.name for p in dest.parent.iterdir()] == ["file.bin"]  # no temporary file left beside it


def test_hash_mismatch_names_url_and_both_hashes_and_leaves_nothing(server, tmp_path):
    base, www = server
    blob = b"tampered"
    (www / "file.bin").write_bytes(blob)
    dest = tmp_path / "out" / "file.bin"
    wrong = "0" * 64
    with pytest.raises(DataError) as caught:
        download.download(base + "file.bin", wrong, dest)
    message = caught.value.message
    assert base + "file.bin" in message and wrong in message and sha256(blob) in message
    assert list(dest.parent.iterdir()) == []


def test_missing_url_names_it(server, tmp_path):
    base, _ = server
    with pytest.raises(DataError, match="cannot download .*/absent.bin.*404"):
        download.download(base + "absent.bin", "0" * 64, tmp_path / "out" / "absent.bin")
    assert list((tmp_path / "out").iterdir()) == []


def write_release(www, dataset_rng) -> list[download.ReleaseFile]:
    """Small MNIST-format release files (gzip IDX) in www, with their true SHA-256 sums."""
    arrays = {
        "train-images-idx3-ubyte": dataset_rng.integers(0, 256, (30, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": np.arange(30, dtype=np.uint8) % 10,
        "t10k-images-idx3-ubyte": dataset_rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": np.arange(10, dtype=np.uint8),
    }
    releases = []
    for name in IDX_FILES:
        blob = gzip.compress(idx_bytes(arrays[name]))
        (www / f"{name}.gz").write_bytes(blob)
        releases.append((f"{name}.gz", blob))
    return releases


def test_mnist_downloads_into_the_cache_then_loads(server, isolated, monkeypatch):
    base, www = server
    releases = write_release(www, np.random.default_rng(0))
    table = [download.ReleaseFile(name, (base + "gone/" + name, base + name), sha256(blob)) for name, blob in releases]
    monkeypatch.setitem(download.SOURCES, "mnist", table)  # the first URL 404s: the mirror after it is used

    with pytest.raises(DataError, match="data.download") as caught:
        load_dataset(DataConfig(dataset="mnist", val_size=10))
    assert str(isolated / "mnist") in caught.value.message and caught.value.field == "data.dataset"

    data = load_dataset(DataConfig(dataset="mnist", val_size=10, download=True))
    assert data.train.images.shape == (20, 1, 28, 28) and len(data.val) == 10 and len(data.test) == 10
    assert sorted(p.name for p in (isolated / "mnist").iterdir()) == sorted(name for name, _ in releases)


def test_mnist_bad_hash_stops_the_load_and_leaves_no_file(server, isolated, monkeypatch):
    base, www = server
    releases = write_release(www, np.random.default_rng(1))
    table = [download.ReleaseFile(name, (base + name,), "f" * 64) for name, _ in releases]
    monkeypatch.setitem(download.SOURCES, "mnist", table)
    with pytest.raises(DataError, match="failed verification: expected SHA-256 f{64}, got [0-9a-f]{64}") as caught:
        load_dataset(DataConfig(dataset="mnist", val_size=10, download=True))
    assert caught.value.field == "data.download"
    assert list((isolated / "mnist").iterdir()) == []


def test_idx_files_in_the_data_dir_are_used_without_download(isolated, monkeypatch):
    folder = isolated / "fashion-mnist"
    folder.mkdir(parents=True)
    write_release(folder, np.random.default_rng(2))
    monkeypatch.setitem(download.SOURCES, "fashion-mnist", [])  # any download attempt would fetch nothing
    data = load_dataset(DataConfig(dataset="fashion-mnist", val_size=5, download=True))
    assert len(data.train) == 25 and data.num_classes == 10 and data.in_channels == 1


def test_missing_root_names_it(data_dir):
    with pytest.raises(DataError) as caught:
        load_dataset(DataConfig(dataset="fashion-mnist", root="nowhere"))
    assert caught.value.field == "data.root" and str(data_dir / "nowhere") in caught.value.message
