"""Names under which the estimators find the built-in modules."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import inspect

from torch import nn

from skarvae.modules._conv import ConvVAE, DSpritesVAE, MorphoMNISTVAE
from skarvae.modules._image import FastImageVAE
from skarvae.modules._measure import MeasureVAE
from skarvae.modules._mlp import MLPVAE
from skarvae.modules._tokens import TokenConvVAE, TokenMLPVAE

#: Built-in modules by the name accepted in the estimators' ``module=``.
MODULES = {
    "conv": ConvVAE,
    "dsprites": DSpritesVAE,
    "fast_image": FastImageVAE,
    "measure_vae": MeasureVAE,
    "mlp": MLPVAE,
    "morpho_mnist": MorphoMNISTVAE,
    "token_conv": TokenConvVAE,
    "token_mlp": TokenMLPVAE,
}


def get_module_class(module):
    """Resolve the ``module`` parameter of an estimator to a module class.

    Parameters
    ----------
    module : str, nn.Module subclass or None
        A name from :data:`MODULES`, a module class, or None for ``"mlp"``.

    Returns
    -------
    module_class : type
        A :class:`torch.nn.Module` subclass.

    Examples
    --------
    >>> from skarvae.modules import get_module_class
    >>> get_module_class("mlp").__name__
    'MLPVAE'
    """
    if module is None:
        return MODULES["mlp"]
    if isinstance(module, str):
        try:
            return MODULES[module]
        except KeyError:
            raise ValueError(
                f"Unknown module {module!r}; choose one of {sorted(MODULES)} "
                "or pass an nn.Module subclass."
            ) from None
    if inspect.isclass(module) and issubclass(module, nn.Module):
        return module
    raise TypeError(
        "module must be a name from skarvae.modules.MODULES or an nn.Module "
        f"subclass (not an instance); got {module!r}."
    )
