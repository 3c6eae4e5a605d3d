"""Tests of the music dataset loaders."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest

from skarvae.datasets import _music as music_module
from skarvae.datasets import (
    get_data_home,
    load_bach_chorales,
    load_folk_tunes,
    load_music_files,
)
from skarvae.music import Vocabulary, token_to_midi, write_musicxml

pytest.importorskip("music21")

H = "__"


@pytest.fixture
def files(tmp_path):
    """Four tiny one-measure pieces written as MusicXML."""
    paths = []
    for i, name in enumerate(["C4", "E4", "G4", "B-4"]):
        row = [name] + [H] * 11 + ["rest"] + [H] * 5 + ["C5"] + [H] * 5
        paths.append(write_musicxml([row, row], tmp_path / f"piece{i}.musicxml"))
    return paths


def test_load_music_files_skips_and_counts_corrupt_files(files, tmp_path):
    corrupt = tmp_path / "corrupt.musicxml"
    corrupt.write_text("<score-partwise><part id='P1'><measure")
    bunch = load_music_files(
        [files[0], corrupt, tmp_path / "missing.abc"], transpose=False
    )
    assert bunch.skipped["unparsable"] == 2
    assert bunch.data.shape == (2, 24)
    assert bunch.tokens[0, [0, 12, 18]].tolist() == ["C4", "rest", "C5"]
    np.testing.assert_array_equal(bunch.vocabulary.decode(bunch.data), bunch.tokens)
    assert bunch.frame.columns.tolist() == ["piece", "measure", "transposition"]
    assert bunch.frame["measure"].tolist() == [1, 2]


def test_load_music_files_counts_pieces_without_measures(files, tmp_path):
    no_bars = tmp_path / "no_bars.abc"  # music21 makes no measures without bars
    no_bars.write_text("X:1\nT:t\nM:4/4\nL:1/4\nK:C\nCDEF\n")
    bunch = load_music_files([files[0], no_bars], transpose=False)
    assert bunch.skipped["no_measures"] == 1
    assert bunch.data.shape == (2, 24)
    assert set(bunch.frame["piece"]) == {str(files[0])}


def test_load_music_files_split_is_by_piece_and_seeded(files):
    kwargs = {"test_size": 0.5, "random_state": 3}
    train = load_music_files(files, subset="train", **kwargs)
    test = load_music_files(files, subset="test", **kwargs)
    again = load_music_files(files, subset="test", **kwargs)
    train_pieces = set(train.frame["piece"])
    test_pieces = set(test.frame["piece"])
    assert len(train_pieces) == len(test_pieces) == 2
    assert not train_pieces & test_pieces
    assert test.frame.equals(again.frame)
    assert train.vocabulary == test.vocabulary


def test_load_music_files_transposition_stays_in_midi_55_84(files):
    train = load_music_files(files, subset="train", test_size=0.25)
    test = load_music_files(files, subset="test", test_size=0.25)
    assert (test.frame["transposition"] == 0).all()
    midi = train.vocabulary.midi[train.data]
    assert np.nanmin(midi) == 55
    assert np.nanmax(midi) == 84
    # piece0 spans C4-C5 (60-72): shifts -5..+12, two measures each.
    full = load_music_files(files, subset="all")
    piece0 = full.frame[full.frame["piece"].str.endswith("piece0.musicxml")]
    assert piece0["transposition"].tolist() == np.repeat(range(-5, 13), 2).tolist()
    first = train.tokens[train.frame["transposition"].to_numpy() == 3][0, 0]
    assert token_to_midi(first) in (63, 67, 70, 73)


def test_load_music_files_return_x_y_and_given_vocabulary(files):
    X, attrs = load_music_files(files, transpose=False, return_X_y=True)
    assert X.shape == (8, 24)
    assert attrs.shape == (8, 4)
    np.testing.assert_allclose(attrs["note_density"], 2 / 24)
    with pytest.raises(ValueError, match="Unknown tokens"):
        load_music_files(files, vocabulary=Vocabulary(["C4"]), transpose=False)


def test_load_bach_chorales_uses_cache(tmp_path, monkeypatch):
    first = load_bach_chorales(
        subset="all", max_pieces=2, data_home=tmp_path, progress=False
    )
    assert len(list((tmp_path / "music").glob("*.joblib"))) == 1
    assert len(first.data) > 0
    assert first.skipped["not_4_4"] > 0  # the first chorale is in 3/4

    def fail(*args, **kwargs):
        raise AssertionError("parsed again instead of reading the cache")

    monkeypatch.setattr(music_module, "_parse_pieces", fail)
    cached = load_bach_chorales(
        subset="all", max_pieces=2, data_home=tmp_path, progress=False
    )
    np.testing.assert_array_equal(cached.data, first.data)


def _assert_same_bunch(a, b):
    np.testing.assert_array_equal(a.tokens, b.tokens)
    np.testing.assert_array_equal(a.data, b.data)
    assert a.frame.equals(b.frame)
    assert a.skipped == b.skipped
    assert a.n_joined == b.n_joined


def test_parallel_parse_of_real_pieces_equals_the_sequential_one(tmp_path, capsys):
    import music21

    kwargs = {"subset": "all", "max_pieces": 3, "progress": False}
    seq, par = tmp_path / "seq", tmp_path / "par"
    bach = load_bach_chorales(data_home=seq, **kwargs)
    folk = load_folk_tunes(collection="ryansMammoth", data_home=seq, **kwargs)
    assert len(bach.data)
    assert len(folk.data)
    kwargs["progress"] = True
    _assert_same_bunch(load_bach_chorales(data_home=par, n_jobs=2, **kwargs), bach)
    assert "bach_chorales: 100%" in capsys.readouterr().err
    _assert_same_bunch(
        load_folk_tunes(collection="ryansMammoth", data_home=par, n_jobs=2, **kwargs),
        folk,
    )
    # a failing file is counted, never aborts, in the workers too
    corrupt = tmp_path / "corrupt.musicxml"
    corrupt.write_text("<score-partwise><part id='P1'><measure")
    paths = music_module._folk_paths(music21, "ryansMammoth")[3:6]
    paths += [corrupt, tmp_path / "missing.abc"]
    files = load_music_files(paths, transpose=False)
    assert files.skipped["unparsable"] == 2
    _assert_same_bunch(load_music_files(paths, transpose=False, n_jobs=-1), files)


def test_sequential_parse_starts_no_process_pool(files, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("a sequential parse started joblib.Parallel")

    monkeypatch.setattr(music_module, "Parallel", fail)
    for n_jobs in (None, 1):
        assert load_music_files(files, transpose=False, n_jobs=n_jobs).n_pieces == 4


@pytest.mark.parametrize("n_jobs", [0, "x", 1.5])
@pytest.mark.parametrize(
    "loader",
    [load_bach_chorales, load_folk_tunes, lambda **kw: load_music_files([], **kw)],
)
def test_bad_n_jobs_is_refused(loader, n_jobs):
    with pytest.raises(ValueError, match=r"The 'n_jobs' parameter of load_\w+ must be"):
        loader(n_jobs=n_jobs)


def test_get_data_home_honours_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SKARVAE_DATA", str(tmp_path / "env"))
    assert get_data_home() == tmp_path / "env"
    assert (tmp_path / "env").is_dir()


ONEILLS_FILE = """X:1
T:Pick-up and a split bar
M:4/4
L:1/8
K:C
G2|c2d2e2f2|g4a2:|
|:b2|c'8|]

