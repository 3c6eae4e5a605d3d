"""Training throughput of the built-in networks, for benchmarks/gpu_check.py."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import time

import torch

# Inputs of each domain for the throughput stage: the shape of one sample,
# its kind, the latent size of the paper's network and the network itself.
DOMAINS = {
    "sprites": {"shape": (1, 64, 64), "tokens": False, "latent": 10},
    "mnist": {"shape": (1, 28, 28), "tokens": False, "latent": 16},
    "music": {"shape": (24,), "tokens": True, "latent": 32},
}
PAPER_MODULES = {"sprites": "dsprites", "mnist": "morpho_mnist", "music": "measure_vae"}
N_TOKENS = 64  # about the size of the chorale vocabulary
N_ATTRIBUTES = 4


def build_module(domain, name):
    """A fresh module ``name`` for ``domain``'s data, or None if it does not fit."""
    from skarvae.modules import MODULES

    spec = DOMAINS[domain]
    kwargs = {"input_shape": spec["shape"], "latent_dim": spec["latent"]}
    if spec["tokens"]:
        kwargs["n_tokens"] = N_TOKENS
    try:
        module = MODULES[name](**kwargs)
    except (TypeError, ValueError):
        return None
    tokens = getattr(module, "data_kind", "continuous") == "tokens"
    return module if tokens == spec["tokens"] else None


def candidates(domain):
    """Registry names whose modules build for ``domain``: paper network first."""
    from skarvae.modules import MODULES

    paper = PAPER_MODULES[domain]
    names = [paper, *sorted(set(MODULES) - {paper})]
    return [name for name in names if build_module(domain, name) is not None]


def _step(module, optimizer, x, attrs, tokens, bf16, device_type):
    from skarvae.losses import attribute_regularization, gaussian_kl
    from skarvae.losses import reconstruction_loss as recon_loss

    optimizer.zero_grad(set_to_none=True)
    with torch.autocast(device_type, dtype=torch.bfloat16, enabled=bf16):
        output, mu, logvar, z = module(x)
    recon = recon_loss(output.float(), x, "ce" if tokens else "bce").mean()
    kld = gaussian_kl(mu.float(), logvar.float()).mean()
    ar = attribute_regularization(z.float()[:, : attrs.shape[1]], attrs).sum()
    (recon + kld + ar).backward()
    optimizer.step()


def measure(module, domain, batch, precision, device, min_seconds):
    """Samples per second of training steps on data resident on the device."""
    spec = DOMAINS[domain]
    gen = torch.Generator(device=device).manual_seed(0)
    pool = 2 * batch
    if spec["tokens"]:
        X = torch.randint(
            0, N_TOKENS, (pool, *spec["shape"]), device=device, generator=gen
        )
    else:
        X = torch.rand((pool, *spec["shape"]), device=device, generator=gen) < 0.3
        X = X.float()
    A = torch.randn(pool, N_ATTRIBUTES, device=device, generator=gen)
    module = module.to(device).train()
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-4)
    cuda = device.startswith("cuda")
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    if cuda:
        torch.cuda.reset_peak_memory_stats(device)

    def step():
        index = torch.randint(0, pool, (batch,), device=device, generator=gen)
        _step(
            module,
            optimizer,
            X[index],
            A[index],
            spec["tokens"],
            precision == "bf16",
            "cuda" if cuda else "cpu",
        )

    for _ in range(2):  # warm-up: allocations, cuDNN plans
        step()
    sync()
    start, steps = time.perf_counter(), 0
    while steps < 3 or time.perf_counter() - start < min_seconds:
        step()
        steps += 1
        if steps % 5 == 0:
            sync()
    sync()
    elapsed = time.perf_counter() - start
    row = {
        "samples_per_s": steps * batch / elapsed,
        "ms_per_step": 1e3 * elapsed / steps,
        "steps": steps,
    }
    if cuda:
        row["peak_gib"] = torch.cuda.max_memory_allocated(device) / 2**30
    return row
