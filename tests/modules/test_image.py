"""Tests for the fast image module."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from skarvae import ARVAE
from skarvae.modules import MODULES, FastImageVAE, get_module_class

torch.set_num_threads(1)


def _n_params(module):
    return sum(p.numel() for p in module.parameters())


def test_registered_under_fast_image():
    assert MODULES["fast_image"] is FastImageVAE
    assert get_module_class("fast_image") is FastImageVAE


@pytest.mark.parametrize(
    ("input_shape", "patches", "conv_shape"),
    [
        ((1, 64, 64), (4, 4), (64, 4, 4)),
        ((64, 64), (4, 4), (64, 4, 4)),
        ((4096,), (4, 4), (64, 4, 4)),
        ((1, 28, 28), (), (1, 28, 28)),
        ((784,), (), (1, 28, 28)),
        ((3, 48, 32), (), (3, 48, 32)),  # 'auto' needs both sides >= 48
    ],
)
def test_auto_patches_and_shapes(input_shape, patches, conv_shape):
    module = FastImageVAE(input_shape=input_shape, latent_dim=3).eval()
    assert module.patch_sizes == patches
    assert module.conv_shape == conv_shape
    x = torch.rand(5, *input_shape)
    out = module(x)
    assert out.output.shape == (5, *input_shape)
    assert out.mu.shape == out.logvar.shape == out.z.shape == (5, 3)


def test_flat_and_image_inputs_give_the_same_codes():
    torch.manual_seed(0)
    module = FastImageVAE(input_shape=(1, 32, 32), patch_sizes=(2, 4)).eval()
    x = torch.rand(4, 1, 32, 32)
    mu_image, _ = module.encode(x)
    mu_flat, _ = module.encode(x.reshape(4, -1))
    torch.testing.assert_close(mu_image, mu_flat)


def test_mlp_parameter_count_by_hand():
    # No patches: 784 -> 512 -> 256, heads 256 -> 16 (x2); mirrored decoder.
    module = FastImageVAE(input_shape=(784,), latent_dim=16)
    encoder = (784 * 512 + 512) + (512 * 256 + 256) + 2 * (256 * 16 + 16)
    decoder = (16 * 256 + 256) + (256 * 512 + 512) + (512 * 784 + 784)
    assert _n_params(module) == encoder + decoder


def test_patch_parameter_count_by_hand():
    # 1 x 16 x 16, patches (4,), 8 channels -> 8 x 4 x 4 = 128 -> 32 -> latent 2.
    module = FastImageVAE(
        input_shape=(1, 16, 16),
        latent_dim=2,
        hidden_dims=(32,),
        patch_sizes=(4,),
        channels=(8,),
    )
    encoder = (16 * 8 + 8) + (128 * 32 + 32) + 2 * (32 * 2 + 2)
    # The patch deconvolution has one bias per output pixel of a patch.
    decoder = (2 * 32 + 32) + (32 * 128 + 128) + (8 * 16 + 16)
    assert module.conv_shape == (8, 4, 4)
    assert _n_params(module) == encoder + decoder


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"patch_sizes": (3,)}, "divide"),
        ({"patch_sizes": (4,), "channels": (8, 8)}, "one entry per patch"),
        ({"patch_sizes": (4,), "channels": (0,)}, "channels must be positive"),
        ({"patch_sizes": "big"}, "'auto'"),
        ({"hidden_dims": ()}, "hidden_dims"),
        ({"activation": "swish"}, "activation"),
        ({"image_shape": (1, 8, 8)}, "as many values"),
        ({"pool_channels": (4, 0)}, "pool_channels must be a sequence of positive"),
        ({"pool_channels": (4, 2.5)}, "pool_channels must be a sequence of positive"),
        ({"pool_channels": "16"}, "pool_channels must be a sequence of positive"),
        ({"pool_channels": 16}, "pool_channels must be a sequence of positive"),
        ({"pool_channels": (4,), "pool_stride": 0}, "pool_stride must be"),
        ({"pool_channels": (4,), "pool_stride": 1.5}, "pool_stride must be"),
        ({"pool_channels": (4,), "pool_stride": 9}, "pool_stride=9 needs"),
        ({"pool_channels": (4, 4), "pool_stride": 6}, "layer 2 has a 3 x 3"),
        ({"pool_channels": (4, 4, 4, 4)}, "needs larger images than 16 x 16"),
        ({"broadcast_dims": (8, 0)}, "broadcast_dims must be a sequence of"),
        ({"broadcast_dims": 8}, "broadcast_dims must be a sequence of"),
        ({"broadcast_dims": "8"}, "broadcast_dims must be a sequence of"),
        ({"broadcast_dims": (8,), "broadcast_grid": 3}, "broadcast_grid must be"),
        ({"broadcast_grid": 0}, "broadcast_grid must be"),
        ({"broadcast_grid": 2.0}, "broadcast_grid must be"),
        ({"spectrum_size": -1}, "spectrum_size must be an integer from 0 to half"),
        ({"spectrum_size": 9}, "spectrum_size must be .* 16 x 16 images \\(8\\)"),
        ({"spectrum_size": 2.5}, "spectrum_size must be"),
        ({"spectrum_size": "4"}, "spectrum_size must be"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FastImageVAE(input_shape=(1, 16, 16), **kwargs)


def test_tiny_fit_learns_and_keeps_the_input_shape():
    rng = np.random.default_rng(0)
    # Squares of a random side at a random place; attribute = the side.
    X = np.zeros((96, 1, 16, 16), dtype=np.float32)
    side = rng.integers(2, 9, len(X))
    for i, s in enumerate(side):
        r, c = rng.integers(0, 16 - s, 2)
        X[i, 0, r : r + s, c : c + s] = 1
    model = ARVAE(
        module="fast_image",
        module_params={"patch_sizes": (4,), "channels": (8,)},
        hidden_dims=(64,),
        latent_dim=3,
        max_epochs=30,
        batch_size=32,
        lr=3e-3,
        validation_fraction=None,
        random_state=0,
    ).fit(X, side.reshape(-1, 1).astype(float))
    assert model.recon_loss_ == "bce"
    losses = model.history_["train_loss"].to_numpy()
    assert losses[-1] < 0.7 * losses[0]
    Z = model.transform(X)
    assert model.inverse_transform(Z).shape == X.shape
    rho = np.corrcoef(Z[:, 0], side)[0, 1]
    assert rho > 0.5


def test_patch_layers_equal_the_convolutions():
    from skarvae.modules._image import _Patchify, _Unpatchify

    torch.manual_seed(0)
    x = torch.randn(3, 2, 8, 12)
    patch = _Patchify(2, 5, 4)
    conv = torch.nn.Conv2d(2, 5, 4, stride=4)
    # Conv weight (out, in, kh, kw) flattened in the patch's (in, kh, kw) order.
    conv.weight.data = patch.linear.weight.data.reshape(5, 2, 4, 4)
    conv.bias.data = patch.linear.bias.data
    torch.testing.assert_close(patch(x), conv(x))

    y = torch.randn(3, 5, 2, 3)
    unpatch = _Unpatchify(5, 2, 4)
    deconv = torch.nn.ConvTranspose2d(5, 2, 4, stride=4, bias=False)
    # Transposed-conv weight (in, out, kh, kw); the linear's rows are (out, kh, kw).
    deconv.weight.data = unpatch.linear.weight.data.T.reshape(5, 2, 4, 4)
    bias = unpatch.linear.bias.data.reshape(2, 4, 4)
    expected = deconv(y) + bias.repeat(1, 2, 3)
    torch.testing.assert_close(unpatch(y), expected)


def _stage_by_stage(module, x, z):
    """Codes and logits of the patch modules applied one after another."""
    b = x.shape[0]
    h = module.encoder_conv(x.reshape(b, *module.image_shape))
    h = module.encoder_fc(torch.flatten(h, start_dim=1))
    logits = module.decoder_conv(module.decoder_fc(z).view(b, *module.conv_shape))
    return module.mu(h), module.logvar(h), logits.reshape(b, *module.input_shape)


def _patch_major(module, x, z):
    return (*module.encode(x), module.decode(z))


@pytest.mark.parametrize(
    ("input_shape", "kwargs"),
    [
        ((1, 64, 64), {}),
        ((4096,), {"patch_sizes": (8, 4), "channels": (16, 64)}),
        ((3, 32, 48), {"patch_sizes": (2, 4, 2), "channels": (4, 5, 6)}),
        ((2, 16, 8), {"patch_sizes": (4,), "channels": (3,)}),
    ],
)
def test_patch_major_path_equals_the_stage_modules(input_shape, kwargs):
    # encode/decode reorder the pixels once and permute the weights; outputs
    # and gradients must be those of the stage-by-stage patch layers.
    torch.manual_seed(0)
    module = FastImageVAE(input_shape=input_shape, latent_dim=3, **kwargs)
    x, z = torch.rand(4, *input_shape), torch.randn(4, 3)

    def run(path):
        module.zero_grad()
        outputs = path(module, x, z)
        weights = [torch.linspace(-1, 1, o.numel()).view_as(o) for o in outputs]
        sum((o * w).sum() for o, w in zip(outputs, weights)).backward()
        return [o.detach() for o in outputs], [
            p.grad.clone() for p in module.parameters()
        ]

    (outputs, grads), (ref_outputs, ref_grads) = run(_patch_major), run(_stage_by_stage)
    assert outputs[2].shape == (4, *input_shape)
    for got, expected in zip(outputs + grads, ref_outputs + ref_grads):
        # Sums over patches run in another order: float32 rounding differs.
        torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    ("branch", "layer"),
    [({"pool_channels": (3,)}, "pool"), ({"spectrum_size": 4}, "spectrum")],
)
def test_estimator_round_trip_through_save(tmp_path, branch, layer):
    import skarvae

    X = (np.random.default_rng(1).random((8, 1, 16, 16)) > 0.6).astype(np.float32)
    vae = ARVAE(
        module="fast_image",
        module_params={"patch_sizes": (4,), "channels": (4,), **branch},
        hidden_dims=(16,),
        latent_dim=3,
        max_epochs=1,
        batch_size=4,
        validation_fraction=None,
        random_state=0,
    ).fit(X, X.mean(axis=(1, 2, 3)))
    assert vae.net_.module_.encoder_fc[0].out_features == 16  # hidden_dims reached it
    # The branch was trained (its map starts at zero).
    assert getattr(vae.net_.module_, layer).weight.abs().sum() > 0
    vae.save(tmp_path / "m.skarvae")
    loaded = skarvae.load(tmp_path / "m.skarvae")
    np.testing.assert_allclose(loaded.transform(X), vae.transform(X.reshape(8, -1)))


@pytest.mark.parametrize("patch_sizes", [(4,), ()])
def test_pooled_branch_by_hand_and_silent_at_start(patch_sizes):
    torch.manual_seed(0)
    kwargs = {"input_shape": (1, 16, 16), "latent_dim": 3, "hidden_dims": (8,)}
    module = FastImageVAE(**kwargs, patch_sizes=patch_sizes, pool_channels=(3, 5))
    x = torch.rand(4, 1, 16, 16)
    first, second = module.pool_features.conv[0], module.pool_features.conv[2]
    f = F.relu(F.conv2d(x, first.weight, first.bias, stride=2))  # 7 x 7
    f = F.relu(F.conv2d(f, second.weight, second.bias, stride=2))  # 3 x 3
    expected = torch.cat([f.amax(dim=(2, 3)), f.mean(dim=(2, 3))], dim=1)
    torch.testing.assert_close(module.pool_features(x), expected)

    # The branch's map starts at zero: the codes are those of the same
    # network without the branch.
    plain = FastImageVAE(**kwargs, patch_sizes=patch_sizes)
    plain.load_state_dict(module.state_dict(), strict=False)
    torch.testing.assert_close(module.encode(x), plain.encode(x))
    # Once the map is not zero, the branch changes the codes.
    torch.nn.init.normal_(module.pool.weight)
    assert not torch.allclose(module.encode(x)[0], plain.encode(x)[0])


def test_pooled_features_do_not_depend_on_where_the_pattern_lies():
    # A shift by the branch's total stride (2 x 2 = 4 pixels) moves the
    # pattern on the grid of both layers: the maximum and the mean stay.
    torch.manual_seed(0)
    module = FastImageVAE(input_shape=(1, 32, 32), pool_channels=(4, 6))
    x = torch.zeros(1, 1, 32, 32)
    x[0, 0, 5:12, 6:10] = 1
    x[0, 0, 8, 12] = 1
    shifted = torch.roll(x, shifts=(12, 8), dims=(2, 3))
    features = module.pool_features(torch.cat([x, shifted]))
    torch.testing.assert_close(features[0], features[1])
    # The patch stages do see the shift.
    assert not torch.allclose(*module.encode(torch.cat([x, shifted]))[0].unbind())


def test_pooled_parameter_count_by_hand():
    plain = FastImageVAE(input_shape=(1, 16, 16), hidden_dims=(32,))
    module = FastImageVAE(
        input_shape=(1, 16, 16), hidden_dims=(32,), pool_channels=(4, 6)
    )
    branch = (16 * 4 + 4) + (4 * 9 * 6 + 6) + 2 * 6 * 32
    assert _n_params(module) == _n_params(plain) + branch


def test_pooled_branch_with_a_wider_stride_by_hand():
    torch.manual_seed(0)
    module = FastImageVAE(
        input_shape=(1, 24, 24), hidden_dims=(8,), pool_channels=(3, 5), pool_stride=4
    )
    torch.nn.init.normal_(module.pool.weight)  # the map starts at zero
    first, second = module.pool_features.conv[0], module.pool_features.conv[2]
    assert first.kernel_size == (8, 8)
    assert first.stride == (4, 4)
    x = torch.rand(4, 1, 24, 24)
    f = F.relu(F.conv2d(x, first.weight, first.bias, stride=4))  # 5 x 5
    f = F.relu(F.conv2d(f, second.weight, second.bias, stride=2))  # 2 x 2
    expected = module.pool(torch.cat([f.amax(dim=(2, 3)), f.mean(dim=(2, 3))], dim=1))
    assert expected.abs().sum() > 0
    torch.testing.assert_close(module.pool(module.pool_features(x)), expected)
    # Its 8 x 8 kernels replace the 4 x 4 ones of the default stride.
    default = FastImageVAE(
        input_shape=(1, 24, 24), hidden_dims=(8,), pool_channels=(3, 5)
    )
    assert _n_params(module) - _n_params(default) == 3 * (64 - 16)


@pytest.mark.parametrize("image_shape", [(1, 16, 16), (3, 12, 20)])
def test_spectrum_features_are_the_low_fourier_magnitudes(image_shape):
    # log(1 + |F|) of the vertical frequencies -k+1..k-1 and the horizontal
    # 0..k-1 of every channel, as torch.fft computes them.
    k = 4
    module = FastImageVAE(
        input_shape=image_shape, patch_sizes=(), hidden_dims=(8,), spectrum_size=k
    )
    x = torch.rand(5, *image_shape)
    f = torch.fft.rfft2(x)
    low = torch.cat([f[:, :, -(k - 1) :, :k], f[:, :, :k, :k]], dim=2)
    expected = torch.log1p(low.abs()).reshape(5, -1)
    assert module.spectrum_features.n_features == image_shape[0] * (2 * k - 1) * k
    torch.testing.assert_close(
        module.spectrum_features(x), expected, atol=1e-4, rtol=1e-5
    )
    # A blank image has no spectrum; a single lit pixel a flat one.
    blank, dot = torch.zeros(2, *image_shape)
    dot[0, 3, 5] = 1
    features = module.spectrum_features(torch.stack([blank, dot]))
    torch.testing.assert_close(features[0], torch.zeros(len(expected[0])))
    flat = features[1].reshape(image_shape[0], -1)[0]
    torch.testing.assert_close(flat, torch.full_like(flat, np.log(2)))


def test_spectrum_features_do_not_depend_on_where_the_pattern_lies():
    # On a blank background any shift that keeps the pattern inside the
    # image only turns the phases: the magnitudes stay. The patch stages do
    # see the shift.
    module = FastImageVAE(input_shape=(1, 32, 32), hidden_dims=(16,), spectrum_size=6)
    x = torch.zeros(1, 1, 32, 32)
    x[0, 0, 5:12, 6:10] = 1
    x[0, 0, 8, 12] = 1
    shifted = torch.roll(x, shifts=(13, 9), dims=(2, 3))
    features = module.spectrum_features(torch.cat([x, shifted]))
    torch.testing.assert_close(features[0], features[1], atol=1e-5, rtol=1e-5)
    turned = torch.rot90(x, dims=(2, 3))
    assert not torch.allclose(features[0], module.spectrum_features(turned)[0])
    assert not torch.allclose(*module.encode(torch.cat([x, shifted]))[0].unbind())


def test_spectrum_branch_starts_silent_and_counts_by_hand():
    torch.manual_seed(0)
    kwargs = {"input_shape": (1, 16, 16), "latent_dim": 3, "hidden_dims": (8,)}
    module = FastImageVAE(**kwargs, spectrum_size=3)
    plain = FastImageVAE(**kwargs)
    assert _n_params(module) == _n_params(plain) + (5 * 3) * 8  # no bias
    # The cosine and sine tables are rebuilt, not saved.
    assert set(module.state_dict()) - set(plain.state_dict()) == {"spectrum.weight"}
    plain.load_state_dict(module.state_dict(), strict=False)
    x = torch.rand(4, 1, 16, 16)
    torch.testing.assert_close(module.encode(x), plain.encode(x))
    torch.nn.init.normal_(module.spectrum.weight)
    h = module._first_layer(x) + module.spectrum(module.spectrum_features(x))
    mu = module.mu(module.encoder_fc[1:](h))
    torch.testing.assert_close(module.encode(x.reshape(4, -1))[0], mu)
    assert not torch.allclose(mu, plain.encode(x)[0])


def test_broadcast_decoder_by_hand():
    torch.manual_seed(0)
    module = FastImageVAE(
        input_shape=(2, 8, 12),
        latent_dim=3,
        hidden_dims=(16,),
        patch_sizes=(),
        broadcast_dims=(5, 4),
        broadcast_grid=2,
    )
    dec = module.broadcast
    z = torch.randn(3, 3)
    out = module.decode(z)
    assert out.shape == (3, 2, 8, 12)
    w0, v0 = dec.code.weight, dec.coords.weight
    w1, w2 = dec.mlp[1].weight, dec.mlp[3].weight
    for gy, y in enumerate([-1.0, 1.0]):
        for gx, x in enumerate([-1.0, 1.0]):
            h = torch.relu(z @ w0.T + dec.code.bias + torch.tensor([x, y]) @ v0.T)
            h = torch.relu(h @ w1.T + dec.mlp[1].bias)
            block = (h @ w2.T + dec.mlp[3].bias).view(3, 2, 4, 6)
            torch.testing.assert_close(
                out[:, :, 4 * gy : 4 * gy + 4, 6 * gx : 6 * gx + 6], block
            )


def test_broadcast_replaces_the_patch_decoder_and_keeps_the_encoder():
    options = {"input_shape": (1, 16, 16), "hidden_dims": (32,), "latent_dim": 3}
    torch.manual_seed(0)
    plain = FastImageVAE(**options)
    torch.manual_seed(0)
    module = FastImageVAE(**options, broadcast_dims=(8, 8), broadcast_grid=4)
    assert not hasattr(module, "decoder_fc")
    assert not hasattr(module, "decoder_conv")
    x = torch.rand(2, 1, 16, 16)
    torch.testing.assert_close(module.encode(x), plain.encode(x))
    decoder = sum(
        p.numel()
        for name, p in plain.named_parameters()
        if name.startswith(("decoder_fc", "decoder_conv"))
    )
    # code and coordinates into 8, 8 into 8, 8 into a 4 x 4 block per cell
    broadcast = (3 * 8 + 8 + 2 * 8) + (8 * 8 + 8) + (8 * 16 + 16)
    assert _n_params(module) == _n_params(plain) - decoder + broadcast


def test_broadcast_estimator_fit_and_round_trip(tmp_path):
    import skarvae

    X = (np.random.default_rng(2).random((8, 1, 16, 16)) > 0.6).astype(np.float32)
    vae = ARVAE(
        module="fast_image",
        module_params={"patch_sizes": (4,), "channels": (4,), "broadcast_dims": (8,)},
        hidden_dims=(16,),
        latent_dim=3,
        max_epochs=2,
        batch_size=4,
        validation_fraction=None,
        random_state=0,
    ).fit(X, X.mean(axis=(1, 2, 3)))
    history = vae.net_.history[:, "train_loss"]
    assert np.isfinite(history).all()
    assert vae.inverse_transform(vae.transform(X)).shape == X.shape
    vae.save(tmp_path / "b.skarvae")
    loaded = skarvae.load(tmp_path / "b.skarvae")
    Z = vae.transform(X)
    np.testing.assert_allclose(loaded.inverse_transform(Z), vae.inverse_transform(Z))
