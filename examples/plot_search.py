"""Search AR-VAE hyperparameters for interpretability and reconstruction.

A multi-objective Optuna search over the default space (log-uniform gamma,
delta and beta) on generated tabular data, stored in a journal file so that
running the script again resumes the study instead of starting over. The
trials are plotted with the Pareto front highlighted, with the parameter
importances next to them.

Usage::

    python examples/plot_search.py [--n-trials 12] [--n-jobs 1] [--out search.png]
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse

import matplotlib
import torch

from skarvae import ARVAE
from skarvae.datasets import make_attribute_data
from skarvae.model_selection import ARVAESearchCV
from skarvae.plotting import plot_param_importances, plot_search_trials


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=int, default=12)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--storage", default="search_example.log")
    parser.add_argument("--out", default="search.png")
    args = parser.parse_args()
    torch.set_num_threads(1)
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = make_attribute_data(
        n_samples=600, n_features=12, n_attributes=2, random_state=0
    )
    search = ARVAESearchCV(
        ARVAE(latent_dim=4, hidden_dims=(64,), max_epochs=10, random_state=0),
        scoring=["interpretability", "neg_reconstruction_error"],
        n_trials=args.n_trials,
        cv=2,
        n_jobs=args.n_jobs,
        storage=args.storage,
        study_name="arvae-example",
        random_state=0,
    ).fit(data.data, data.attributes)

    print(f"{search.n_trials_} trials, {len(search.pareto_front_)} on the front")
    for trial in search.pareto_front_:
        params = ", ".join(f"{k}={v:.3g}" for k, v in trial.params.items())
        print(
            f"  trial {trial.number:2d}: {params} -> "
            + ", ".join(f"{v:.3f}" for v in trial.values)
        )
    print(
        "chosen:",
        {k: round(v, 3) for k, v in search.best_params_.items()},
        {k: round(v, 3) for k, v in search.best_score_.items()},
    )

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    plot_search_trials(search, ax=left)
    plot_param_importances(search, "interpretability", ax=right)
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print("saved", args.out)


if __name__ == "__main__":
    main()
