"""The private skorch net that trains every skarvae estimator."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback

from skarvae.losses import attribute_regularization, gaussian_kl, reconstruction_loss


class _LossTerms(Callback):
    """Write the epoch means of each loss term to the history.

    The net keeps each batch's detached terms; they are stacked and read back
    once per epoch, so logging adds no host synchronisation per batch.
    """

    def on_epoch_begin(self, net, **kwargs):
        net._running = {}

    def on_epoch_end(self, net, **kwargs):
        for prefix, (sizes, terms) in net._running.items():
            weights = torch.tensor(sizes, dtype=torch.float64)
            weights = (weights / weights.sum()).to(terms[0][0].device)
            means = {
                name: (weights @ torch.stack(values).double()).tolist()
                for name, values in zip(("recon", "kld", "ar"), zip(*terms))
            }
            net.history.record(f"{prefix}_recon", means["recon"])
            net.history.record(f"{prefix}_kld", means["kld"])
            if "ar" in means:
                net.history.record(f"{prefix}_ar", sum(means["ar"]))
                for name, value in zip(net.attribute_names, means["ar"]):
                    net.history.record(f"{prefix}_ar_{name}", value)


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

    def _set_mode(self, training):
        # skorch switches every submodule's mode on every batch; switching
        # only when the mode changes saves several percent of an epoch.
        if self.module_.training != training:
            self.module_.train(training)

    def train_step_single(self, batch, **fit_params):
        self._set_mode(True)
        Xi, yi = batch
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    def validation_step(self, batch, **fit_params):
        self._set_mode(False)
        Xi, yi = batch
        with torch.no_grad():
            y_pred = self.infer(Xi, **fit_params)
            loss = self.get_loss(y_pred, yi, X=Xi, training=False)
        return {"loss": loss, "y_pred": y_pred}

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
        X = X.to(self.device)
        recon = reconstruction_loss(output, X, self.recon_loss).mean()
        kld = gaussian_kl(mu, logvar).mean()
        loss = recon + self.beta * kld
        terms = (recon.detach(), kld.detach())
        if self.reg_dims:
            gamma, delta, dims = self._ar_constants()
            ar = attribute_regularization(z[:, dims], y_true.to(self.device), delta)
            loss = loss + (gamma * ar).sum()
            terms += (ar.detach(),)
        running = self.__dict__.setdefault("_running", {})
        sizes, batches = running.setdefault("train" if training else "valid", ([], []))
        sizes.append(len(X))
        batches.append(terms)
        return loss

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_cache", None)
        state.pop("_running", None)
        return state
