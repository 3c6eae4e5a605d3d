"""Pictures of attribute editing: latent attribute surfaces and traversals."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import os
from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_is_fitted

from skarvae.utils._optional import import_optional


def _axes(ax, figsize):
    """The given axes, or new axes on a figure outside pyplot's registry."""
    import_optional("matplotlib.pyplot")
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained").add_subplot()


def _measured(measure, decoded, attribute, n):
    """Call the user's attribute function and check it gives one value each."""
    out = measure(decoded)
    if isinstance(out, pd.DataFrame):
        if isinstance(attribute, str) and attribute in out.columns:
            out = out[attribute]
        elif out.shape[1] == 1:
            out = out.iloc[:, 0]
        else:
            raise ValueError(
                f"measure returned a DataFrame with columns {list(out.columns)} "
                f"and none named {attribute!r}; return one value per sample."
            )
    out = np.asarray(out, dtype=np.float64)
    if out.shape != (n,):
        raise ValueError(
            f"measure must return one value per decoded sample, shape ({n},); "
            f"got shape {out.shape}."
        )
    return out


def _latent_index(estimator, attribute):
    reg_dims = getattr(estimator, "reg_dims_", {})
    if isinstance(attribute, str):
        if attribute not in reg_dims:
            raise ValueError(
                f"Unknown attribute {attribute!r}; the attributes are {list(reg_dims)}."
            )
        return reg_dims[attribute]
    if not 0 <= attribute < estimator.latent_dim_:
        raise ValueError(
            f"Latent index {attribute} is out of range for latent_dim="
            f"{estimator.latent_dim_}."
        )
    return int(attribute)


def _save(ax, path, dpi=100):
    if path is not None:
        ax.figure.savefig(os.fspath(path), dpi=dpi, format="png")
    return ax.figure


@validate_params(
    {
        "estimator": [object],
        "attribute": [str, Interval(Integral, 0, None, closed="left")],
        "measure": [callable],
        "free_dim": [None, Interval(Integral, 0, None, closed="left")],
        "X": ["array-like", None],
        "span": [Interval(Real, 0, None, closed="neither")],
        "n_steps": [Interval(Integral, 2, None, closed="left")],
        "cmap": [str],
        "ax": [None, object],
        "path": [None, str, os.PathLike],
    },
    prefer_skip_nested_validation=True,
)
def plot_attribute_surface(
    estimator,
    attribute,
    measure,
    *,
    free_dim=None,
    X=None,
    span=3.0,
    n_steps=25,
    cmap="viridis",
    ax=None,
    path=None,
):
    """Attribute measured on data decoded over a regularized and a free dim.

    The paper's attribute surface plots (Pati & Lerch 2020, Figs. 12 and
    13): latent codes on an ``n_steps x n_steps`` grid over the dimension
    of ``attribute`` (x axis) and a free dimension (y axis), the other
    dimensions held fixed, are decoded and colored by ``measure`` of the
    decoded data. An attribute-regularized dimension shows color bands
    across x and little change along y.

    Parameters
    ----------
    estimator : ARVAE or BetaVAE
        A fitted estimator.
    attribute : str or int
        Attribute name (its regularized dimension) or latent index.
    measure : callable
        Maps decoded data of shape (n, \\*input_shape) to the attribute, one
        value per sample (a DataFrame column named ``attribute`` is taken).
    free_dim : int, default=None
        Latent index of the y axis; None takes the first dimension that
        no attribute regularizes.
    X : array-like, default=None
        Data whose mean posterior code fixes the other dimensions; None
        fixes them at 0, the prior mean.
    span : float, default=3.0
        The free dimension spans [-span, span]; so does the x axis, unless
        ``attribute`` is calibrated, in which case it spans the training
        codes of the attribute.
    n_steps : int, default=25
        Grid points per axis.
    cmap : str, default='viridis'
        Matplotlib colormap.
    ax : matplotlib Axes, default=None
        Axes to draw on; None draws on a new figure.
    path : str or path-like, default=None
        Write the figure there as PNG.

    Returns
    -------
    fig : matplotlib Figure
        The figure holding the plot.

    References
    ----------
    A. Pati and A. Lerch, "Attribute-based Regularization of Latent Spaces for
    Variational Auto-Encoders", Neural Computing and Applications, 2020.

    Examples
    --------
    >>> from skarvae import ARVAE
    >>> from skarvae.datasets import make_attribute_data
    >>> from skarvae.plotting import plot_attribute_surface
    >>> data = make_attribute_data(n_samples=100, n_features=6, random_state=0)
    >>> vae = ARVAE(latent_dim=4, max_epochs=2, random_state=0)
    >>> vae = vae.fit(data.data, data.attributes[["a0"]])
    >>> fig = plot_attribute_surface(vae, "a0", lambda X: X.mean(axis=1),
    ...                              n_steps=5)
    >>> fig.axes[0].get_xlabel()
    'z0 (a0)'
    """
    check_is_fitted(estimator)
    dim = _latent_index(estimator, attribute)
    if free_dim is None:
        taken = {dim, *getattr(estimator, "reg_dims_", {}).values()}
        free = [d for d in range(estimator.latent_dim_) if d not in taken]
        if not free:
            raise ValueError(
                "Every latent dimension is regularized; pass free_dim to pick "
                "the y axis."
            )
        free_dim = free[0]
    elif free_dim >= estimator.latent_dim_ or free_dim == dim:
        raise ValueError(
            f"free_dim={free_dim} must be a latent index other than {dim}, below "
            f"latent_dim={estimator.latent_dim_}."
        )
    calibration = getattr(estimator, "calibration_", {}) or {}
    name = attribute
    if not isinstance(attribute, str):
        names = {d: n for n, d in getattr(estimator, "reg_dims_", {}).items()}
        name = names.get(dim, attribute)
    if isinstance(name, str) and name in calibration:
        codes = np.asarray(calibration[name]["codes"], dtype=np.float64)
        x_range = (codes[0], codes[-1])
    else:
        x_range = (-span, span)
    xs = np.linspace(*x_range, n_steps)
    ys = np.linspace(-span, span, n_steps)
    base = np.zeros(estimator.latent_dim_)
    if X is not None:
        base = np.asarray(estimator.transform(X), dtype=np.float64).mean(axis=0)
    Z = np.tile(base, (n_steps * n_steps, 1))
    grid_y, grid_x = np.meshgrid(ys, xs, indexing="ij")
    Z[:, dim] = grid_x.ravel()
    Z[:, free_dim] = grid_y.ravel()
    decoded = estimator.inverse_transform(Z.astype(np.float32))
    values = _measured(measure, decoded, name, len(Z)).reshape(n_steps, n_steps)

    ax = _axes(ax, (4.5, 3.6))
    mesh = ax.pcolormesh(xs, ys, values, cmap=cmap, shading="nearest")
    ax.figure.colorbar(mesh, ax=ax, label=f"measured {name}")
    label = f"z{dim} ({name})" if isinstance(name, str) else f"z{dim}"
    ax.set_xlabel(label)
    ax.set_ylabel(f"z{free_dim}")
    return _save(ax, path)


