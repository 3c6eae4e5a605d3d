"""Fast in-memory datasets, batch iterators and validation split for the net."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import torch


class _TensorDataset:
    """Data and attributes as tensors, indexed a whole batch at a time.

    skorch's default ``Dataset`` collates samples one by one; slicing
    tensors with an index array costs a single call per batch.
    """

    def __init__(self, X, y=None):
        self.X = X if isinstance(X, torch.Tensor) else torch.from_numpy(X)
        if y is not None and not isinstance(y, torch.Tensor):
            y = torch.from_numpy(y)
        self.y = y

    def __len__(self):
        return len(self.X)

    def __getitem__(self, index):
        return self.X[index], None if self.y is None else self.y[index]

    def subset(self, index):
        index = torch.as_tensor(index)
        return _TensorDataset(*self[index])


class _BatchIterator:
    """Yield ``(X_batch, y_batch)`` tuples, shuffled with a seeded generator."""

    def __init__(self, dataset, batch_size, shuffle=False, generator=None):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator

    def __len__(self):
        return -(-len(self.dataset) // self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator)
            for start in range(0, n, self.batch_size):
                yield self.dataset[order[start : start + self.batch_size]]
        else:
            for start in range(0, n, self.batch_size):
                yield self.dataset[start : start + self.batch_size]


class _ValidationSplit:
    """Hold out a seeded random fraction of the training data."""

    def __init__(self, fraction, random_state):
        self.fraction = fraction
        self.random_state = random_state

    def __call__(self, dataset, y=None, **fit_params):
        n = len(dataset)
        n_valid = max(1, round(self.fraction * n))
        if n - n_valid < 1:
            raise ValueError(
                f"validation_fraction={self.fraction} leaves no training sample "
                f"when n_samples={n}; lower it or set it to 0."
            )
        order = np.random.RandomState(self.random_state).permutation(n)
        return dataset.subset(order[n_valid:]), dataset.subset(order[:n_valid])
