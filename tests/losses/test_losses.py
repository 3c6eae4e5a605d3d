"""Loss terms on tiny hand-computed cases."""

import math

import pytest
import torch

from skarvae.losses import attribute_regularization, gaussian_kl, reconstruction_loss


def _pairwise_loop(z, a, delta, include_diagonal=True):
    """Eq. 8 written out pair by pair, attribute by attribute."""
    m, k = z.shape
    out = []
    for col in range(k):
        total, count = 0.0, 0
        for i in range(m):
            for j in range(m):
                if i == j and not include_diagonal:
                    continue
                dz = float(z[i, col] - z[j, col])
                da = float(a[i, col] - a[j, col])
                target = (da > 0) - (da < 0)
                total += abs(math.tanh(delta[col] * dz) - target)
                count += 1
        out.append(total / count)
    return torch.tensor(out)


def test_attribute_regularization_two_samples_by_hand():
    z = torch.tensor([[0.0], [1.0]])
    a = torch.tensor([[0.0], [1.0]])
    # Off-diagonal pairs give |tanh(+-1) - (+-1)| = 1 - tanh(1); the two
    # diagonal zeros stay in the mean over 4 entries.
    expected = (1 - math.tanh(1.0)) / 2
    assert attribute_regularization(z, a).item() == pytest.approx(expected)


def test_attribute_regularization_ties_pull_codes_together():
    z = torch.tensor([[0.0], [2.0]])
    a = torch.tensor([[1.0], [1.0]])
    # Tied attributes have target sign(0) = 0: the loss is |tanh(+-2)|.
    expected = math.tanh(2.0) / 2
    assert attribute_regularization(z, a).item() == pytest.approx(expected)


def test_attribute_regularization_delta_scales_inside_tanh():
    z = torch.tensor([[0.0], [1.0]])
    a = torch.tensor([[0.0], [1.0]])
    loss = attribute_regularization(z, a, delta=3.0).item()
    assert loss == pytest.approx((1 - math.tanh(3.0)) / 2, rel=1e-4)


def test_attribute_regularization_matches_pair_loop_for_several_attributes():
    gen = torch.Generator().manual_seed(0)
    z = torch.randn(7, 3, generator=gen)
    a = torch.randint(0, 3, (7, 3), generator=gen).float()  # many ties
    delta = [0.5, 1.0, 10.0]
    got = attribute_regularization(z, a, torch.tensor(delta))
    torch.testing.assert_close(got, _pairwise_loop(z, a, delta))
    got = attribute_regularization(z, a, torch.tensor(delta), include_diagonal=False)
    torch.testing.assert_close(got, _pairwise_loop(z, a, delta, False))


def test_attribute_regularization_is_small_when_order_matches():
    a = torch.linspace(-1, 1, 20)[:, None]
    aligned = attribute_regularization(5 * a, a, delta=10.0)
    reversed_ = attribute_regularization(-5 * a, a, delta=10.0)
    assert aligned.item() < 0.01
    assert reversed_.item() > 1.8


def test_attribute_regularization_gradient_flows_to_z():
    z = torch.zeros(4, 2, requires_grad=True)
    a = torch.arange(8.0).view(4, 2)
    attribute_regularization(z, a).sum().backward()
    # Moving z in the attribute's order lowers the loss.
    assert (torch.diff(-z.grad[:, 0]) > 0).all()


def test_gaussian_kl_by_hand():
    mu = torch.tensor([[1.0, 0.0]])
    logvar = torch.tensor([[0.0, math.log(2.0)]])
    expected = 0.5 * 1.0 + 0.5 * (2.0 - 1.0 - math.log(2.0))
    assert gaussian_kl(mu, logvar).item() == pytest.approx(expected)


@pytest.mark.parametrize(
    ("kind", "output", "target", "expected"),
    [
        ("mse", torch.zeros(1, 3), torch.tensor([[1.0, 2.0, 0.0]]), 5.0),
        ("bce", torch.zeros(1, 3), torch.tensor([[1.0, 0.0, 1.0]]), 3 * math.log(2)),
        ("ce", torch.zeros(1, 4, 5), torch.tensor([[0, 1, 2, 4]]), 4 * math.log(5)),
    ],
)
def test_reconstruction_loss_sums_per_sample(kind, output, target, expected):
    loss = reconstruction_loss(output, target, kind)
    assert loss.shape == (1,)
    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_reconstruction_loss_rejects_unknown_kind():
    with pytest.raises(ValueError, match="Unknown reconstruction loss"):
        reconstruction_loss(torch.zeros(1, 2), torch.zeros(1, 2), "l1")
