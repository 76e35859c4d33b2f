"""CIFAR loaders on small files in the real release format (pickle protocol 2, bytes keys), written here."""

import io
import os
import pickle
import tarfile

import numpy as np
import pytest

from reslab_engine.config import DataConfig
from reslab_engine.data import load_dataset, locate
from reslab_engine.data.cifar import load_pickle, safe_extract
from reslab_engine.errors import DataError

PER_BATCH = 50


def batch(rng, label_key: bytes, num_classes: int, start: int) -> dict:
    """One batch dict shaped like the release's: N x 3072 uint8 data (RRR..GGG..BBB), labels a list of ints."""
    return {
        b"batch_label": b"training batch",
        label_key: [int((start + i) % num_classes) for i in range(PER_BATCH)],
        b"data": rng.integers(0, 256, (PER_BATCH, 3072), dtype=np.uint8),
        b"filenames": [f"img_{start + i}.png".encode() for i in range(PER_BATCH)],
    }


def write_pickle(path, obj) -> None:
    path.write_bytes(pickle.dumps(obj, protocol=2))


def write_cifar10(folder, rng) -> dict[str, dict]:
    folder.mkdir(parents=True)
    batches = {f"data_batch_{i}": batch(rng, b"labels", 10, i * PER_BATCH) for i in range(1, 6)}
    batches["test_batch"] = batch(rng, b"labels", 10, 0)
    for name, content in batches.items():
        write_pickle(folder / name, content)
    names = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse", b"ship", b"truck"]
    write_pickle(folder / "batches.meta", {b"label_names": names, b"num_vis": 3072, b"num_cases_per_batch": 10000})
    return batches


def write_cifar100(folder, rng) -> dict[str, dict]:
    folder.mkdir(parents=True)
    batches = {}
    for name in ("train", "test"):
        content = batch(rng, b"fine_labels", 100, 0)
        content[b"coarse_labels"] = [label // 5 for label in content[b"fine_labels"]]
        batches[name] = content
        write_pickle(folder / name, content)
    write_pickle(folder / "meta", {b"fine_label_names": [b"c%d" % i for i in range(100)], b"coarse_label_names": []})
    return batches


def tar_folder(archive, folder) -> None:
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname=folder.name)


@pytest.fixture
def no_env(monkeypatch, tmp_path):
    monkeypatch.setenv(locate.DATA_ENV, str(tmp_path / "env"))


def test_cifar10_from_root_keeps_release_order(data_dir, no_env):
    # data.root names the folder above the release folder.
    batches = write_cifar10(data_dir / "cifar" / "cifar-10-batches-py", np.random.default_rng(0))
    data = load_dataset(DataConfig(dataset="cifar10", root="cifar", val_size=PER_BATCH))
    assert data.num_classes == 10 and data.in_channels == 3
    assert data.train.images.shape == (4 * PER_BATCH, 3, 32, 32) and data.train.images.dtype.is_floating_point is False
    # The held-out validation split is the LAST valSize training images: here all of data_batch_5.
    last = batches["data_batch_5"]
    assert np.array_equal(data.val.images.numpy().reshape(PER_BATCH, 3072), last[b"data"])
    assert data.val.labels.tolist() == last[b"labels"]
    # Pixel layout: the first 1024 values are the red plane, row-major.
    first = batches["data_batch_1"][b"data"][0]
    assert np.array_equal(data.train.images[0, 0].numpy(), first[:1024].reshape(32, 32))
    assert np.array_equal(data.train.images[0, 2].numpy(), first[2048:].reshape(32, 32))
    assert data.test.labels.tolist() == batches["test_batch"][b"labels"]


def test_cifar100_uses_fine_labels(data_dir, no_env):
    # data.root names the release folder itself.
    batches = write_cifar100(data_dir / "cifar-100-python", np.random.default_rng(1))
    data = load_dataset(DataConfig(dataset="cifar100", root="cifar-100-python", val_size=10))
    assert data.num_classes == 100
    assert data.train.labels.tolist() + data.val.labels.tolist() == batches["train"][b"fine_labels"]


