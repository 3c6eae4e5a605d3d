"""The attribute-regularized VAE estimator."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval

from skarvae.estimators._attributes import (
    attribute_functions,
    check_attribute_function,
    decoder_probe,
    per_attribute,
)
from skarvae.estimators._net import _ARNet
from skarvae.estimators._regularized import _RegularizedVAE, attribute_ranks


class ARVAE(_RegularizedVAE):
    """Attribute-regularized variational auto-encoder (Pati & Lerch, 2020).

    A VAE whose latent dimension ``reg_dims_[a]`` is trained to grow
    monotonically with attribute ``a``, so that moving along it changes the
    attribute. The objective per mini-batch of size ``m`` is::

        recon + beta * KL + sum_l gamma_l * L_l
        L_l = mean_{i,j} | tanh(delta_l * (z_il - z_jl)) - sign(a_il - a_jl) |

    (the paper's Eq. 8), computed for all attributes at once. As in the
    original code, ``z`` is the reparameterized sample, all ``m x m`` ordered
    pairs count (diagonal included), and tied attribute values have target
    0, which pulls their codes together. See
    :func:`skarvae.losses.attribute_regularization`. Only the order of the
    attribute values counts: the net trains on their ranks, formed in float64,
    so any finite values keep their order (no scaling needed, and values that
    float32 could not tell apart, such as dates near 2e7, stay distinct).

    Parameters
    ----------
    reg_dims : None, list of int or dict, default=None
        Latent dimension regularized by each attribute. None puts attribute
        ``j`` on dimension ``j``; a list gives one dimension per attribute
        column; a dict maps attribute names to dimensions.
    gamma : float, list of float or dict, default=10.0
        Weight of the regularization, one value or one per attribute (a dict
        is keyed by attribute name).
    delta : float, list of float or dict, default=1.0
        Spread of the tanh in the regularization, one value or one per
        attribute.
    attribute_fns : callable, list or dict, default=None
        Differentiable torch functions of the decoder output (logits for
        ``'bce'`` and ``'ce'``), each returning one value per sample: the
        attributes as the decoder makes them, for the edit loss. One per
        attribute column in order, or a dict keyed by attribute name that
        may leave attributes out; for measures,
        :func:`skarvae.losses.measure_attribute_functions` gives all four.
        Unused while ``edit_weight`` is 0.
    edit_weight : float, default=0.0
        Weight of the edit loss (:func:`skarvae.losses.edit_loss`), which
        trains the decoder to honour latent edits: each sample's code gets
        one regularized dim replaced by another sample's, and the attribute
        of the decoded output (by ``attribute_fns``) must match that other
        sample's attribute, in units of its training standard deviation.
        The regularization above orders the *codes*; this makes traversals
        and :meth:`edit` move the attribute of the *decoded* data in order
        (see :func:`skarvae.metrics.edit_fidelity`). It costs one more
        decoder pass per batch. Requires ``attribute_fns``.
    latent_dim : int, default=None
        Size of the latent code; at least the number of attributes. None
        uses the module's default: 8 for ``"mlp"`` and ``"conv"``, 10 for
        ``"dsprites"``, 16 for ``"morpho_mnist"``, 32 for ``"measure_vae"``,
        ``"token_mlp"`` and ``"token_conv"``.
    beta : float, default=1.0
        Weight of the KL divergence.
    beta_warmup : int, default=0
        Epochs over which the KL weight grows linearly from 0 to ``beta``
        (0 in the first epoch, full from epoch ``beta_warmup + 1``). Early
        stopping only compares epochs trained at the full weight.
    module : str or nn.Module subclass, default=None
        Network following the :class:`~skarvae.modules.VAEModule` protocol:
        a name from :data:`skarvae.modules.MODULES` or a class. None means
        ``"mlp"``.
    hidden_dims : sequence of int, default=None
        Hidden layer widths, passed to modules that take ``hidden_dims``.
        None keeps the module's default ((128, 64) for ``"mlp"``).
    module_params : dict, default=None
        Further keyword arguments for the module constructor.
    recon_loss : {'auto', 'mse', 'bce', 'ce'}, default='auto'
        Reconstruction loss, summed over features per sample: squared error
        for real-valued data, binary cross-entropy with logits for data in
        [0, 1], cross-entropy for integer token ids. ``'auto'`` chooses
        ``'ce'`` for token modules, ``'bce'`` when every value of X lies in
        [0, 1], and ``'mse'`` otherwise.
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
        Mini-batch size; also the ``m`` of the pairwise regularization.
    max_epochs : int, default=100
        Number of training epochs (fewer with early stopping).
    validation_fraction : float or None, default=0.1
        Share of the training data held out (seeded by ``random_state``) for
        the ``valid_*`` history columns and early stopping; 0 or None trains
        on everything.
    early_stopping : bool, default=False
        Stop when the validation loss (the training loss without a
        validation split) has not improved for ``n_iter_no_change`` epochs,
        and restore the best weights. Epochs of the ``beta_warmup`` are not
        compared.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    callbacks : list of skorch callbacks, default=None
        Extra callbacks for the skorch net.
    device : str or torch.device, default='cpu'
        ``'cpu'``, ``'cuda'``, ``'cuda:N'`` or ``'auto'`` (CUDA when
        available). A model fitted on CUDA loads on a CPU-only machine.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, the validation split and the
        reparameterisation noise: equal seeds give equal results on CPU.
    verbose : int, default=0
        1 prints one line per epoch, 2 adds a progress bar.

    Attributes
    ----------
    attribute_names_in_ : list of str
        Attribute names: the columns of a DataFrame ``y``, the name of a
        Series, or ``attr0, attr1, ...`` for arrays.
    reg_dims_ : dict
        Latent dimension of each attribute, in attribute order.
    calibration_ : dict
        Per attribute, the increasing map from its latent code to its value
        (isotonic regression on the training codes), as knot arrays
        ``{"codes": ndarray, "values": ndarray}``; used by :meth:`predict` and
        :meth:`edit`.
    latent_dim_ : int
        Size of the latent code.
    net_ : skorch.NeuralNet
        The trained net; ``net_.module_`` is the torch module.
    history_ : pandas.DataFrame
        Per-epoch losses: ``train_loss``/``valid_loss`` (the objective) and
        the unweighted terms ``*_recon``, ``*_kld``, ``*_ar``,
        ``*_ar_<attribute>`` and, with ``edit_weight``, ``*_edit``.
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
    BetaVAE : The same model without attribute regularization.

    References
    ----------
    A. Pati and A. Lerch, "Attribute-based Regularization of Latent Spaces for
    Variational Auto-Encoders", Neural Computing and Applications, 2020.

    Examples
    --------
    >>> from skarvae import ARVAE
    >>> from skarvae.datasets import make_attribute_data
    >>> data = make_attribute_data(n_samples=200, n_attributes=2, random_state=0)
    >>> list(data.attributes.columns)
    ['a0', 'a1']
    >>> vae = ARVAE(reg_dims={"a0": 0, "a1": 3}, latent_dim=4, max_epochs=2,
    ...             random_state=0).fit(data.data, data.attributes)
    >>> vae.get_feature_names_out()
    array(['z_a0', 'z1', 'z2', 'z_a1'], dtype=object)
    >>> vae.transform(data.data).shape
    (200, 4)
    """

    _parameter_constraints: dict = {
        **_RegularizedVAE._parameter_constraints,
        "reg_dims": [None, "array-like", dict],
        "gamma": [Interval(Real, 0, None, closed="left"), "array-like", dict],
        "delta": [Interval(Real, 0, None, closed="neither"), "array-like", dict],
        "attribute_fns": [None, callable, list, tuple, dict],
        "edit_weight": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        reg_dims=None,
        gamma=10.0,
        delta=1.0,
        attribute_fns=None,
        edit_weight=0.0,
        latent_dim=None,
        beta=1.0,
        beta_warmup=0,
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
        self.reg_dims = reg_dims
        self.gamma = gamma
        self.delta = delta
        self.attribute_fns = attribute_fns
        self.edit_weight = edit_weight
        self.latent_dim = latent_dim
        self.beta = beta
        self.beta_warmup = beta_warmup
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

    _net_class = _ARNet

    def _regularization(self):
        names = self.attribute_names_in_
        return {
            "reg_dims": list(self.reg_dims_.values()),
            "gamma": per_attribute(self.gamma, "gamma", names),
            "delta": per_attribute(self.delta, "delta", names, bound="positive"),
            "attribute_fns": self._edit_functions(),
            "edit_weight": self.edit_weight,
            "attribute_names": names,
        }

    def _edit_functions(self):
        """The attribute function of each attribute (None if absent)."""
        names = self.attribute_names_in_
        fns = self.attribute_fns
        if fns is None:
            if self.edit_weight:
                raise ValueError(
                    "edit_weight > 0 needs attribute_fns: differentiable functions "
                    "of the decoder output giving the attributes (for measures, "
                    "skarvae.losses.measure_attribute_functions(vocabulary))."
                )
            return [None] * len(names)
        fns = attribute_functions(fns, names, optional=True)
        if self.edit_weight and all(fn is None for fn in fns):
            raise ValueError("edit_weight > 0 needs at least one attribute function.")
        return fns

    def _net_targets(self, A):
        ranks = attribute_ranks(A)
        if not self.edit_weight:
            return ranks
        # the edit loss compares decoded attributes with the values themselves
        return np.hstack([ranks.astype(np.float64), A.reshape(len(A), -1)])

    def _check_net(self, net, X):
        """Run each attribute function once on the decoder, with clear errors."""
        if not self.edit_weight:
            return
        with decoder_probe(net, X) as (module, z):
            for name, fn in zip(self.attribute_names_in_, net.attribute_fns):
                if fn is None:
                    continue
                where, value = check_attribute_function(module.decode, z, fn, name)
                if not value.requires_grad:
                    raise ValueError(
                        f"{where} is not differentiable: its value does not depend "
                        "on the decoder's weights. Write it with torch operations "
                        "on the decoder output (no detach, numpy, rounding or "
                        "argmax)."
                    )
