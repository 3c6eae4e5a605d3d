"""edit_loss against a loop over the same random draws."""

import pytest
import torch

from skarvae.losses import edit_loss


def _decode(code):
    return torch.stack([code[:, 0] * 2.0, code[:, 1] + code[:, 2], code[:, 2]], 1)


FNS = [lambda out: out[:, 0], None, lambda out: out[:, 1] ** 2]


def test_matches_a_loop_over_the_draws():
    gen = torch.Generator().manual_seed(0)
    z = torch.randn(9, 3, generator=gen, dtype=torch.float64)
    attributes = torch.randn(9, 3, generator=gen, dtype=torch.float64)
    dims, scale = [0, 1, 2], torch.tensor([2.0, 5.0, 0.5], dtype=torch.float64)

    torch.manual_seed(3)
    loss = edit_loss(_decode, z, attributes, FNS, dims, scale=scale)

    torch.manual_seed(3)  # the same draws: attribute among the active, donor
    chosen = torch.tensor([0, 2])[torch.randint(2, (9,))]
    donors = torch.randint(9, (9,))
    total = 0.0
    for i in range(9):
        k, j = int(chosen[i]), int(donors[i])
        code = z[i].clone()
        code[dims[k]] = z[j, dims[k]]
        value = FNS[k](_decode(code[None]))[0]
        total += float(((value - attributes[j, k]) / scale[k]) ** 2)
    assert loss.item() == pytest.approx(total / 9, rel=1e-12)
    assert {0, 2} == set(chosen.tolist())  # both attributes drawn at least once


def test_gradient_reaches_the_decoder_only_through_the_edited_output():
    weight = torch.ones(3, requires_grad=True)
    z = torch.randn(6, 3)
    loss = edit_loss(lambda code: code * weight, z, torch.zeros(6, 3), FNS, [0, 1, 2])
    loss.backward()
    assert weight.grad is not None
    assert torch.isfinite(weight.grad).all()
    assert weight.grad[0] != 0 or weight.grad[1] != 0


def test_needs_a_function():
    with pytest.raises(ValueError, match="needs an attribute function"):
        edit_loss(_decode, torch.zeros(2, 3), torch.zeros(2, 3), [None] * 3, [0, 1, 2])
