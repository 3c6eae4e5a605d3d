"""Training overhead of ARVAE.fit against plain PyTorch loops.

Every contender trains the same MLP module with the same loss (recon + beta *
KL + gamma * AR, Eq. 8), Adam, data, batch size and number of epochs:

- ``plain-slices``: a hand-written loop over randomly permuted tensor slices
  (the fastest plain loop);
- ``plain-dataloader``: a hand-written loop over ``DataLoader(TensorDataset)``
  (the idiomatic plain loop);
- ``skorch-default``: a skorch ``NeuralNet`` with its default dataset and
  DataLoader and per-batch ``.item()`` logging of each term;
- ``ARVAE.fit``: skarvae's estimator (validation split off, as in the loops).

The contenders run interleaved, ``--repeats`` rounds, and the median time of
each is reported with its ratio to ``plain-slices``.

Usage::

    python benchmarks/bench_fit_overhead.py [--n-samples 50000] [--epochs 3]
"""

import argparse
import platform
import statistics
import time

import numpy as np
import torch
from skorch import NeuralNet

from skarvae import ARVAE
from skarvae.datasets import make_attribute_data
from skarvae.losses import attribute_regularization, gaussian_kl, reconstruction_loss
from skarvae.modules import MLPVAE

HIDDEN, LATENT, GAMMA, DELTA, BETA, LR = (128, 64), 8, 10.0, 1.0, 1.0, 1e-3


def _objective(out, x, a):
    recon = reconstruction_loss(out.output, x, "mse").mean()
    kld = gaussian_kl(out.mu, out.logvar).mean()
    ar = attribute_regularization(out.z[:, : a.shape[1]], a, DELTA)
    return recon + BETA * kld + GAMMA * ar.sum()


def _module(n_features):
    return MLPVAE((n_features,), LATENT, hidden_dims=HIDDEN)


def plain_slices(X, A, batch_size, epochs, seed):
    torch.manual_seed(seed)
    X, A = torch.from_numpy(X), torch.from_numpy(A)
    module = _module(X.shape[1])
    optimizer = torch.optim.Adam(module.parameters(), lr=LR)
    for _ in range(epochs):
        order = torch.randperm(len(X))
        for start in range(0, len(X), batch_size):
            idx = order[start : start + batch_size]
            x, a = X[idx], A[idx]
            optimizer.zero_grad()
            loss = _objective(module(x), x, a)
            loss.backward()
            optimizer.step()
            loss.item()  # the loss is read each batch, as for logging


def plain_dataloader(X, A, batch_size, epochs, seed):
    torch.manual_seed(seed)
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(A))
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True)
    module = _module(X.shape[1])
    optimizer = torch.optim.Adam(module.parameters(), lr=LR)
    for _ in range(epochs):
        for x, a in loader:
            optimizer.zero_grad()
            loss = _objective(module(x), x, a)
            loss.backward()
            optimizer.step()
            loss.item()


class _DefaultSkorchNet(NeuralNet):
    def get_loss(self, y_pred, y_true, X=None, training=False):
        out = y_pred
        x = X.to(self.device)
        recon = reconstruction_loss(out.output, x, "mse").mean()
        kld = gaussian_kl(out.mu, out.logvar).mean()
        ar = attribute_regularization(out.z[:, : y_true.shape[1]], y_true, DELTA)
        for name, value in (("recon", recon), ("kld", kld), ("ar", ar.sum())):
            self.history.record_batch(f"train_{name}", value.item())
        return recon + BETA * kld + GAMMA * ar.sum()


def skorch_default(X, A, batch_size, epochs, seed):
    torch.manual_seed(seed)
    net = _DefaultSkorchNet(
        MLPVAE,
        criterion=torch.nn.Identity,
        optimizer=torch.optim.Adam,
        lr=LR,
        module__input_shape=(X.shape[1],),
        module__latent_dim=LATENT,
        module__hidden_dims=HIDDEN,
        batch_size=batch_size,
        max_epochs=epochs,
        train_split=None,
        iterator_train__shuffle=True,
        verbose=0,
    )
    net.fit(X, A)


def skarvae_fit(X, A, batch_size, epochs, seed):
    ARVAE(
        gamma=GAMMA,
        delta=DELTA,
        beta=BETA,
        lr=LR,
        latent_dim=LATENT,
        hidden_dims=HIDDEN,
        batch_size=batch_size,
        max_epochs=epochs,
        validation_fraction=0,
        recon_loss="mse",
        random_state=seed,
    ).fit(X, A)


CONTENDERS = {
    "plain-slices": plain_slices,
    "plain-dataloader": plain_dataloader,
    "skorch-default": skorch_default,
    "ARVAE.fit": skarvae_fit,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=50_000)
    parser.add_argument("--n-features", type=int, default=20)
    parser.add_argument("--n-attributes", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    data = make_attribute_data(
        args.n_samples,
        n_features=args.n_features,
        n_attributes=args.n_attributes,
        random_state=0,
    )
    X = data.data.astype(np.float32)
    A = data.attributes.to_numpy(np.float32)
    times = {name: [] for name in CONTENDERS}
    skarvae_fit(X[:512], A[:512], args.batch_size, 1, 0)  # warm-up
    for repeat in range(args.repeats):
        for name, run in CONTENDERS.items():
            start = time.perf_counter()
            run(X, A, args.batch_size, args.epochs, repeat)
            times[name].append(time.perf_counter() - start)

    print(
        f"N={args.n_samples}, features={args.n_features}, "
        f"attributes={args.n_attributes}, batch={args.batch_size}, "
        f"epochs={args.epochs}, repeats={args.repeats}, torch "
        f"{torch.__version__}, {torch.get_num_threads()} threads, "
        f"{platform.processor() or platform.machine()}"
    )
    base = statistics.median(times["plain-slices"])
    print(f"{'contender':<18} {'median s':>9} {'ratio':>7}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<18} {median:>9.3f} {median / base:>6.2f}x")


if __name__ == "__main__":
    main()
