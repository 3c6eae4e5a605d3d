"""The expected measure attributes against measure_attributes on decoded tokens."""

import pickle

import numpy as np
import pytest
import torch

from skarvae.losses import (
    ATTRIBUTE_FUNCTIONS,
    ExpectedContour,
    ExpectedPitchRange,
    ExpectedRhythmicComplexity,
    measure_attribute_functions,
)
from skarvae.music import ATTRIBUTE_NAMES, Vocabulary, measure_attributes

VOCABULARY = Vocabulary(["C4", "D4", "E4", "G4", "B-4", "C5"])


def _expected(logits):
    fns = measure_attribute_functions(VOCABULARY)
    assert list(fns) == list(ATTRIBUTE_NAMES)
    return torch.stack([fns[name](logits) for name in ATTRIBUTE_NAMES], 1).numpy()


def test_sure_logits_give_the_attributes_of_the_measure():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, len(VOCABULARY), size=(300, 24))
    ids[:20] = VOCABULARY.encode(np.array([["__"] * 24]))  # no note at all
    ids[20:40, 1:] = ids[20:40, :1]  # the same token everywhere
    logits = 40.0 * torch.nn.functional.one_hot(torch.as_tensor(ids)).double()
    expected = _expected(logits)
    measured = measure_attributes(ids, vocabulary=VOCABULARY).to_numpy()
    # log(1 - p) is clipped at p = 1 - 1e-6: sure onsets are off by about 1e-6
    np.testing.assert_allclose(expected, measured, atol=1e-5)


def test_expectation_matches_sampled_measures():
    # ticks drawn independently from the softmax: the mean attribute of many
    # sampled measures approaches the expectation
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 24, len(VOCABULARY), generator=gen, dtype=torch.float64)
    logits[..., 0] += 2.0  # mostly holds, as in real measures
    probs = torch.softmax(logits, dim=-1)
    n = 40_000
    draws = torch.multinomial(
        probs.reshape(-1, len(VOCABULARY)), n, True, generator=gen
    )
    draws = draws.reshape(3, 24, n).permute(0, 2, 1).reshape(-1, 24).numpy()
    sampled = measure_attributes(draws, vocabulary=VOCABULARY).to_numpy()
    sampled_mean = sampled.reshape(3, n, 4).mean(axis=1)
    sampled_se = sampled.reshape(3, n, 4).std(axis=1) / np.sqrt(n)
    assert np.all(np.abs(_expected(logits) - sampled_mean) < 5 * sampled_se + 1e-12)


def test_gradients_are_finite_and_reach_every_tick():
    logits = torch.randn(4, 24, len(VOCABULARY), dtype=torch.float64)
    logits.requires_grad_(True)
    fns = measure_attribute_functions(VOCABULARY)
    for name, fn in fns.items():
        (grad,) = torch.autograd.grad(fn(logits).sum(), logits)
        assert torch.isfinite(grad).all(), name
        assert (grad.abs().sum(dim=(0, 2)) > 0).all(), name
    # a near-sure measure still has finite gradients (log(1 - p) is clipped)
    sure = torch.full((1, 24, len(VOCABULARY)), -60.0, dtype=torch.float64)
    sure[:, :, 3] = 60.0
    sure.requires_grad_(True)
    for name, fn in fns.items():
        (grad,) = torch.autograd.grad(fn(sure).sum(), sure)
        assert torch.isfinite(grad).all(), name


@pytest.mark.parametrize(
    "cls", [ExpectedRhythmicComplexity, ExpectedPitchRange, ExpectedContour]
)
def test_rebuilt_from_params_and_pickled(cls):
    fn = cls(VOCABULARY)
    assert ATTRIBUTE_FUNCTIONS[cls.__name__] is cls
    rebuilt = cls(**fn.get_params())
    assert rebuilt == fn
    logits = torch.randn(2, 24, len(VOCABULARY))
    fn(logits)  # fills the tensor cache, which is not part of the state
    assert fn.get_params() == rebuilt.get_params()
    torch.testing.assert_close(pickle.loads(pickle.dumps(fn))(logits), rebuilt(logits))


def test_bad_tables_are_rejected():
    with pytest.raises(ValueError, match="midi table"):
        ExpectedContour(is_pitch=[False, True])
    with pytest.raises(ValueError, match="one entry per token"):
        ExpectedPitchRange(is_pitch=[False, True], midi=[0.0, 60.0, 62.0])


def test_measure_functions_need_a_vocabulary():
    with pytest.raises(TypeError, match=r"must be a skarvae\.music\.Vocabulary"):
        measure_attribute_functions(["C4", "D4"])
