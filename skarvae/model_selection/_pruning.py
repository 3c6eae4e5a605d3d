"""A clone-safe skorch callback that reports epochs to an Optuna trial."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skorch.callbacks import Callback

from skarvae.utils._optional import import_optional


class PruningCallback(Callback):
    """Report a per-epoch history value to an Optuna trial and prune.

    At the end of each epoch the value ``net.history[-1, monitor]`` is
    reported to ``trial`` at step ``step_offset + epoch_index``, and
    ``optuna.TrialPruned`` is raised when the study's pruner says so. The
    value is oriented to the study's direction (a lower-is-better loss is
    reported negated to a maximizing study), so pruners compare it the
    right way round.

    Unlike ``optuna_integration.SkorchPruningCallback``, every parameter is a
    plain public attribute, so ``sklearn.base.clone`` works on an estimator
    holding this callback in its ``callbacks`` parameter. Cloning shares the
    trial (a handle to the study) instead of copying it. With ``trial=None``
    the callback does nothing: :class:`ARVAESearchCV` gives each trial's
    estimator a copy with the trial set.

    Parameters
    ----------
    trial : optuna.trial.Trial or None, default=None
        The trial to report to; None disables the callback.
    monitor : str, default='valid_loss'
        History column to report, e.g. ``'valid_loss'``, ``'train_loss'``
        or ``'valid_recon'``.
    lower_is_better : bool, default=True
        Whether smaller values of ``monitor`` are better.
    step_offset : int, default=0
        Added to the epoch index to form the reported step (the search sets
        it to ``fold * max_epochs`` so that folds do not share steps).

    See Also
    --------
    ARVAESearchCV : The search that injects the trial.

    Examples
    --------
    >>> from sklearn.base import clone
    >>> from skarvae import ARVAE
    >>> from skarvae.model_selection import PruningCallback
    >>> vae = ARVAE(callbacks=[PruningCallback(monitor="valid_recon")])
    >>> clone(vae).callbacks[0].monitor
    'valid_recon'
    """

    def __init__(
        self, trial=None, monitor="valid_loss", lower_is_better=True, step_offset=0
    ):
        self.trial = trial
        self.monitor = monitor
        self.lower_is_better = lower_is_better
        self.step_offset = step_offset

    def __sklearn_clone__(self):
        # The trial is a handle to shared state (the study's storage); it is
        # shared by clones rather than deep-copied.
        return type(self)(**self.get_params(deep=False))

    def _sign(self):
        optuna = import_optional("optuna")
        maximize = self.trial.study.direction == optuna.study.StudyDirection.MAXIMIZE
        return -1.0 if self.lower_is_better == maximize else 1.0

    def on_epoch_end(self, net, **kwargs):
        if self.trial is None:
            return
        optuna = import_optional("optuna")
        history = net.history
        if self.monitor not in history[-1]:
            raise KeyError(
                f"PruningCallback monitors {self.monitor!r}, which the history "
                f"lacks; available: {sorted(history[-1])}. Use 'train_loss' "
                "when the estimator has no validation split."
            )
        step = int(self.step_offset) + len(history) - 1
        self.trial.report(self._sign() * float(history[-1, self.monitor]), step)
        if self.trial.should_prune():
            raise optuna.TrialPruned(
                f"Trial {self.trial.number} pruned at step {step} "
                f"({self.monitor}={history[-1, self.monitor]:.4g})."
            )
