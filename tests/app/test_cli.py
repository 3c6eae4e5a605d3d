"""``python -m skarvae.app``: inputs are checked before any server starts."""

import json
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("gradio")

import gradio as gr

from skarvae.app._cli import main, read_data


@pytest.fixture
def no_server(monkeypatch):
    """Record launches instead of serving."""
    launches = []
    monkeypatch.setattr(
        gr.Blocks, "launch", lambda self, **kw: launches.append((self, kw))
    )
    return launches


@pytest.fixture(scope="module")
def files(image_model, token_model, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    model, X = image_model
    model.save(folder / "bars.skarvae")
    np.save(folder / "bars.npy", X)
    np.save(folder / "narrow.npy", X[..., :5])
    tokens, X_tokens, vocabulary = token_model
    tokens.save(folder / "tokens.skarvae")
    np.save(folder / "tokens.npy", X_tokens)
    (folder / "vocab.json").write_text(json.dumps(vocabulary.to_dict()))
    (folder / "corrupt.skarvae").write_bytes(b"PK\x03\x04 not really a zip")
    with zipfile.ZipFile(folder / "bars.skarvae") as source:
        metadata = json.loads(source.read("metadata.json"))
        weights = source.read("weights.pt")
    metadata["format_version"] = 99
    metadata["skarvae_version"] = "9.0"
    with zipfile.ZipFile(folder / "future.skarvae", "w") as target:
        target.writestr("metadata.json", json.dumps(metadata))
        target.writestr("weights.pt", weights)
    return folder


def _fails(argv, capsys, match):
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert match in err, err
    return err


def test_serves_on_loopback_without_a_share_link(files, no_server):
    assert main([str(files / "bars.skarvae"), "--data", str(files / "bars.npy")]) == 0
    (app, options), *_ = no_server
    assert options["server_name"] == "127.0.0.1"
    assert options["server_port"] == 7860
    assert options["share"] is False
    assert app.skarvae_editor.kind == "image"
    assert app.skarvae_editor.n_samples == 30


def test_check_builds_without_serving(files, no_server, capsys):
    argv = [files / "tokens.skarvae", "--vocabulary", files / "vocab.json", "--check"]
    assert main([str(a) for a in argv]) == 0
    assert "builds (measures data)" in capsys.readouterr().out
    assert no_server == []


def test_corrupt_model_file(files, no_server, capsys):
    _fails([files / "corrupt.skarvae"], capsys, "not a readable skarvae model file")
    _fails([files / "missing.skarvae"], capsys, "No such file")
    assert no_server == []


def test_model_file_of_another_version(files, no_server, capsys):
    _fails([files / "future.skarvae"], capsys, "format version 99")
    assert no_server == []


def test_token_model_without_vocabulary(files, no_server, capsys):
    err = _fails([files / "tokens.skarvae"], capsys, "--vocabulary FILE")
    assert "token model" in err
    (files / "bad_vocab.json").write_text('{"words": []}')
    argv = [files / "tokens.skarvae", "--vocabulary", files / "bad_vocab.json"]
    _fails(argv, capsys, "is not the JSON of Vocabulary.to_dict()")
    assert no_server == []


def test_data_of_the_wrong_width(files, no_server, capsys):
    argv = [files / "bars.skarvae", "--data", files / "narrow.npy"]
    _fails(argv, capsys, "X does not fit the model")
    _fails([files / "bars.skarvae", "--data", files / "bars.txt"], capsys, ".npy")
    assert no_server == []


def test_read_data_formats(tmp_path):
    X = np.arange(6.0).reshape(3, 2)
    np.savez(tmp_path / "a.npz", other=X[:1], X=X)
    np.testing.assert_array_equal(read_data(tmp_path / "a.npz"), X)
    pd.DataFrame(X, columns=["u", "v"]).to_csv(tmp_path / "a.csv", index=False)
    frame = read_data(tmp_path / "a.csv")
    assert list(frame.columns) == ["u", "v"]


def test_module_entry_point_reports_errors(files):
    result = subprocess.run(
        [sys.executable, "-m", "skarvae.app", str(files / "corrupt.skarvae")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "error:" in result.stderr
    assert "Running on" not in result.stdout
