"""Shared machinery of the VAE estimators: validation, training, encoding."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import inspect
import math
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data
from skorch.callbacks import ProgressBar

from skarvae.estimators._checks import _check_numeric_columns, _resolve_device
from skarvae.estimators._data import _BatchIterator, _TensorDataset, _ValidationSplit
from skarvae.estimators._net import (
    _Annealing,
    _FinalWeightsEarlyStopping,
    _lr_scheduler,
    _VAENet,
    _WeightAverage,
)
from skarvae.losses import gaussian_kl, reconstruction_loss
from skarvae.modules import get_module_class

# Rows per forward pass at inference (transform, inverse_transform, score,
# the calibration after fit). On a CPU, batches of 256 run the paper's
# networks 1.7-1.9x faster than batches of 4096, in a sixteenth of the
# memory, and the small networks as fast (benchmarks/bench_inference.py).
_INFERENCE_BATCH = {"cpu": 256, "cuda": 4096}
_FAR_OUT = (
    "{} of X is NaN or infinite in float32: X lies far outside the scale of "
    "the training data; scale X as in fit."
)


class _BaseVAE(TransformerMixin, BaseEstimator):
    """Base class of the VAE estimators.

    Warning: This class should not be used directly. Use derived classes
    instead.
    """

    _parameter_constraints: dict = {
        "latent_dim": [None, Interval(Integral, 1, None, closed="left")],
        "module": [None, str, type],
        "hidden_dims": [None, "array-like"],
        "module_params": [None, dict],
        "recon_loss": [StrOptions({"auto", "mse", "bce", "ce"})],
        "beta": [Interval(Real, 0, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "lr_schedule": [StrOptions({"constant", "cosine", "onecycle"})],
        "lr_warmup": [Interval(Real, 0, 1, closed="left")],
        "ema_decay": [None, Interval(Real, 0, 1, closed="neither")],
        "beta_warmup": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [None, Interval(Real, 0, 1, closed="left")],
        "early_stopping": ["boolean"],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "callbacks": [None, list],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # Fitted attributes that persist as JSON in ``save``; subclasses extend.
    _json_attributes = (
        "latent_dim_",
        "n_features_in_",
        "input_shape_",
        "recon_loss_",
        "n_tokens_",
        "n_iter_",
    )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        device = str(self.device)
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        tags.non_deterministic = device != "cpu"
        return tags

    # ------------------------------------------------------------------ fit

    def _validate_fit_data(self, X, y="no_validation", **check_params):
        """Validate the training data and record the per-sample shape."""
        _check_numeric_columns(X)
        out = validate_data(
            self, X, y, reset=True, allow_nd=True, dtype="numeric", **check_params
        )
        X = out[0] if isinstance(out, tuple) else out
        self.input_shape_ = tuple(int(s) for s in X.shape[1:])
        return out

    def _validate_X(self, X):
        """Validate X for a fitted model into a net-ready array."""
        check_is_fitted(self)
        shape = self.input_shape_
        if (
            len(shape) > 1
            and getattr(X, "ndim", 0) == 2
            and X.shape[1:] == (math.prod(shape),)
        ):
            X = np.asarray(X).reshape(-1, *shape)
        _check_numeric_columns(X)
        X = validate_data(self, X, reset=False, allow_nd=True, dtype="numeric")
        if X.shape[1:] != shape:
            raise ValueError(
                f"X has per-sample shape {X.shape[1:]}, but {type(self).__name__} "
                f"was fitted on per-sample shape {shape}."
            )
        return self._convert_X(X)

    def _convert_X(self, X):
        kind = self.recon_loss_
        if kind == "ce":
            if np.any(X != np.round(X)):
                raise ValueError("recon_loss='ce' needs X of integer token ids.")
            if X.size and X.min() < 0:
                raise ValueError("Token ids in X must be non-negative.")
            n_tokens = getattr(self, "n_tokens_", None)
            if n_tokens is not None and X.size and X.max() >= n_tokens:
                raise ValueError(
                    f"X holds token id {int(X.max())}, but the model knows "
                    f"{n_tokens} tokens (ids 0 to {n_tokens - 1})."
                )
            return np.ascontiguousarray(X, dtype=np.int64)
        wide = X.dtype.kind == "f" and X.dtype.itemsize > 4
        with np.errstate(over="ignore"):
            X = np.require(X, dtype=np.float32, requirements=["C", "W"])
        if wide and not np.isfinite(X).all():
            raise ValueError(
                "X holds values beyond the float32 range (|x| > 3.4e38), which "
                "the network cannot represent; scale X (e.g. StandardScaler)."
            )
        if kind == "bce" and X.size and (X.min() < 0 or X.max() > 1):
            raise ValueError(
                "recon_loss='bce' needs X with values in [0, 1]; got values in "
                f"[{X.min():g}, {X.max():g}]. Scale X or use recon_loss='mse'."
            )
        return X

    def _is_token_model(self):
        """Whether the module is built for token ids.

        True for modules whose class says ``data_kind = "tokens"`` and for
        modules given ``n_tokens`` through ``module_params`` (e.g.
        ``MLPVAE``, which is a token model only then).
        """
        if getattr(self._module_class, "data_kind", "continuous") == "tokens":
            return True
        return (self.module_params or {}).get("n_tokens") is not None

    def _choose_recon_loss(self, X):
        tokens = self._is_token_model()
        if self.recon_loss != "auto":
            if tokens and self.recon_loss != "ce":
                raise ValueError(
                    f"{self._module_class.__name__} with these module_params is a "
                    "token model (it takes integer token ids and returns logits); "
                    f"recon_loss={self.recon_loss!r} would treat the ids as "
                    "numbers. Use recon_loss='ce' or 'auto'."
                )
            return self.recon_loss
        if tokens:
            return "ce"
        if X.size and 0 <= X.min() and X.max() <= 1:
            return "bce"
        return "mse"

    def _module_options(self):
        """Keyword arguments for the module constructor."""
        params = dict(self.module_params or {})
        options = {"input_shape": self.input_shape_, "latent_dim": self.latent_dim_}
        signature = inspect.signature(self._module_class).parameters
        if not any(p.kind is p.VAR_KEYWORD for p in signature.values()):
            unknown = sorted(set(params) - set(signature) - {"n_tokens"})
            if unknown:
                raise ValueError(
                    f"module_params has unknown parameter(s) {unknown} for "
                    f"{self._module_class.__name__}; it takes {list(signature)}."
                )
        if (
            self.hidden_dims is not None
            and "hidden_dims" in signature
            and "hidden_dims" not in params
        ):
            hidden = np.asarray(self.hidden_dims)
            if (
                hidden.ndim != 1
                or not np.all(hidden == np.round(hidden))
                or np.any(hidden < 1)
            ):
                raise ValueError(
                    "hidden_dims must be a sequence of positive integers; got "
                    f"{self.hidden_dims!r}."
                )
            options["hidden_dims"] = tuple(int(h) for h in hidden)
        if self.recon_loss_ == "ce":
            options["n_tokens"] = self.n_tokens_
        params.pop("n_tokens", None)
        return {**options, **params}

    #: The private skorch net class that trains the model.
    _net_class = _VAENet

    def _regularization(self):
        """Net arguments for attribute regularization; none for plain VAEs."""
        return {}

    def _extra_callbacks(self):
        """Callbacks the model itself needs (e.g. annealing)."""
        return [_Annealing(self.beta_warmup)] if self.beta_warmup else []

    def _check_net(self, net, X):
        """Check user-supplied pieces on the initialized net before training."""

    def _resolve_module(self):
        """Set the module class and the latent size (default: the module's)."""
        self._module_class = get_module_class(self.module)
        self.latent_dim_ = self.latent_dim
        if self.latent_dim_ is None:
            param = inspect.signature(self._module_class).parameters.get("latent_dim")
            if param is None or param.default is inspect.Parameter.empty:
                raise ValueError(
                    f"{self._module_class.__name__} has no default latent_dim; "
                    "set latent_dim."
                )
            self.latent_dim_ = int(param.default)

    def _fit(self, X, y):
        """Train on validated arrays; ``y`` holds the attribute columns or None."""
        self.recon_loss_ = self._choose_recon_loss(X)
        self.n_tokens_ = None
        if self.recon_loss_ == "ce":
            given = (self.module_params or {}).get("n_tokens")
            self.n_tokens_ = int(given) if given is not None else int(X.max()) + 1
        X = self._convert_X(X)
        device = _resolve_device(self.device)
        seed = int(
            check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        )
        cuda = [torch.device(device).index or 0] if device.startswith("cuda") else []
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(seed)
            net = self._build_net(device, seed, n_samples=len(X))
            net.initialize()
            self._check_net(net, X)
            self.net_ = net.partial_fit(X, y)
        self.n_iter_ = len(self.net_.history)
        return self

    def _build_net(self, device, seed, n_samples=None):
        """The skorch net; ``n_samples`` (training data size) sizes the LR schedule."""
        callbacks = [*self._extra_callbacks(), *(self.callbacks or [])]
        if self.ema_decay is not None:
            if self.early_stopping:
                raise ValueError(
                    "ema_decay and early_stopping cannot be combined: early "
                    "stopping restores the weights of its best epoch, not the "
                    "average. Set one of them."
                )
            callbacks.append(_WeightAverage(self.ema_decay))
        validate = bool(self.validation_fraction)
        if n_samples is not None:
            n_train = n_samples
            if validate:
                n_train -= max(1, round(self.validation_fraction * n_samples))
            steps = self.max_epochs * -(-max(n_train, 1) // self.batch_size)
            scheduler = _lr_scheduler(self.lr_schedule, self.lr, self.lr_warmup, steps)
            if scheduler is not None:
                callbacks.append(scheduler)
        if self.early_stopping:
            callbacks.append(
                _FinalWeightsEarlyStopping(
                    monitor="valid_loss" if validate else "train_loss",
                    patience=self.n_iter_no_change,
                    load_best=True,
                    sink=print if self.verbose else _silent,
                )
            )
        if self.verbose and self.verbose > 1:
            callbacks.append(ProgressBar())
        return self._net_class(
            self._module_class,
            criterion=torch.nn.Identity,
            optimizer=torch.optim.Adam,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            dataset=_TensorDataset,
            iterator_train=_BatchIterator,
            iterator_train__shuffle=True,
            iterator_train__generator=torch.Generator().manual_seed(seed),
            iterator_valid=_BatchIterator,
            train_split=(
                _ValidationSplit(self.validation_fraction, seed) if validate else None
            ),
            callbacks=callbacks or None,
            device=device,
            verbose=int(self.verbose),
            recon_loss=self.recon_loss_,
            beta=self.beta,
            **{f"module__{k}": v for k, v in self._module_options().items()},
            **self._regularization(),
        )

    # ------------------------------------------------------------ inference

    @property
    def history_(self):
        """Per-epoch losses as a DataFrame, one row per epoch.

        Columns ``train_loss`` and ``valid_loss`` hold the total objective;
        ``*_recon``, ``*_kld`` and (AR-VAE) ``*_ar`` and ``*_ar_<attribute>``
        hold the unweighted terms, so that
        ``loss = recon + beta * kld + sum_l gamma_l * ar_<l>``; ``lr`` holds
        the learning rate of each epoch's first batch, and ``kl_scale`` and
        ``reg_scale`` the warm-up factors of the KL and regularization
        weights when the model warms them up.
        """
        check_is_fitted(self)
        rows = [
            {k: v for k, v in row.items() if k != "batches"}
            for row in self.net_.history
        ]
        return pd.DataFrame(rows).set_index("epoch")

    def _batches(self, array):
        device = torch.device(self.net_.device)
        size = _INFERENCE_BATCH.get(device.type, _INFERENCE_BATCH["cuda"])
        for start in range(0, len(array), size):
            yield torch.as_tensor(array[start : start + size]).to(device)

    def _encode(self, X):
        """Posterior means and log-variances of validated X, as tensors on CPU."""
        module = self.net_.module_.eval()
        mus, logvars = [], []
        with torch.inference_mode():
            for batch in self._batches(X):
                mu, logvar = module.encode(batch)
                mus.append(mu.float().cpu())
                logvars.append(logvar.float().cpu())
        if not mus:
            empty = torch.empty(0, self.latent_dim_)
            return empty, empty
        mu, logvar = torch.cat(mus), torch.cat(logvars)
        if not (torch.isfinite(mu).all() and torch.isfinite(logvar).all()):
            raise ValueError(
                "Encoding X gave NaN or infinite codes (largest |x| = "
                f"{float(np.abs(X).max()):.3g}): X lies far outside the scale "
                "of the training data, or the model's weights overflow float32."
            )
        return mu, logvar

    def _decode(self, Z):
        """Decoded data for latent codes Z, in the layout fitted on."""
        module = self.net_.module_.eval()
        outputs = []
        with torch.inference_mode():
            for batch in self._batches(Z):
                out = module.decode(batch).float()
                if self.recon_loss_ == "bce":
                    out = torch.sigmoid(out)
                elif self.recon_loss_ == "ce":
                    out = out.argmax(dim=-1)
                outputs.append(out.cpu())
        dtype = np.int64 if self.recon_loss_ == "ce" else np.float32
        if not outputs:
            return np.empty((0, *self.input_shape_), dtype=dtype)
        decoded = torch.cat(outputs).numpy().astype(dtype, copy=False)
        if dtype is np.float32 and not np.isfinite(decoded).all():
            raise ValueError(
                "Decoding gave NaN or infinite values (largest |z| = "
                f"{float(np.abs(Z).max()):.3g}): the latent codes lie far outside "
                "the prior N(0, I), or the model's weights overflow float32."
            )
        return decoded

    def transform(self, X):
        """Encode X to its posterior means.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, \\*shape)
            Data in the layout the estimator was fitted on (images may also
            be given flattened).

        Returns
        -------
        Z : ndarray of shape (n_samples, ``latent_dim_``)
            Posterior means, deterministic for a fitted model.
        """
        X = self._validate_X(X)
        return self._encode(X)[0].numpy()

    def sample_latent(self, X, random_state=None):
        """Draw one latent code per sample from the posterior q(z | x).

        :meth:`transform` returns the posterior means; this returns
        ``mu + sigma * eps`` with ``eps ~ N(0, I)``, as the original AR-VAE
        evaluation did.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, \\*shape)
            Data to encode.
        random_state : int, RandomState instance or None, default=None
            Seeds ``eps``; the draw does not depend on the device.

        Returns
        -------
        Z : ndarray of shape (n_samples, ``latent_dim_``)
            Posterior samples.
        """
        X = self._validate_X(X)
        mu, logvar = self._encode(X)
        rng = check_random_state(random_state)
        eps = rng.standard_normal(mu.shape).astype(np.float32)
        Z = (mu + torch.exp(0.5 * logvar) * torch.from_numpy(eps)).numpy()
        if not np.isfinite(Z).all():
            raise ValueError(_FAR_OUT.format("Sampling the posterior"))
        return Z

    def inverse_transform(self, X):
        """Decode latent codes back to the data space.

        Parameters
        ----------
        X : array-like of shape (n_samples, ``latent_dim_``)
            Latent codes, e.g. the output of :meth:`transform`.

        Returns
        -------
        X_decoded : ndarray of shape (n_samples, \\*input_shape)
            Decoded data in the layout fitted on: values for
            ``recon_loss='mse'``, probabilities for ``'bce'``, most likely
            token ids for ``'ce'``.
        """
        check_is_fitted(self)
        Z = check_array(X, dtype=np.float32, ensure_min_samples=0)
        if Z.shape[1] != self.latent_dim_:
            raise ValueError(
                f"inverse_transform expects {self.latent_dim_} latent features, "
                f"got {Z.shape[1]}."
            )
        return self._decode(np.require(Z, requirements=["C", "W"]))

    def sample(self, n_samples=1, random_state=None):
        """Generate data by decoding draws from the N(0, I) prior.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples to generate.
        random_state : int, RandomState instance or None, default=None
            Seeds the prior draws.

        Returns
        -------
        X_new : ndarray of shape (n_samples, \\*input_shape)
            Decoded samples, as :meth:`inverse_transform` returns them.
        """
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(
                f"n_samples must be a positive integer; got {n_samples!r}."
            )
        rng = check_random_state(random_state)
        Z = rng.standard_normal((n_samples, self.latent_dim_)).astype(np.float32)
        return self._decode(Z)

    def score(self, X, y=None):
        """Mean evidence lower bound (ELBO) per sample, in nats; higher is better.

        The ELBO of a sample is ``E_q(z|x)[log p(x | z)] - KL(q(z | x) || p(z))``
        with a KL weight of 1, whatever ``beta``, ``gamma`` and the other
        regularization settings are, so scores compare models trained with
        different settings. The likelihood ``p(x | z)`` is the one the
        reconstruction loss is the negative logarithm of:

        - ``'mse'``: a Gaussian with mean the decoder output and variance
          1/2 per feature, under which the summed squared error is the
          negative log-likelihood up to the constant ``(d / 2) log(pi)`` for
          ``d`` features; that constant is included, so the score is a
          normalized log-density (of X in the units it was fitted in);
        - ``'bce'``: independent Bernoulli variables with the decoder's
          logits (a normalized log-probability for binary X; for values
          strictly between 0 and 1 it is the cross-entropy);
        - ``'ce'``: categorical tokens with the decoder's logits. Modules
          whose decoder feeds back its previous tokens (such as
          ``MeasureVAE``) define ``decode_teacher_forced(z, x)``, which
          feeds back the true tokens of X instead, so the score is
          ``log p(x | z)`` and not the likelihood of a greedy decoding.

        The expectation over ``q(z | x)`` is estimated with one posterior
        sample drawn from a fixed seed, so the score of a fitted model is
        deterministic. Dropout is off (eval mode).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, \\*shape)
            Data to score.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        score : float
            Mean ELBO per sample.
        """
        X = self._validate_X(X)
        module = self.net_.module_.eval()
        decode = getattr(module, "decode_teacher_forced", None)
        generator = torch.Generator().manual_seed(0)
        total = 0.0
        with torch.inference_mode():
            for batch in self._batches(X):
                mu, logvar = module.encode(batch)
                eps = torch.randn(mu.shape, generator=generator).to(mu.device)
                z = mu + torch.exp(0.5 * logvar) * eps
                output = module.decode(z) if decode is None else decode(z, batch)
                loss = reconstruction_loss(output.float(), batch, self.recon_loss_)
                loss = loss + gaussian_kl(mu.float(), logvar.float())
                total += float(loss.sum())
        if not math.isfinite(total):
            raise ValueError(_FAR_OUT.format("The ELBO"))
        constant = 0.0
        if self.recon_loss_ == "mse":
            constant = 0.5 * math.prod(self.input_shape_) * math.log(math.pi)
        return -total / len(X) - constant

    def _latent_names(self):
        return [f"z{i}" for i in range(self.latent_dim_)]

    def get_feature_names_out(self, input_features=None):
        """Names of the latent dimensions.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored; present for API consistency.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``z0, z1, ...``; AR-VAE names each regularized dimension after
            its attribute, e.g. ``z_thickness``.
        """
        check_is_fitted(self)
        return np.asarray(self._latent_names(), dtype=object)

    # ---------------------------------------------------------- persistence

    def save(self, path):
        """Save the fitted model to a file that loads without running code.

        The file is a zip archive holding the parameters, the fitted
        attributes and the history as JSON, and the weights as a torch
        state dict that :func:`skarvae.load` reads with
        ``torch.load(weights_only=True)``.

        Parameters
        ----------
        path : str or path-like
            Destination file (by convention with suffix ``.skarvae``).

        Returns
        -------
        self : object
            The estimator.
        """
        from skarvae.estimators._persistence import save_estimator

        save_estimator(self, path)
        return self


def _silent(*args, **kwargs):
    """A sink that drops messages (skorch callbacks print by default)."""
