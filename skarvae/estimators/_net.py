"""The private skorch nets that train the skarvae estimators."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, LRScheduler
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from skarvae.losses import (
    attribute_derivatives,
    attribute_regularization,
    edit_loss,
    gaussian_kl,
    glsr_regularization,
    reconstruction_loss,
)


class _LossTerms(Callback):
    """Write the epoch means of each loss term to the history.

    The net keeps each batch's detached terms; they are stacked and read back
    once per epoch, so logging adds no host synchronisation per batch. Scalar
    terms become ``<prefix>_<term>`` columns; per-attribute terms become
    ``<prefix>_<term>_<attribute>`` columns, and the regularizer's terms also
    get their sum as ``<prefix>_<term>``.
    """

    def on_epoch_begin(self, net, **kwargs):
        net._running = {}
        net.history.record("lr", net.optimizer_.param_groups[0]["lr"])

    def on_epoch_end(self, net, **kwargs):
        for prefix, (sizes, batches) in net._running.items():
            weights = torch.tensor(sizes, dtype=torch.float64)
            weights = (weights / weights.sum()).to(batches[0]["recon"].device)
            for name in batches[0]:
                values = torch.stack([terms[name] for terms in batches]).double()
                mean = (weights @ values).tolist()
                if isinstance(mean, float):
                    net.history.record(f"{prefix}_{name}", mean)
                    continue
                if name == net.reg_name:
                    net.history.record(f"{prefix}_{name}", sum(mean))
                for attribute, value in zip(net.attribute_names, mean):
                    net.history.record(f"{prefix}_{name}_{attribute}", value)


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


class _Annealing(Callback):
    """Ramp the KL and regularization weights linearly from 0 over epochs.

    In epoch ``e`` (from 1) a weight with a warm-up of ``w`` epochs is
    scaled by ``min(1, (e - 1) / w)``: 0 in the first epoch, full from epoch
    ``w + 1`` on. A warm-up of 0 keeps the full weight throughout.
    """

    def __init__(self, beta_warmup=0, gamma_warmup=0):
        self.beta_warmup = beta_warmup
        self.gamma_warmup = gamma_warmup

    def on_epoch_begin(self, net, **kwargs):
        done = len(net.history) - 1  # the history already has this epoch's row
        net.kl_scale = min(1.0, done / self.beta_warmup) if self.beta_warmup else 1.0
        net.reg_scale = min(1.0, done / self.gamma_warmup) if self.gamma_warmup else 1.0
        net.history.record("kl_scale", net.kl_scale)
        net.history.record("reg_scale", net.reg_scale)


class _WarmupCosine:
    """Learning-rate factor per optimizer step: linear warm-up, cosine decay.

    Step ``s`` (from 0) of ``total_steps`` gets the factor
    ``(s + 1) / warmup_steps`` during the warm-up, then
    ``0.5 * (1 + cos(pi * p))`` with ``p`` the share of the remaining steps
    done, so the rate falls from ``lr`` to 0 at the last step. A plain class
    (not a closure) so that fitted nets pickle.
    """

    def __init__(self, total_steps, warmup_steps=0):
        self.total_steps = int(total_steps)
        self.warmup_steps = int(warmup_steps)

    def __call__(self, step):
        if step < self.warmup_steps:
            return (step + 1) / self.warmup_steps
        decay = max(1, self.total_steps - self.warmup_steps)
        progress = min(1.0, (step - self.warmup_steps) / decay)
        return 0.5 * (1.0 + math.cos(math.pi * progress))


def _lr_scheduler(schedule, lr, warmup, total_steps):
    """skorch's ``LRScheduler`` stepped per batch, or None for a constant rate.

    ``warmup`` is the share of the ``total_steps`` spent warming up.
    """
    if schedule == "constant":
        return None
    warmup_steps = round(warmup * total_steps)
    if schedule == "cosine":
        return LRScheduler(
            policy=torch.optim.lr_scheduler.LambdaLR,
            lr_lambda=_WarmupCosine(total_steps, warmup_steps),
            step_every="batch",
        )
    # one-cycle: warm-up from lr / 25 to lr, then cosine annealing to ~0
    return LRScheduler(
        policy=torch.optim.lr_scheduler.OneCycleLR,
        max_lr=lr,
        total_steps=max(total_steps, 2),
        pct_start=max(warmup, 1.0 / max(total_steps, 2)),
        cycle_momentum=False,
        step_every="batch",
    )


class _WeightAverage(Callback):
    """An exponential moving average of the weights, loaded when training ends.

    torch's ``AveragedModel`` keeps the average; it is updated after every
    optimizer step and starts from the weights after the first step of each
    training call.
    """

    def __init__(self, decay):
        self.decay = decay

    def on_train_begin(self, net, **kwargs):
        self.average_ = AveragedModel(
            net.module_, multi_avg_fn=get_ema_multi_avg_fn(self.decay), use_buffers=True
        )

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        if training:
            self.average_.update_parameters(net.module_)

    def on_train_end(self, net, **kwargs):
        average = self.__dict__.pop("average_", None)
        if average is not None and average.n_averaged > 0:
            net.module_.load_state_dict(average.module.state_dict())


class _FinalWeightsEarlyStopping(EarlyStopping):
    """skorch's early stopping, blind to epochs trained at warm-up loss weights.

    An epoch whose ``kl_scale`` or ``reg_scale`` (recorded by
    :class:`_Annealing`) is below 1 trained a different objective; its loss
    is neither compared with the others nor counted against the patience,
    so the weights restored at the end come from an epoch at the final
    weights.
    """

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        if row.get("kl_scale", 1.0) < 1.0 or row.get("reg_scale", 1.0) < 1.0:
            return
        super().on_epoch_end(net, **kwargs)


class _VAENet(NeuralNet):
    """skorch net computing ``recon + beta * KL`` plus a model's regularizer.

    Parameters beyond skorch's own: ``recon_loss`` ('mse', 'bce' or 'ce'),
    ``beta`` and ``attribute_names`` (for the history columns). Subclasses
    add a regularizer through :meth:`_regularizer`. ``kl_scale`` and
    ``reg_scale`` (1 unless an annealing callback sets them) scale the KL and
    the regularizer.
    """

    reg_name = None

    def __init__(self, *args, recon_loss="mse", beta=1.0, attribute_names=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.recon_loss = recon_loss
        self.beta = beta
        self.attribute_names = list(attribute_names)
        self.kl_scale = 1.0
        self.reg_scale = 1.0

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

    def _constants(self, *names):
        """Per-attribute parameters as tensors on the device, built once."""
        cache = self.__dict__.setdefault("_cache", {})
        key = str(self.device)
        if key not in cache:
            cache[key] = {}
        tensors = cache[key]
        for name in names:
            if name not in tensors:
                tensors[name] = torch.as_tensor(getattr(self, name), device=self.device)
        return tuple(tensors[name] for name in names)

    def _regularizer(self, y_pred, y_true, terms):
        """Weighted regularization loss; record detached terms in ``terms``."""
        return None

    def get_loss(self, y_pred, y_true, X=None, training=False):
        output, mu, logvar, _ = y_pred
        X = X.to(self.device)
        recon = reconstruction_loss(output, X, self.recon_loss).mean()
        kld = gaussian_kl(mu, logvar).mean()
        loss = recon + (self.beta * self.kl_scale) * kld
        terms = {"recon": recon.detach(), "kld": kld.detach()}
        reg = self._regularizer(y_pred, y_true, terms)
        if reg is not None:
            loss = loss + self.reg_scale * reg
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


class _ARNet(_VAENet):
    """Adds ``sum_l gamma_l * AR_l``, the AR-VAE regularization (Eq. 8).

    With ``edit_weight > 0`` it also adds ``edit_weight`` times the edit loss
    (:func:`skarvae.losses.edit_loss`) of the ``attribute_fns``; the targets
    then hold the attribute ranks followed by the attribute values, and the
    loss measures errors in the training standard deviations of the values.
    """

    reg_name = "ar"

    def __init__(
        self,
        *args,
        reg_dims=(),
        gamma=(),
        delta=(),
        attribute_fns=(),
        edit_weight=0.0,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.reg_dims = list(reg_dims)
        self.gamma = list(gamma)
        self.delta = list(delta)
        self.attribute_fns = list(attribute_fns)
        self.edit_weight = edit_weight

    def partial_fit(self, X, y=None, **fit_params):
        if self.edit_weight and y is not None:
            spread = y[:, len(self.reg_dims) :].std(axis=0)
            self.edit_scale_ = [float(s) if s > 0 else 1.0 for s in spread]
        return super().partial_fit(X, y, **fit_params)

    def _regularizer(self, y_pred, y_true, terms):
        z = y_pred[3]
        gamma, delta, dims = self._constants("gamma", "delta", "reg_dims")
        y_true = y_true.to(self.device)
        k = len(self.reg_dims)
        ar = attribute_regularization(z[:, dims], y_true[:, :k], delta)
        terms["ar"] = ar.detach()
        loss = (gamma * ar).sum()
        if self.edit_weight:
            (scale,) = self._constants("edit_scale_")
            edit = edit_loss(
                self.module_.decode,
                z.detach(),
                y_true[:, k:],
                self.attribute_fns,
                self.reg_dims,
                scale=scale,
            )
            terms["edit"] = edit.detach()
            loss = loss + self.edit_weight * edit
        return loss


class _GLSRNet(_VAENet):
    """Adds ``sum_l gamma_l * GLSR_l``, the GLSR-VAE regularization.

    ``grad`` columns in the history hold the mean derivative of each
    attribute along its dim.
    """

    reg_name = "glsr"

    def __init__(
        self,
        *args,
        attribute_fns=(),
        reg_dims=(),
        gamma=(),
        grad_mean=(),
        grad_std=(),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.attribute_fns = list(attribute_fns)
        self.reg_dims = list(reg_dims)
        self.gamma = list(gamma)
        self.grad_mean = list(grad_mean)
        self.grad_std = list(grad_std)

    def _regularizer(self, y_pred, y_true, terms):
        z = y_pred[3]
        gamma, mean, std = self._constants("gamma", "grad_mean", "grad_std")
        _, derivatives = attribute_derivatives(
            self.module_.decode, z, self.attribute_fns, self.reg_dims
        )
        glsr = glsr_regularization(derivatives, mean, std)
        terms["glsr"] = glsr.detach()
        terms["grad"] = derivatives.detach().mean(dim=0)
        return (gamma * glsr).sum()
