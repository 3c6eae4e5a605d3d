"""GLSR pieces: forward-mode derivatives, the log-density, attribute functions."""

import math

import numpy as np
import pytest
import torch

from skarvae.losses import (
    Centroid,
    ExpectedMeanPitch,
    ExpectedNoteDensity,
    MeanIntensity,
    attribute_derivatives,
    glsr_regularization,
)
from skarvae.modules import MLPVAE, MeasureVAE


def _finite_difference(decode, z, fn, dim, eps=1e-6):
    step = torch.zeros_like(z)
    step[:, dim] = eps
    with torch.no_grad():
        return (fn(decode(z + step)) - fn(decode(z - step))) / (2 * eps)


@pytest.mark.parametrize(
    ("module", "fn"),
    [
        (MLPVAE((3, 4, 4), 5, hidden_dims=(16,)), MeanIntensity()),
        (MLPVAE((3, 4, 4), 5, hidden_dims=(16,)), Centroid("y")),
        (
            MeasureVAE(input_shape=(24,), latent_dim=5, n_tokens=6),
            ExpectedNoteDensity(is_pitch=[0, 0, 0, 0, 1, 1]),
        ),
    ],
)
def test_derivatives_match_finite_differences(module, fn):
    torch.manual_seed(0)
    module = module.double().eval()
    z = torch.randn(4, 5, dtype=torch.float64)
    values, derivatives = attribute_derivatives(module.decode, z, [fn, fn], [1, 3])
    assert values.shape == derivatives.shape == (4, 2)
    for col, dim in enumerate([1, 3]):
        expected = _finite_difference(module.decode, z, fn, dim)
        torch.testing.assert_close(derivatives[:, col], expected, atol=1e-6, rtol=1e-4)


def test_derivatives_are_trainable():
    module = MLPVAE((4,), 2, hidden_dims=(8,))
    z = torch.randn(3, 2)
    _, derivatives = attribute_derivatives(module.decode, z, [MeanIntensity()], [0])
    derivatives.sum().backward()
    assert module.decoder[0][0].weight.grad.abs().sum() > 0


def test_glsr_regularization_by_hand():
    derivatives = torch.tensor([[0.0, 1.0], [2.0, 1.0]])
    loss = glsr_regularization(
        derivatives, torch.tensor([1.0, 1.0]), torch.tensor([1.0, 2.0])
    )
    const = 0.5 * math.log(2 * math.pi)
    assert loss[0].item() == pytest.approx(0.5 + const)
    assert loss[1].item() == pytest.approx(math.log(2.0) + const)


def test_attribute_functions_by_hand():
    image = torch.tensor([[[[0.0, 1.0], [0.0, 1.0]]]])  # mass on the right
    assert MeanIntensity(logits=False)(image).item() == pytest.approx(0.5)
    assert Centroid("x", logits=False)(image).item() == pytest.approx(1.0)
    assert Centroid("y", logits=False)(image).item() == pytest.approx(0.5)
    logits = torch.full((1, 1, 2), 0.0)  # sigmoid(0) = 0.5 everywhere
    assert MeanIntensity()(logits).item() == pytest.approx(0.5)


def test_music_attribute_functions_from_vocabulary():
    from skarvae.music import Vocabulary

    vocab = Vocabulary(["C4", "E4"])
    tokens = vocab.encode([["C4"] + ["__"] * 11 + ["E4"] + ["__"] * 11])
    logits = torch.nn.functional.one_hot(torch.as_tensor(tokens), len(vocab)) * 50.0
    density = ExpectedNoteDensity(vocab)(logits.float())
    assert density.item() == pytest.approx(2 / 24)
    pitch = ExpectedMeanPitch(vocab)(logits.float())
    assert pitch.item() == pytest.approx(62.0)
    assert ExpectedNoteDensity(vocab) == ExpectedNoteDensity(is_pitch=vocab.is_pitch)


def test_attribute_function_bad_arguments():
    with pytest.raises(ValueError, match="axis must be"):
        Centroid("z")
    with pytest.raises(ValueError, match="vocabulary or the is_pitch"):
        ExpectedNoteDensity()
    with pytest.raises(ValueError, match="midi table"):
        ExpectedMeanPitch(is_pitch=np.ones(3))