X:2
T:Waltz
M:3/4
L:1/8
K:G
|G2A2B2|c6|]
"""

RYANS_FILE = """X:1
T:Reel
M:4/4
L:1/8
K:D
|d2f2a2f2|e8|]
"""


def test_load_folk_tunes_reads_both_collections_and_caches_each(tmp_path, monkeypatch):
    (tmp_path / "oneills1850").mkdir()
    (tmp_path / "ryansMammoth").mkdir()
    oneills = tmp_path / "oneills1850" / "0001-0002.abc"
    oneills.write_text(ONEILLS_FILE)
    ryans = tmp_path / "ryansMammoth" / "reel.abc"
    ryans.write_text(RYANS_FILE)
    paths = {"oneills1850": [str(oneills)], "ryansMammoth": [str(ryans)]}
    monkeypatch.setattr(music_module, "_folk_paths", lambda music21, name: paths[name])
    home = tmp_path / "home"
    kwargs = {"subset": "all", "transpose": False, "data_home": home}
    both = load_folk_tunes(progress=False, **kwargs)
    assert len(list((home / "music").glob("*.joblib"))) == 2
    assert both.frame["piece"].tolist() == [
        "ryansMammoth/reel.abc",
        "ryansMammoth/reel.abc",
        "oneills1850/0001-0002.abc#0",
        "oneills1850/0001-0002.abc#0",
        "oneills1850/0001-0002.abc#0",
    ]
    assert both.tokens[:, ::6].tolist() == [
        ["D5", "F#5", "A5", "F#5"],
        ["E5", "__", "__", "__"],
        ["C5", "D5", "E5", "F5"],
        ["G5", "__", "A5", "B5"],  # 3 beats before the repeat + 1 after
        ["C6", "__", "__", "__"],
    ]
    assert both.n_joined == 1
    assert both.skipped["incomplete"] == 1  # the pick-up
    assert both.skipped["not_4_4"] == 2  # the waltz
    only = load_folk_tunes(collection="oneills1850", progress=False, **kwargs)
    np.testing.assert_array_equal(only.tokens, both.tokens[2:])

    def fail(*args, **kwargs):
        raise AssertionError("parsed again instead of reading the cache")

    monkeypatch.setattr(music_module, "_parse_pieces", fail)
    again = load_folk_tunes(collection="ryansMammoth", progress=False, **kwargs)
    np.testing.assert_array_equal(again.tokens, both.tokens[:2])