def test_cifar10_extracted_from_the_archive_in_the_data_dir(tmp_path, monkeypatch):
    source = tmp_path / "src"
    write_cifar10(source / "cifar-10-batches-py", np.random.default_rng(2))
    data_dir = tmp_path / "data"
    (data_dir / "cifar10").mkdir(parents=True)
    tar_folder(data_dir / "cifar10" / "cifar-10-python.tar.gz", source / "cifar-10-batches-py")
    monkeypatch.setenv(locate.DATA_ENV, str(data_dir))
    data = load_dataset(DataConfig(dataset="cifar10", val_size=PER_BATCH, test_subset=20))
    assert len(data.train) == 4 * PER_BATCH and len(data.test) == 20
    assert (data_dir / "cifar10" / "cifar-10-batches-py" / "test_batch").is_file()
    assert [p.name for p in (data_dir / "cifar10").iterdir() if p.name.startswith(".")] == []  # no scratch left


def test_missing_files_name_the_paths_searched(tmp_path, data_dir, no_env):
    with pytest.raises(DataError) as caught:
        load_dataset(DataConfig(dataset="cifar100", root="nowhere"))
    assert caught.value.field == "data.root"
    assert str(data_dir / "nowhere") in caught.value.message and "cifar-100-python.tar.gz" in caught.value.message
    with pytest.raises(DataError) as caught:
        load_dataset(DataConfig(dataset="cifar10"))
    assert caught.value.field == "data.dataset" and str(tmp_path / "env" / "cifar10") in caught.value.message


class Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_malicious_pickle_is_refused_naming_file_and_global(tmp_path, data_dir, no_env):
    folder = data_dir / "cifar-10-batches-py"
    write_cifar10(folder, np.random.default_rng(3))
    marker = tmp_path / "pwned"
    write_pickle(folder / "data_batch_3", {b"data": Exploit(marker), b"labels": []})
    with pytest.raises(DataError, match=r"data_batch_3: refusing to unpickle global '(posix|os|nt)\.system'"):
        load_dataset(DataConfig(dataset="cifar10", root="cifar-10-batches-py", val_size=PER_BATCH))
    assert not marker.exists()


@pytest.mark.parametrize("payload", [b"cbuiltins\neval\n(S'1'\ntR.", b"cnumpy\nload\n(S'x'\ntR."])
def test_other_globals_are_refused(tmp_path, payload):
    path = tmp_path / "batch"
    path.write_bytes(payload)
    with pytest.raises(DataError, match=f"{path}: refusing to unpickle global"):
        load_pickle(path)


def test_corrupt_pickle_names_the_file(tmp_path):
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": np.zeros((2, 3072), np.uint8)}, protocol=2)[:-20])
    with pytest.raises(DataError, match="cannot read CIFAR file .*data_batch_1"):
        load_pickle(path)


def add_bytes(tar: tarfile.TarFile, name: str, blob: bytes = b"x") -> None:
    info = tarfile.TarInfo(name)
    info.size = len(blob)
    tar.addfile(info, io.BytesIO(blob))


def add_link(tar: tarfile.TarFile, name: str, target: str, kind=tarfile.SYMTYPE) -> None:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    tar.addfile(info)


@pytest.mark.parametrize(
    ("build", "member"),
    [
        (lambda tar: add_bytes(tar, "../evil"), "../evil"),
        (lambda tar: add_bytes(tar, "cifar-10-batches-py/../../evil"), "cifar-10-batches-py/../../evil"),
        (lambda tar: add_bytes(tar, "/tmp/evil"), "/tmp/evil"),
        (lambda tar: add_link(tar, "cifar-10-batches-py/up", "../../outside"), "cifar-10-batches-py/up"),
        (lambda tar: add_link(tar, "abs", "/etc/passwd"), "abs"),
        (lambda tar: add_link(tar, "hard", "../outside", tarfile.LNKTYPE), "hard"),
    ],
)
def test_escaping_archive_members_are_refused(tmp_path, build, member):
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        add_bytes(tar, "cifar-10-batches-py/batches.meta")
        build(tar)
    target = tmp_path / "target"
    target.mkdir()
    with pytest.raises(DataError, match=f"refusing archive member '{member}'"):
        safe_extract(archive, target)
    assert list(target.iterdir()) == [] and not (tmp_path / "evil").exists()


def test_links_inside_the_archive_are_allowed(tmp_path):
    archive = tmp_path / "a.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        add_bytes(tar, "top/real", b"data")
        add_link(tar, "top/alias", "real")
    target = tmp_path / "target"
    target.mkdir()
    safe_extract(archive, target)
    assert (target / "top" / "alias").read_bytes() == b"data"
