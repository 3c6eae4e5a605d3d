"""The beta-VAE baseline estimator."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn.base import _fit_context

from skarvae.estimators._base import _BaseVAE
from skarvae.estimators._editing import _EditingMixin


class BetaVAE(_EditingMixin, _BaseVAE):
    """beta-VAE (Higgins et al. 2017), the unregularized AR-VAE baseline.

    Trains ``reconstruction + beta * KL`` with a skorch net. It has the same
    API as :class:`ARVAE` and accepts attribute columns as ``y`` (ignored), so
    the same pipelines, searches and disentanglement scorers run on it.

    Parameters
    ----------
    latent_dim : int, default=None
        Size of the latent code. None uses the module's default: 8 for
        ``"mlp"`` and ``"conv"``, 10 for ``"dsprites"``, 16 for
        ``"morpho_mnist"``, 32 for ``"measure_vae"``, ``"token_mlp"`` and
        ``"token_conv"``.
    beta : float, default=1.0
        Weight of the KL divergence; 1 gives the plain VAE.
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
        Mini-batch size.
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
    latent_dim_ : int
        Size of the latent code.
    net_ : skorch.NeuralNet
        The trained net; ``net_.module_`` is the torch module.
    history_ : pandas.DataFrame
        Per-epoch train and validation losses and their terms.
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
    ARVAE : The attribute-regularized VAE.

    Examples
    --------
    >>> from skarvae import BetaVAE
    >>> from skarvae.datasets import make_attribute_data
    >>> data = make_attribute_data(n_samples=200, random_state=0)
    >>> vae = BetaVAE(latent_dim=4, beta=2.0, max_epochs=2, random_state=0)
    >>> vae.fit_transform(data.data).shape
    (200, 4)
    """

    def __init__(
        self,
        *,
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

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the beta-VAE.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, \\*shape)
            Training data.
        y : Ignored
            Attribute columns are accepted and ignored, so that the baseline
            runs in the same searches and pipelines as :class:`ARVAE`.

        Returns
        -------
        self : BetaVAE
            The fitted estimator.
        """
        X = self._validate_fit_data(X)
        self._resolve_module()
        return self._fit(X, None)
