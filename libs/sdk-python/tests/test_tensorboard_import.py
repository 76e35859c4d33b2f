"""`python -m reslab import tensorboard`: event files written by torch's SummaryWriter, read with TensorBoard's own
reader, into one run per folder; a second import adds what the folder gained since; a damaged file is named and the
rest import."""

import re
import uuid

import numpy as np
from torch.utils.tensorboard import SummaryWriter  # needs the tensorboard extra, which make's venv rule installs

from reslab.__main__ import main
from reslab.tensorboard_import import run_id_for


def write_run(folder, steps=20, nan_at=None, start=0):
    writer = SummaryWriter(str(folder))
    for step in range(start, steps):
        writer.add_scalar("loss", float("nan") if step == nan_at else 1 / (step + 1), step)
        writer.add_scalar("train/acc", step / steps, step)
    writer.close()


def float32(value):
    return float(np.float32(value))  # TensorBoard stores scalars as 32-bit floats


def test_one_run_per_folder_every_point_and_again_nothing_new(tmp_path, orchestrator, capsys):
    write_run(tmp_path / "logs" / "a", nan_at=3)
    write_run(tmp_path / "logs" / "nested" / "b")
    assert main(["import", "tensorboard", str(tmp_path / "logs"), "--project", "p"]) == 0
    out = capsys.readouterr().out
    a, b = run_id_for(tmp_path / "logs" / "a"), run_id_for(tmp_path / "logs" / "nested" / "b")
    assert uuid.UUID(a).version == 5 and a != b
    assert f"a: run {a}: 2 scalars, 40 points, 40 new" in out and f"nested/b: run {b}" in out
    assert orchestrator.runs[a]["create"]["name"] == "a" and orchestrator.runs[b]["create"]["name"] == "nested/b"
    assert orchestrator.runs[a]["create"]["source"] == "tensorboard" and orchestrator.runs[a]["status"] == "succeeded"
    loss = orchestrator.points(a, "loss")
    assert [p["step"] for p in loss] == list(range(20))
    assert [p["value"] for p in loss] == [float32(1 / (s + 1)) if s != 3 else "NaN" for s in range(20)]
    assert all(isinstance(p["timestamp"], int) and p["timestamp"] > 1.7e12 for p in loss)  # ms, not s

    requests = len(orchestrator.requests)
    assert main(["import", "tensorboard", str(tmp_path / "logs")]) == 0
    again = capsys.readouterr().out
    assert f"a: already imported as run {a} (40 points), nothing new" in again
    # Nothing gained: the run is not ended again, so a status set since stays.
    assert not [r for r in orchestrator.requests[requests:] if r[1].endswith("/end")]
    assert len(orchestrator.points(a, "loss")) == 20


def test_a_folder_that_has_grown_since_gets_just_its_new_points(tmp_path, orchestrator, capsys):
    folder = tmp_path / "logs" / "training"
    write_run(folder, steps=20)
    assert main(["import", "tensorboard", str(tmp_path / "logs")]) == 0
    run_id = run_id_for(folder)
    first_end = orchestrator.runs[run_id]["endTime"]
    write_run(folder, steps=30, start=20)  # the script went on: a second event file in the same folder
    capsys.readouterr()
    assert main(["import", "tensorboard", str(tmp_path / "logs")]) == 0
    out = capsys.readouterr().out
    assert f"training: run {run_id}: 2 scalars, 60 points, 20 new, 40 already there" in out
    assert [p["step"] for p in orchestrator.points(run_id, "loss")] == list(range(30))
    run = orchestrator.runs[run_id]
    assert run["status"] == "succeeded" and run["endTime"] > first_end  # ended again, at the newest point


def test_a_damaged_file_is_named_and_the_other_folders_still_import(tmp_path, orchestrator, capsys):
    write_run(tmp_path / "logs" / "good")
    write_run(tmp_path / "logs" / "cut", steps=50)
    event_file = next((tmp_path / "logs" / "cut").iterdir())
    data = event_file.read_bytes()
    event_file.write_bytes(data[: len(data) - 30])  # a writer killed mid-record
    assert main(["import", "tensorboard", str(tmp_path / "logs")]) == 1
    out = capsys.readouterr().out
    assert f"{event_file}: damaged after" in out
    good, cut = run_id_for(tmp_path / "logs" / "good"), run_id_for(tmp_path / "logs" / "cut")
    assert len(orchestrator.points(good, "loss")) == 20
    kept = len(orchestrator.points(cut, "loss")) + len(orchestrator.points(cut, "train/acc"))
    assert 0 < kept < 100  # the records before the damage


def test_a_logdir_without_event_files_says_so(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["import", "tensorboard", str(tmp_path / "empty")]) == 1
    assert "no TensorBoard event files" in capsys.readouterr().out
    assert main(["import", "tensorboard", str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_a_corrupt_record_is_named_with_what_the_reader_found(tmp_path, orchestrator, capsys):
    write_run(tmp_path / "logs" / "flipped")
    event_file = next((tmp_path / "logs" / "flipped").iterdir())
    data = bytearray(event_file.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one bit-rotten byte
    event_file.write_bytes(bytes(data))
    assert main(["import", "tensorboard", str(tmp_path / "logs")]) == 1
    assert f"{event_file}: damaged after " in (out := capsys.readouterr().out)
    assert re.search(r"records \(failed (event|header) crc32 check\); the points before it are imported", out), out