@validate_params(
    {
        "estimator": [object],
        "X": ["array-like"],
        "attribute": [str, Interval(Integral, 0, None, closed="left")],
        "measure": [callable],
        "values": ["array-like", None],
        "n_steps": [Interval(Integral, 2, None, closed="left")],
        "mode": [None, str],
        "ax": [None, object],
        "path": [None, str, os.PathLike],
    },
    prefer_skip_nested_validation=True,
)
def plot_attribute_traversal(
    estimator,
    X,
    attribute,
    measure,
    *,
    values=None,
    n_steps=8,
    mode=None,
    ax=None,
    path=None,
):
    """Attribute measured on decoded data along a traversal, against the request.

    Runs ``estimator.traverse(X, attribute, ...)``, measures each decoded
    sample with ``measure`` (NaN results, e.g. for a blank decoded image, are
    left out) and draws the median and the 10-90 % band over
    the samples of X at each requested value; in ``'value'`` mode a dashed
    diagonal marks where measured equals requested.

    Parameters
    ----------
    estimator : ARVAE or BetaVAE
        A fitted estimator.
    X : array-like of shape (n_samples, ...)
        Data to traverse from.
    attribute : str or int
        Attribute name or latent index, as in ``traverse``.
    measure : callable
        Maps decoded data of shape (n, \\*input_shape) to the attribute, one
        value per sample (a DataFrame column named ``attribute`` is taken).
    values : array-like of shape (n_values,), default=None
        Requested values; None lets ``traverse`` choose ``n_steps`` of them.
    n_steps : int, default=8
        Number of values when ``values`` is None.
    mode : {'value', 'latent', 'shift'}, default=None
        As in ``traverse``.
    ax : matplotlib Axes, default=None
        Axes to draw on; None draws on a new figure.
    path : str or path-like, default=None
        Write the figure there as PNG.

    Returns
    -------
    fig : matplotlib Figure
        The figure holding the plot.

    Examples
    --------
    >>> from skarvae import ARVAE
    >>> from skarvae.datasets import make_attribute_data
    >>> from skarvae.plotting import plot_attribute_traversal
    >>> data = make_attribute_data(n_samples=100, n_features=6, random_state=0)
    >>> vae = ARVAE(latent_dim=4, max_epochs=2, random_state=0)
    >>> vae = vae.fit(data.data, data.attributes[["a0"]])
    >>> fig = plot_attribute_traversal(vae, data.data[:10], "a0",
    ...                                lambda X: X.mean(axis=1), n_steps=4)
    >>> fig.axes[0].get_xlabel()
    'requested a0'
    """
    check_is_fitted(estimator)
    mode, steps = estimator._traversal_values(attribute, values, n_steps, mode)
    decoded = estimator.traverse(X, attribute, steps, mode=mode)
    n, k = decoded.shape[:2]
    flat = decoded.reshape(n * k, *decoded.shape[2:])
    measured = _measured(measure, flat, attribute, n * k).reshape(n, k)
    low, median, high = np.nanpercentile(measured, [10, 50, 90], axis=0)

    ax = _axes(ax, (4.5, 3.4))
    ax.fill_between(steps, low, high, alpha=0.3, label="10-90 %")
    ax.plot(steps, median, marker="o", label="median")
    if mode == "value":
        ax.plot(steps, steps, linestyle="--", color="gray", label="requested")
        ax.set_xlabel(f"requested {attribute}")
    else:
        dim = _latent_index(estimator, attribute)
        ax.set_xlabel(f"{'shift of ' if mode == 'shift' else ''}z{dim}")
    ax.set_ylabel(f"measured {attribute}")
    ax.legend(loc="best")
    return _save(ax, path)
