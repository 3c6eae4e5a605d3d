"""The GLSR-VAE estimator: geodesic latent space regularization."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import Interval

from skarvae.estimators._attributes import (
    attribute_functions,
    check_attribute_function,
    decoder_probe,
    per_attribute,
)
from skarvae.estimators._net import _Annealing, _GLSRNet
from skarvae.estimators._regularized import _RegularizedVAE
from skarvae.losses import attribute_derivatives


class GLSRVAE(_RegularizedVAE):
    """GLSR-VAE: geodesic latent space regularization (Hadjeres et al., 2017).

    A VAE that makes the attribute ``a_l`` of the decoded data grow at a
    steady, positive rate along latent dimension ``reg_dims_[l]``. The
    attribute must be a differentiable function of the decoder output (given
    as ``attribute_fns``). For a posterior sample ``z``, the objective adds
    the negative log-density of the derivative
    ``d a_l(decoder(z)) / d z_r`` under ``N(grad_mean_l, grad_std_l**2)``::

        recon + beta * KL + sum_l gamma_l * E[-log N(d_l; grad_mean_l, grad_std_l)]

    The derivatives are Jacobian-vector products computed with forward-mode
    automatic differentiation for the whole batch
    (:func:`skarvae.losses.attribute_derivatives`). As in the paper, the
    regularization weight is annealed from 0 to ``gamma`` over
    ``gamma_warmup`` epochs, and the KL weight over ``beta_warmup`` epochs.

    Unlike :class:`ARVAE`, which only needs attribute values, GLSR needs the
    attribute as a differentiable function of the output; the attribute
    columns ``y`` name the attributes and are what the metrics, scorers and
    the calibration behind ``predict`` and ``edit`` use.

    Parameters
    ----------
    attribute_fns : callable, list of callable or dict
        Differentiable torch functions of the decoder output (logits for
        ``'bce'`` and ``'ce'``), one per attribute column of ``y`` (a dict is
        keyed by attribute name), each returning one value per sample. See
        :class:`~skarvae.losses.MeanIntensity`,
        :class:`~skarvae.losses.Centroid`,
        :class:`~skarvae.losses.ExpectedNoteDensity` and
        :class:`~skarvae.losses.ExpectedMeanPitch`.
    reg_dims : None, list of int or dict, default=None
        Latent dimension regularized by each attribute, as in :class:`ARVAE`.
    gamma : float, list of float or dict, default=1.0
        Weight of the regularization, one value or one per attribute.
    grad_mean : float, list of float or dict, default=0.2
        Mean of the target distribution of the derivatives, in attribute
        units per unit of latent code. With latent codes spanning about
        [-3, 3], 0.2 spreads an attribute in [0, 1] over the latent range.
    grad_std : float, list of float or dict, default=0.05
        Standard deviation of the target distribution of the derivatives.
    gamma_warmup : int, default=10
        Epochs over which the regularization weight grows from 0 to
        ``gamma``; 0 applies it in full from the start.
    beta_warmup : int, default=0
        Epochs over which the KL weight grows from 0 to ``beta``. Early
        stopping only compares epochs trained at the full weights (after
        both warm-ups).
    latent_dim : int, default=None
        Size of the latent code; None uses the module's default.
    beta : float, default=1.0
        Weight of the KL divergence.
    module : str or nn.Module subclass, default=None
        Network, as in :class:`ARVAE`.
    hidden_dims : sequence of int, default=None
        Hidden layer widths for modules that take ``hidden_dims``.
    module_params : dict, default=None
        Further keyword arguments for the module constructor.
    recon_loss : {'auto', 'mse', 'bce', 'ce'}, default='auto'
        Reconstruction loss, as in :class:`ARVAE`.
    lr : float, default=1e-3
        Adam learning rate.
    lr_schedule : {'constant', 'cosine', 'onecycle'}, default='constant'
        Learning-rate schedule, stepped after every batch (skorch's
        ``LRScheduler``): ``'constant'`` keeps ``lr``; ``'cosine'`` warms up
        linearly from 0 to ``lr`` over the first ``lr_warmup`` share of the
        ``max_epochs`` epochs' steps, then decays to 0 along a half cosine;
        ``'onecycle'`` is torch's ``OneCycleLR`` with peak ``lr`` reached
        after the ``lr_warmup`` share. With a schedule, larger batches
        tolerate a larger ``lr`` (scale it with the batch size).
    lr_warmup : float, default=0.05
        Share of the training steps spent warming the learning rate up
        (``'cosine'`` and ``'onecycle'`` only).
    ema_decay : float or None, default=None
        Keep an exponential moving average of the weights (torch's
        ``AveragedModel``), updated after every optimizer step with this
        decay, and end the fit with the averaged weights; None keeps the
        last weights. 0.999 averages over about the last thousand steps.
        The ``history_`` losses are those of the trained, not the averaged,
        weights. Not with ``early_stopping``, which restores weights of its
        own.
    batch_size : int, default=128
        Mini-batch size.
    max_epochs : int, default=100
        Number of training epochs.
    validation_fraction : float or None, default=0.1
        Share of the training data held out for validation.
    early_stopping : bool, default=False
        Stop when the validation loss stops improving and restore the best
        weights. Only epochs trained at the full weights (after
        ``gamma_warmup`` and ``beta_warmup``) are compared and count
        against the patience.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    callbacks : list of skorch callbacks, default=None
        Extra callbacks for the skorch net.
    device : str or torch.device, default='cpu'
        ``'cpu'``, ``'cuda'``, ``'cuda:N'`` or ``'auto'``.
    random_state : int, RandomState instance or None, default=None
        Seeds weights, shuffling, the validation split and the noise.
    verbose : int, default=0
        1 prints one line per epoch, 2 adds a progress bar.

    Attributes
    ----------
    attribute_names_in_ : list of str
        Attribute names.
    reg_dims_ : dict
        Latent dimension of each attribute, in attribute order.
    calibration_ : dict
        Per attribute, the increasing map from its latent code to its value
        (isotonic regression on the training codes) that ``predict`` and
        ``edit(mode="value")`` use, as in :class:`ARVAE`.
    latent_dim_ : int
        Size of the latent code.
    net_ : skorch.NeuralNet
        The trained net.
    history_ : pandas.DataFrame
        Per-epoch losses: ``*_loss``, ``*_recon``, ``*_kld``, ``*_glsr`` and
        ``*_glsr_<attribute>`` (unweighted terms), ``*_grad_<attribute>``
        (mean derivative along the attribute's dim), and the annealing
        factors ``kl_scale`` and ``reg_scale``.
    n_iter_ : int
        Number of epochs run.
    input_shape_ : tuple of int
        Per-sample shape of the training data.
    recon_loss_ : str
        The reconstruction loss used.
    n_tokens_ : int or None
        Vocabulary size for token data.
    n_features_in_ : int
        Number of features (second axis) seen in fit.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features, when X was a DataFrame with string columns.

    See Also
    --------
    ARVAE : Regularization from attribute values alone.

    References
    ----------
    G. Hadjeres, F. Nielsen and F. Pachet, "GLSR-VAE: Geodesic Latent Space
    Regularization for Variational AutoEncoder Architectures", IEEE SSCI 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from skarvae import GLSRVAE
    >>> from skarvae.losses import MeanIntensity
    >>> rng = np.random.default_rng(0)
    >>> X = (rng.random((100, 16)) < rng.random((100, 1))).astype("float32")
    >>> vae = GLSRVAE(attribute_fns=[MeanIntensity()], latent_dim=3,
    ...               max_epochs=2, random_state=0).fit(X, X.mean(axis=1))
    >>> vae.get_feature_names_out()
    array(['z_attr0', 'z1', 'z2'], dtype=object)
    """

    _parameter_constraints: dict = {
        **_RegularizedVAE._parameter_constraints,
        "attribute_fns": [callable, list, tuple, dict],
        "reg_dims": [None, "array-like", dict],
        "gamma": [Interval(Real, 0, None, closed="left"), "array-like", dict],
        "grad_mean": [Interval(Real, None, None, closed="neither"), "array-like", dict],
        "grad_std": [Interval(Real, 0, None, closed="neither"), "array-like", dict],
        "gamma_warmup": [Interval(Integral, 0, None, closed="left")],
        "beta_warmup": [Interval(Integral, 0, None, closed="left")],
    }

    _net_class = _GLSRNet

    def __init__(
        self,
        attribute_fns,
        *,
        reg_dims=None,
        gamma=1.0,
        grad_mean=0.2,
        grad_std=0.05,
        gamma_warmup=10,
        beta_warmup=0,
        latent_dim=None,
        beta=1.0,
        module=None,
        hidden_dims=None,
        module_params=None,
        recon_loss="auto",
        lr=1e-3,
        lr_schedule="constant",
        lr_warmup=0.05,
        ema_decay=None,
        batch_size=128,
        max_epochs=100,
        validation_fraction=0.1,
        early_stopping=False,
        n_iter_no_change=10,
        callbacks=None,
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.attribute_fns = attribute_fns
        self.reg_dims = reg_dims
        self.gamma = gamma
        self.grad_mean = grad_mean
        self.grad_std = grad_std
        self.gamma_warmup = gamma_warmup
        self.beta_warmup = beta_warmup
        self.latent_dim = latent_dim
        self.beta = beta
        self.module = module
        self.hidden_dims = hidden_dims
        self.module_params = module_params
        self.recon_loss = recon_loss
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.lr_warmup = lr_warmup
        self.ema_decay = ema_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _regularization(self):
        names = self.attribute_names_in_
        return {
            "attribute_fns": attribute_functions(self.attribute_fns, names),
            "reg_dims": list(self.reg_dims_.values()),
            "gamma": per_attribute(self.gamma, "gamma", names),
            "grad_mean": per_attribute(self.grad_mean, "grad_mean", names, bound=None),
            "grad_std": per_attribute(
                self.grad_std, "grad_std", names, bound="positive"
            ),
            "attribute_names": names,
        }

    def _extra_callbacks(self):
        return [_Annealing(self.beta_warmup, self.gamma_warmup)]

    def _check_net(self, net, X):
        """Run each attribute function once on the decoder, with clear errors."""
        with decoder_probe(net, X) as (module, z):
            _check_decoder_forward_ad(module, z, net.device)
            for name, fn, dim in zip(
                self.attribute_names_in_, net.attribute_fns, net.reg_dims
            ):
                _check_attribute_fn(module.decode, z, fn, dim, name)


def _check_decoder_forward_ad(module, z, device):
    """Differentiate the decoder alone in forward mode, before any user code.

    GLSR's derivatives are Jacobian-vector products (``torch.func.jvp``).
    PyTorch has no forward-mode formula for some operations: notably the
    recurrent layers on CUDA (``nn.GRU``/``nn.LSTM`` run through cuDNN's
    ``_cudnn_rnn``, or without cuDNN through fused cells such as
    ``_thnn_fused_gru_cell``), so MeasureVAE's decoder cannot be
    differentiated there. Probing the decoder with a sum of its output keeps
    that failure apart from a failure of the user's attribute functions.
    """
    from torch.func import jvp

    tangent = torch.zeros_like(z)
    tangent[:, 0] = 1.0

    def total(code):
        out = module.decode(code).float()
        return out.reshape(len(out), -1).sum(dim=1)

    try:
        jvp(total, (z,), (tangent,))
    except Exception as exc:
        recurrent = any(isinstance(m, torch.nn.RNNBase) for m in module.modules())
        hint = (
            " PyTorch's recurrent layers (nn.GRU, nn.LSTM) have no forward-mode "
            "derivative on CUDA, with or without cuDNN; on the CPU they do."
            if recurrent
            else ""
        )
        raise ValueError(
            f"GLSRVAE cannot differentiate the decoder of "
            f"{type(module).__name__} on device {str(device)!r}: PyTorch's "
            f"forward-mode automatic differentiation (torch.func.jvp), which "
            f"GLSR needs for the attribute derivatives, fails inside the module "
            f"itself, before any attribute function runs, so the attribute "
            f"functions are not at fault.{hint} Fit GLSRVAE with device='cpu', "
            f"use a module whose decoder is built from operations that support "
            f"forward-mode AD (linear, convolutional, activations), or use ARVAE, "
            f"which needs no derivatives. PyTorch said: {exc}"
        ) from exc


def _check_attribute_fn(decode, z, fn, dim, name):
    where, _ = check_attribute_function(decode, z, fn, name)
    try:
        _, derivative = attribute_derivatives(decode, z, [fn], [dim])
    except Exception as exc:
        raise ValueError(
            f"{where} is not differentiable with torch's forward-mode automatic "
            f"differentiation: {exc}"
        ) from exc
    if not torch.any(derivative != 0):
        raise ValueError(
            f"{where} is not differentiable: its derivative along the latent dim "
            "is zero for every sample. Write it with torch operations on the "
            "decoder output (no detach, numpy, rounding or argmax)."
        )
