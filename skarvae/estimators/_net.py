"""The private skorch net that trains every skarvae estimator."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.utils import to_tensor

from skarvae.losses import attribute_regularization, gaussian_kl, reconstruction_loss


class _LossTerms(Callback):
    """Write the epoch means of each loss term to the history.

    Terms are summed on the device during the epoch and read back once per
    epoch, so logging adds no host synchronisation per batch.
    """

    def on_epoch_begin(self, net, **kwargs):
        net._running = {}

    def on_epoch_end(self, net, **kwargs):
        names = ["recon", "kld"]
        if net.reg_dims:
            names += ["ar"] + [f"ar_{name}" for name in net.attribute_names]
        for prefix, (sums, count) in net._running.items():
            means = (sums / count).tolist()
            if net.reg_dims:
                means.insert(2, sum(means[2:]))
            for name, value in zip(names, means):
                net.history.record(f"{prefix}_{name}", value)


class _CheckFinite(Callback):
    """Stop training with a helpful error once the loss is not finite."""

    def on_epoch_end(self, net, **kwargs):
        loss = net.history[-1, "train_loss"]
        if not math.isfinite(loss):
            raise FloatingPointError(
                f"The training loss became {loss} in epoch {len(net.history)}. "
                "Lower lr, scale the input features (e.g. StandardScaler), or "
                "lower gamma and beta."
            )


class _VAENet(NeuralNet):
    """skorch net computing recon + beta * KL + sum_l gamma_l * AR_l.

    Parameters beyond skorch's own: ``recon_loss`` ('mse', 'bce' or 'ce'),
    ``beta``, and for attribute regularization ``reg_dims`` (latent index per
    attribute column), ``gamma`` and ``delta`` (one value per attribute) and
    ``attribute_names`` (used for the history columns).
    """

    def __init__(
        self,
        *args,
        recon_loss="mse",
        beta=1.0,
        reg_dims=(),
        gamma=(),
        delta=(),
        attribute_names=(),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.recon_loss = recon_loss
        self.beta = beta
        self.reg_dims = list(reg_dims)
        self.gamma = list(gamma)
        self.delta = list(delta)
        self.attribute_names = list(attribute_names)

    @property
    def _default_callbacks(self):
        callbacks = super()._default_callbacks
        at = next(i for i, (name, _) in enumerate(callbacks) if name == "print_log")
        extra = [("loss_terms", _LossTerms()), ("check_finite", _CheckFinite())]
        return callbacks[:at] + extra + callbacks[at:]

    def _ar_constants(self):
        """gamma, delta and reg_dims as tensors on the device, built once."""
        cache = self.__dict__.setdefault("_cache", {})
        key = str(self.device)
        if key not in cache:
            cache[key] = tuple(
                torch.as_tensor(v, device=self.device)
                for v in (self.gamma, self.delta, self.reg_dims)
            )
        return cache[key]

    def get_loss(self, y_pred, y_true, X=None, training=False):
        output, mu, logvar, z = y_pred
        X = to_tensor(X, device=self.device)
        recon = reconstruction_loss(output, X, self.recon_loss).mean()
        kld = gaussian_kl(mu, logvar).mean()
        loss = recon + self.beta * kld
        terms = [recon.detach()[None], kld.detach()[None]]
        if self.reg_dims:
            gamma, delta, dims = self._ar_constants()
            attributes = to_tensor(y_true, device=self.device)
            ar = attribute_regularization(z[:, dims], attributes, delta)
            loss = loss + (gamma * ar).sum()
            terms.append(ar.detach())
        self._record_terms("train" if training else "valid", terms, len(X))
        return loss

    def _record_terms(self, prefix, terms, batch_size):
        running = self.__dict__.setdefault("_running", {})
        sums = torch.cat(terms) * batch_size
        if prefix in running:
            total, count = running[prefix]
            running[prefix] = (total + sums, count + batch_size)
        else:
            running[prefix] = (sums, batch_size)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_cache", None)
        state.pop("_running", None)
        return state
