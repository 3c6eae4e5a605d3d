"""Loaders of tokenized 4/4 measures from the music21 corpus (Bach, folk)."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import hashlib
import json
import os
import warnings
from functools import partial
from numbers import Integral, Real
from pathlib import Path

import joblib
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from skarvae.datasets._measures import _build_bunch
from skarvae.music._convert import SKIP_REASONS, tokenize_part
from skarvae.music._vocabulary import N_TICKS, Vocabulary
from skarvae.utils._optional import import_optional

# 2: split measures joined (TokenizedPart.n_joined); 3: pieces without any
# measure are counted in skipped["no_measures"]
_CACHE_VERSION = 3
_FILE_SKIPS = ("unparsable", "wrong_n_parts", "no_measures")

_COMMON_PARAMS = {
    "subset": [StrOptions({"train", "test", "all"})],
    "test_size": [Interval(Real, 0, 1, closed="left")],
    "transpose": ["boolean", StrOptions({"auto"})],
    "vocabulary": [Vocabulary, None],
    "random_state": ["random_state"],
    "max_pieces": [Interval(Integral, 1, None, closed="left"), None],
    "return_X_y": ["boolean"],
    # as scikit-learn's n_jobs, but 0 is refused here rather than by joblib
    "n_jobs": [
        Interval(Integral, None, -1, closed="right"),
        Interval(Integral, 1, None, closed="left"),
        None,
    ],
}


def get_data_home(data_home=None):
    """Return the folder where skarvae caches parsed datasets, creating it.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder; None means the ``SKARVAE_DATA`` environment variable or,
        when unset, ``~/skarvae_data``.

    Returns
    -------
    data_home : pathlib.Path
        The existing folder.

    Examples
    --------
    >>> import tempfile
    >>> from skarvae.datasets import get_data_home
    >>> get_data_home(tempfile.mkdtemp()).is_dir()
    True
    """
    if data_home is None:
        data_home = os.environ.get("SKARVAE_DATA", Path("~") / "skarvae_data")
    path = Path(data_home).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _progress(iterable, enabled, desc, total):
    if not enabled:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is optional
        return iterable
    return tqdm(iterable, desc=desc, total=total)


def _parse_piece(name, parse, part, n_parts):
    """Parse and tokenize one source: its pieces and skip counts, never raises."""
    pieces = []
    skipped = dict.fromkeys(_FILE_SKIPS + SKIP_REASONS, 0)
    try:
        scores = parse(name)
    except Exception:
        skipped["unparsable"] += 1
        return pieces, skipped
    for index, score in enumerate(scores):
        parts = list(score.parts) or [score]
        if (n_parts is not None and len(parts) != n_parts) or part >= len(parts):
            skipped["wrong_n_parts"] += 1
            continue
        try:
            result = tokenize_part(parts[part])
        except Exception:
            skipped["unparsable"] += 1
            continue
        for reason, count in result.skipped.items():
            skipped[reason] += count
        if not len(result.tokens) and not any(result.skipped.values()):
            skipped["no_measures"] += 1  # e.g. ABC without bar lines
            continue
        piece = str(name) if len(scores) == 1 else f"{name}#{index}"
        pieces.append(
            {
                "piece": piece,
                "tokens": result.tokens,
                "measures": result.measure_numbers,
                "n_joined": result.n_joined,
            }
        )
    return pieces, skipped


def _parse_pieces(
    sources, parse, *, part, n_parts=None, progress=False, desc="", n_jobs=None
):
    """Parse and tokenize pieces; every failure is counted, none aborts.

    With more than one effective job (:func:`joblib.effective_n_jobs`) the
    sources are parsed in joblib worker processes; the results come back in
    the order of ``sources``, so they equal the sequential parse.
    """
    parse_one = partial(_parse_piece, parse=parse, part=part, n_parts=n_parts)
    if effective_n_jobs(n_jobs) == 1:
        results = map(parse_one, sources)
    else:
        results = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(parse_one)(name) for name in sources
        )
    pieces = []
    skipped = dict.fromkeys(_FILE_SKIPS + SKIP_REASONS, 0)
    for found, counts in _progress(results, progress, desc, len(sources)):
        pieces += found
        for reason, count in counts.items():
            skipped[reason] += count
    return pieces, skipped


def _parse_file(path):
    music21 = import_optional("music21")
    parsed = music21.converter.parse(path)
    if isinstance(parsed, music21.stream.Opus):
        return list(parsed.scores)
    return [parsed]


@validate_params(
    {"paths": ["array-like"], "part": [Interval(Integral, 0, None, closed="left")]}
    | _COMMON_PARAMS,
    prefer_skip_nested_validation=True,
)
def load_music_files(
    paths,
    *,
    part=0,
    subset="all",
    test_size=0.1,
    transpose="auto",
    vocabulary=None,
    random_state=0,
    max_pieces=None,
    return_X_y=False,
    n_jobs=None,
):
    """Load tokenized 4/4 measures from music files (MusicXML, ABC, MIDI...).

    Every file music21 can parse is a piece (an ABC opus gives one piece per
    tune). Files that fail to parse are skipped and counted in
    ``skipped["unparsable"]``; they never abort the load (when no file gives
    a measure, a UserWarning says so and the data set is empty). Nothing is
    cached.

    Parameters
    ----------
    paths : list of str or path-like
        Files to parse, in order.
    part : int, default=0
        Index of the part to tokenize (the melody).
    subset : {'train', 'test', 'all'}, default='all'
        Which pieces to return. The split is by piece, never by measure.
    test_size : float, default=0.1
        Fraction of pieces held out as the test subset (rounded up, at least
        one when there are two pieces or more).
    transpose : bool or 'auto', default='auto'
        Add every transposition that keeps all notes of a piece inside MIDI
        55-84 (the original's augmentation; pieces wider than that range are
        dropped and counted in ``skipped["out_of_range"]``). 'auto' means
        True for 'train' and 'all' and False for 'test'.
    vocabulary : Vocabulary, default=None
        Vocabulary to encode the tokens with; None builds one from all
        pieces with all their transpositions, whatever the subset, so the
        'train' and 'test' subsets share ids.
    random_state : int, RandomState instance or None, default=0
        Seed of the train/test split.
    max_pieces : int, default=None
        Use only the first ``max_pieces`` files.
    return_X_y : bool, default=False
        Return ``(data, attributes)`` instead of a Bunch.
    n_jobs : int, default=None
        Number of joblib processes parsing the files. None means 1 unless in
        a :func:`joblib.parallel_config` context, -1 means all processors.
        The result is the same for every value.

    Returns
    -------
    dataset : Bunch
        ``data`` (n, 24) int64 token ids, ``tokens`` (n, 24) strings,
        ``vocabulary``, ``attributes`` (DataFrame of the four attributes),
        ``frame`` (DataFrame with ``piece``, ``measure``, ``transposition``),
        ``skipped`` (counts of skipped files, measures and pieces by reason),
        ``n_joined`` (rows of the selected pieces, untransposed, joined from
        the two halves of a split measure, see
        :func:`skarvae.music.tokenize_part`), ``n_pieces`` and ``DESCR``.
    (data, attributes) : tuple
        When ``return_X_y`` is True.

    Examples
    --------
    >>> import os, tempfile
    >>> from skarvae.datasets import load_music_files
    >>> from skarvae.music import write_musicxml
    >>> path = write_musicxml([["C4"] + ["__"] * 23], os.path.join(
    ...     tempfile.mkdtemp(), "one.musicxml"))
    >>> bunch = load_music_files([path, "missing.xml"], transpose=False)
    >>> bunch.tokens[:, 0].tolist(), bunch.skipped["unparsable"]
    (['C4'], 1)
    """
    paths = [os.fspath(p) for p in paths][:max_pieces]
    pieces, skipped = _parse_pieces(paths, _parse_file, part=part, n_jobs=n_jobs)
    if paths and not pieces:
        reasons = {k: v for k, v in skipped.items() if v}
        warnings.warn(
            f"No 4/4 measure was loaded from the {len(paths)} file(s); skipped: "
            f"{reasons}. The data set is empty.",
            UserWarning,
            stacklevel=2,
        )
    return _build_bunch(
        pieces,
        skipped,
        subset=subset,
        test_size=test_size,
        transpose=transpose,
        vocabulary=vocabulary,
        random_state=random_state,
        return_X_y=return_X_y,
        descr="Tokenized 4/4 measures of user files.",
    )


def _cached_corpus(
    corpus_name, sources, parse, *, n_parts, data_home, progress, n_jobs
):
    music21 = import_optional("music21")
    key = json.dumps(
        {
            "corpus": corpus_name,
            "sources": sources,
            "music21": music21.__version__,
            "cache_version": _CACHE_VERSION,
            "n_ticks": N_TICKS,
        },
        sort_keys=True,
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    folder = get_data_home(data_home) / "music"
    folder.mkdir(exist_ok=True)
    path = folder / f"{corpus_name}-{len(sources)}-{digest}.joblib"
    if path.exists():
        try:
            return joblib.load(path)
        except Exception:
            path.unlink()
    pieces, skipped = _parse_pieces(
        sources,
        parse,
        part=0,
        n_parts=n_parts,
        progress=progress,
        desc=corpus_name,
        n_jobs=n_jobs,
    )
    tmp = path.with_suffix(".tmp")
    joblib.dump((pieces, skipped), tmp)
    tmp.replace(path)
    return pieces, skipped


_LOADER_PARAMS = _COMMON_PARAMS | {
    "data_home": [str, os.PathLike, None],
    "progress": ["boolean"],
}


@validate_params(_LOADER_PARAMS, prefer_skip_nested_validation=True)
def load_bach_chorales(
    *,
    subset="train",
    test_size=0.1,
    transpose="auto",
    vocabulary=None,
    random_state=0,
    max_pieces=None,
    data_home=None,
    progress=True,
    return_X_y=False,
    n_jobs=None,
):
    """Load the soprano measures of the Bach chorales in the music21 corpus.

    The chorales come from ``music21.corpus.chorales.Iterator()``; chorales
    without exactly four parts are skipped (``skipped["wrong_n_parts"]``),
    and the soprano (``parts[0]``) is tokenized with
    :func:`skarvae.music.tokenize_part`. The parsed measures are cached with
    joblib under ``data_home`` (keyed by corpus, pieces, music21 version and
    tokenizer version): the first call parses for a few minutes with a
    progress bar, later calls load in seconds.

    Parameters
    ----------
    subset : {'train', 'test', 'all'}, default='train'
        Which chorales to return; the seeded split is by chorale.
    test_size : float, default=0.1
        Fraction of chorales held out as the test subset.
    transpose : bool or 'auto', default='auto'
        Add every transposition inside MIDI 55-84; 'auto' is True for
        'train' and 'all' and False for 'test'.
    vocabulary : Vocabulary, default=None
        Vocabulary to encode with; None builds one from all chorales and
        transpositions so every subset shares ids.
    random_state : int, RandomState instance or None, default=0
        Seed of the train/test split.
    max_pieces : int, default=None
        Parse only the first ``max_pieces`` chorales (cached separately).
    data_home : str or path-like, default=None
        Cache folder; see :func:`get_data_home`.
    progress : bool, default=True
        Show a tqdm progress bar while parsing.
    return_X_y : bool, default=False
        Return ``(data, attributes)`` instead of a Bunch.
    n_jobs : int, default=None
        Number of joblib processes parsing the chorales when they are not
        cached yet. None means 1 unless in a :func:`joblib.parallel_config`
        context, -1 means all processors. The result, and so the cache, is
        the same for every value.

    Returns
    -------
    dataset : Bunch
        See :func:`load_music_files`.
    (data, attributes) : tuple
        When ``return_X_y`` is True.

    Examples
    --------
    >>> from skarvae.datasets import load_bach_chorales
    >>> bunch = load_bach_chorales(max_pieces=2)  # doctest: +SKIP
    >>> bunch.data.shape[1]  # doctest: +SKIP
    24
    """
    music21 = import_optional("music21")
    sources = list(music21.corpus.chorales.Iterator(returnType="filename"))
    sources = sources[:max_pieces]
    pieces, skipped = _cached_corpus(
        "bach_chorales",
        sources,
        lambda name: [music21.corpus.parse(name)],
        n_parts=4,
        data_home=data_home,
        progress=progress,
        n_jobs=n_jobs,
    )
    return _build_bunch(
        pieces,
        skipped,
        subset=subset,
        test_size=test_size,
        transpose=transpose,
        vocabulary=vocabulary,
        random_state=random_state,
        return_X_y=return_X_y,
        descr="Soprano 4/4 measures of the music21 Bach chorales.",
    )


#: Folk tune collections of the music21 corpus, by folder name.
FOLK_COLLECTIONS = {
    "ryansMammoth": "Ryan's Mammoth Collection (1883), one tune per ABC file",
    "oneills1850": "O'Neill's Music of Ireland (1903), 1,850 tunes in 39 ABC files",
}


def _folk_paths(music21, collection):
    paths = music21.corpus.getPaths(fileExtensions=("abc",))
    return sorted(str(p) for p in paths if Path(p).parent.name == collection)


@validate_params(
    _LOADER_PARAMS | {"collection": [StrOptions({"all", *FOLK_COLLECTIONS})]},
    prefer_skip_nested_validation=True,
)
def load_folk_tunes(
    *,
    collection="all",
    subset="train",
    test_size=0.1,
    transpose="auto",
    vocabulary=None,
    random_state=0,
    max_pieces=None,
    data_home=None,
    progress=True,
    return_X_y=False,
    n_jobs=None,
):
    """Load the 4/4 measures of the Scottish and Irish folk tunes in music21.

    Two ABC collections ship with music21: ``ryansMammoth`` (Ryan's Mammoth
    Collection, 1883, about a thousand files of one tune each, mostly
    Scottish and Irish dance tunes) and ``oneills1850`` (O'Neill's Music of
    Ireland, 1,850 tunes in 39 files of 50-100 tunes each). Every tune is a
    piece, named ``collection/file`` or ``collection/file#index``. Jigs,
    waltzes and other non-4/4 tunes contribute nothing (their measures count
    in ``skipped["not_4_4"]``; reels written in cut time 2/2 count there
    too). Repeats are not expanded. Each collection is parsed once and
    cached as for :func:`load_bach_chorales`.

    Parameters
    ----------
    collection : {'all', 'ryansMammoth', 'oneills1850'}, default='all'
        Which collection to load; 'all' is both, Ryan's first.
    subset : {'train', 'test', 'all'}, default='train'
        Which tunes to return; the seeded split is by tune.
    test_size : float, default=0.1
        Fraction of tunes held out as the test subset.
    transpose : bool or 'auto', default='auto'
        Add every transposition inside MIDI 55-84; 'auto' is True for
        'train' and 'all' and False for 'test'.
    vocabulary : Vocabulary, default=None
        Vocabulary to encode with; None builds one from all tunes and
        transpositions so every subset shares ids.
    random_state : int, RandomState instance or None, default=0
        Seed of the train/test split.
    max_pieces : int, default=None
        Parse only the first ``max_pieces`` files (cached separately); an
        O'Neill's file holds 50-100 tunes.
    data_home : str or path-like, default=None
        Cache folder; see :func:`get_data_home`.
    progress : bool, default=True
        Show a tqdm progress bar while parsing.
    return_X_y : bool, default=False
        Return ``(data, attributes)`` instead of a Bunch.
    n_jobs : int, default=None
        Number of joblib processes parsing the files when they are not
        cached yet. None means 1 unless in a :func:`joblib.parallel_config`
        context, -1 means all processors. The result, and so the cache, is
        the same for every value.

    Returns
    -------
    dataset : Bunch
        See :func:`load_music_files`.
    (data, attributes) : tuple
        When ``return_X_y`` is True.

    Examples
    --------
    >>> from skarvae.datasets import load_folk_tunes
    >>> bunch = load_folk_tunes(max_pieces=5)  # doctest: +SKIP
    >>> bunch.data.shape[1]  # doctest: +SKIP
    24
    """
    music21 = import_optional("music21")
    names = list(FOLK_COLLECTIONS) if collection == "all" else [collection]
    files = [(name, p) for name in names for p in _folk_paths(music21, name)]
    files = files[:max_pieces]
    pieces = []
    skipped = dict.fromkeys(_FILE_SKIPS + SKIP_REASONS, 0)
    for name in names:
        by_source = {f"{name}/{Path(p).name}": p for n, p in files if n == name}
        if not by_source:
            continue
        found, counts = _cached_corpus(
            f"folk_{name}",
            list(by_source),
            lambda source, paths=by_source: _parse_file(paths[source]),
            n_parts=None,
            data_home=data_home,
            progress=progress,
            n_jobs=n_jobs,
        )
        pieces += found
        for reason, count in counts.items():
            skipped[reason] += count
    return _build_bunch(
        pieces,
        skipped,
        subset=subset,
        test_size=test_size,
        transpose=transpose,
        vocabulary=vocabulary,
        random_state=random_state,
        return_X_y=return_X_y,
        descr="4/4 measures of Scottish and Irish folk tunes (music21 corpus: "
        + ", ".join(names)
        + ").",
    )
