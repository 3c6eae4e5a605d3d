"""Default search spaces and checks of user-given ones."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skarvae.utils._optional import import_optional

#: Log-uniform ranges of the default space, ``name: (low, high)``. The paper
#: swept gamma and delta over {0.01, ..., 100}; beta from 1e-3 (music) to 10
#: covers the image settings (1 and 4) too.
DEFAULT_RANGES = {
    "gamma": (1e-2, 1e2),
    "delta": (1e-2, 1e2),
    "beta": (1e-3, 1e1),
}


def default_param_distributions(estimator):
    """Log-uniform default search space for the parameters ``estimator`` has.

    ``gamma`` in [0.01, 100], ``delta`` in [0.01, 100] and ``beta`` in
    [0.001, 10], each drawn on a log scale; parameters the estimator lacks
    are left out (a :class:`~skarvae.BetaVAE` only gets ``beta``).

    Parameters
    ----------
    estimator : estimator object
        The estimator to search, e.g. an ``ARVAE`` or ``BetaVAE``.

    Returns
    -------
    param_distributions : dict of str to optuna.distributions.FloatDistribution
        One log-uniform distribution per parameter.

    Examples
    --------
    >>> from skarvae import BetaVAE
    >>> from skarvae.model_selection import default_param_distributions
    >>> default_param_distributions(BetaVAE())
    {'beta': FloatDistribution(high=10.0, log=True, low=0.001, step=None)}
    """
    distributions = import_optional("optuna.distributions")
    params = estimator.get_params(deep=True)
    return {
        name: distributions.FloatDistribution(low, high, log=True)
        for name, (low, high) in DEFAULT_RANGES.items()
        if name in params
    }


def check_param_distributions(estimator, param_distributions):
    """Validate a search space against ``estimator``; return it as a dict.

    Raises a ValueError naming unknown parameters (nested ``step__param``
    names of pipelines are accepted) and a TypeError for values that are not
    optuna distributions.
    """
    distributions = import_optional("optuna.distributions")
    if param_distributions is None:
        space = default_param_distributions(estimator)
        if not space:
            raise ValueError(
                f"{type(estimator).__name__} has none of the parameters of the "
                f"default search space ({', '.join(DEFAULT_RANGES)}); pass "
                "param_distributions."
            )
        return space
    if not isinstance(param_distributions, dict) or not param_distributions:
        raise TypeError(
            "param_distributions must be a non-empty dict mapping parameter "
            "names to optuna distributions; got "
            f"{type(param_distributions).__name__}."
        )
    valid = estimator.get_params(deep=True)
    unknown = sorted(name for name in param_distributions if name not in valid)
    if unknown:
        raise ValueError(
            f"Unknown parameter(s) {unknown} in param_distributions for "
            f"{type(estimator).__name__}; valid parameters are: "
            f"{sorted(valid)}."
        )
    for name, dist in param_distributions.items():
        if not isinstance(dist, distributions.BaseDistribution):
            raise TypeError(
                f"param_distributions[{name!r}] must be an optuna distribution "
                "(e.g. FloatDistribution(0.1, 10, log=True), IntDistribution, "
                f"CategoricalDistribution); got {dist!r}."
            )
    return dict(param_distributions)
