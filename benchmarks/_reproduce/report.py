"""Tables, figures and the merge of runs for ``benchmarks/reproduce.py``."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._reproduce.config import (
    DATASETS,
    METRICS,
    MODELS,
    PAPER_CLEAN_ACCURACY,
    PAPER_CONTENT,
    PAPER_MEDIANS,
    PAPER_SWEEP_BETAVAE,
)


def metrics_table(frame, protocol):
    """Markdown: our medians next to the paper's, per data set and metric."""
    frame = frame[frame.protocol == protocol]
    lines = [
        "| data | metric | beta-VAE (ours) | beta-VAE (paper) "
        "| AR-VAE (ours) | AR-VAE (paper) | AR-VAE gap |",
        "|---|---|---|---|---|---|---|",
    ]
    for dataset in DATASETS:
        sub = frame[frame.dataset == dataset]
        if sub.empty:
            continue
        for metric in (*METRICS, "recon_acc"):
            ours = sub.groupby("model")[metric].median()
            paper = PAPER_MEDIANS[metric][dataset]
            gap = ours.get("ARVAE", np.nan) - paper[1]
            lines.append(
                f"| {dataset} | {metric} | {ours.get('BetaVAE', np.nan):.3f} "
                f"| {paper[0]:.3f} | {ours.get('ARVAE', np.nan):.3f} "
                f"| {paper[1]:.3f} | {gap:+.3f} |"
            )
    return "\n".join(lines)


def runs_table(frame):
    """Markdown: what was fitted per data set and model, and how long it took."""
    frame = frame.drop_duplicates(["dataset", "model", "seed"])
    lines = [
        "| data | model | network | train | test | epochs | seeds | fit s (median) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for dataset in DATASETS:
        for model in MODELS:
            sub = frame[(frame.dataset == dataset) & (frame.model == model)]
            if sub.empty:
                continue
            network = sub["network"].iloc[0] if "network" in sub else "?"
            lines.append(
                f"| {dataset} | {model} | {network} | {sub.n_train.iloc[0]:,} "
                f"| {sub.n_test.iloc[0]:,} | {sub.epochs.iloc[0]} | {len(sub)} "
                f"| {sub.fit_s.median():.0f} |"
            )
    return "\n".join(lines)


def edit_table(frame):
    """Markdown: the AR-VAE's edit fidelity per data set, or None without it."""
    columns = ["edit_spearman", "edit_monotone", "edit_rel_error", "edit_leakage"]
    if not set(columns) <= set(frame.columns):
        return None
    frame = frame.drop_duplicates(["dataset", "model", "seed"])
    frame = frame[(frame.model == "ARVAE") & frame.edit_spearman.notna()]
    if frame.empty:
        return None
    lines = [
        "| data | seeds | Spearman | monotone | relative error | leakage |",
        "|---|---|---|---|---|---|",
    ]
    for dataset in DATASETS:
        sub = frame[frame.dataset == dataset]
        if sub.empty:
            continue
        med = sub[columns].median()
        lines.append(
            f"| {dataset} | {len(sub)} | {med.edit_spearman:.3f} "
            f"| {med.edit_monotone:.3f} | {med.edit_rel_error:.3f} "
            f"| {med.edit_leakage:.3f} |"
        )
    return "\n".join(lines)


def content_table(frame, protocol):
    frame = frame[frame.protocol == protocol]
    med = frame.groupby("model")[["clean", "recon", "traversal"]].median()
    lines = [
        "| model | classifier on inputs | reconstructions (ours / paper) "
        "| traversals (ours / paper) |",
        "|---|---|---|---|",
    ]
    for i, model in enumerate(MODELS):
        if model not in med.index:
            continue
        m = med.loc[model]
        lines.append(
            f"| {model} | {m.clean:.3f} ({PAPER_CLEAN_ACCURACY:.3f}) "
            f"| {m.recon:.3f} / {PAPER_CONTENT['recon'][i]:.3f} "
            f"| {m.traversal:.3f} / {PAPER_CONTENT['traversal'][i]:.3f} |"
        )
    return "\n".join(lines)


def sweep_table(frame, protocol):
    frame = frame[frame.protocol == protocol]
    lines = [
        "| gamma | delta | interpretability | recon_acc |",
        "|---|---|---|---|",
    ]
    for row in frame.itertuples():
        lines.append(
            f"| {row.gamma:g} | {row.delta:g} | {row.interpretability:.3f} "
            f"| {row.recon_acc:.4f} |"
        )
    return "\n".join(lines)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_boxes(frame, columns, path, title):
    """One panel per data set: boxes over seeds per metric and model."""
    plt = _pyplot()
    datasets = [d for d in DATASETS if d in set(frame.dataset)]
    fig, axes = plt.subplots(
        1, len(datasets), figsize=(3.2 * len(datasets) + 0.5, 3.4), squeeze=False
    )
    colors = {"BetaVAE": "tab:blue", "ARVAE": "tab:orange"}
    for ax, dataset in zip(axes[0], datasets):
        sub = frame[frame.dataset == dataset]
        for j, model in enumerate(MODELS):
            values = [sub.loc[sub.model == model, c].to_numpy() for c in columns]
            pos = np.arange(len(columns)) + (j - 0.5) * 0.38
            box = ax.boxplot(values, positions=pos, widths=0.32, patch_artist=True)
            for patch in box["boxes"]:
                patch.set_facecolor(colors[model])
                patch.set_alpha(0.6)
            paper = [PAPER_MEDIANS[c][dataset][j] for c in columns]
            ax.scatter(pos, paper, marker="x", color="black", zorder=3, s=18)
        ax.set_xticks(np.arange(len(columns)), columns, rotation=45, ha="right")
        ax.set_title(dataset)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c, alpha=0.6) for c in colors.values()]
    handles.append(plt.Line2D([], [], marker="x", color="black", linestyle=""))
    # Above the panels, where it hides no box or marker.
    fig.legend(
        handles, [*colors, "paper median"], loc="upper right", ncol=3, fontsize=7
    )
    fig.suptitle(title, fontsize=10, x=0.02, ha="left")
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    fig.savefig(path, dpi=80)
    plt.close(fig)


def plot_sweep(frame, path, betavae=None):
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.8))
    points = ax.scatter(
        frame.interpretability,
        frame.recon_acc,
        c=np.log10(frame.gamma),
        s=20 + 25 * (np.log10(frame.delta) + 2),
        cmap="viridis",
        edgecolor="black",
    )
    fig.colorbar(points, label="log10 gamma")
    ax.scatter(*PAPER_SWEEP_BETAVAE, marker="x", color="red", label="paper beta-VAE")
    if betavae is not None:
        ax.scatter(*betavae, marker="+", color="black", s=80, label="our beta-VAE")
    ax.set_xlabel("interpretability")
    ax.set_ylabel("reconstruction accuracy")
    ax.set_title("ARVAE gamma x delta on MNIST (marker size: delta)", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def write_outputs(results, args):
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    sections = [f"Command: `{args.command}`\n"]
    if results.get("metrics"):
        frame = pd.DataFrame(results["metrics"])
        frame.to_csv(out / "metrics.csv", index=False)
        sections.append(f"### Fits\n\n{runs_table(frame)}\n")
        edits = edit_table(frame)
        if edits:
            sections.append(
                "### Edit fidelity of the AR-VAE (`skarvae.metrics.edit_fidelity`, "
                "medians over the attributes, then over the seeds)\n\n"
                f"{edits}\n"
            )
        for protocol in args.protocols:
            sub = frame[frame.protocol == protocol]
            if "metrics" in args.experiments:
                plot_boxes(
                    sub,
                    list(METRICS),
                    out / f"fig3_metrics_{protocol}.png",
                    f"Disentanglement metrics ({protocol} protocol)",
                )
            if "recon" in args.experiments:
                plot_boxes(
                    sub,
                    ["recon_acc"],
                    out / f"fig5_reconstruction_{protocol}.png",
                    "Reconstruction accuracy",
                )
            sections.append(
                f"### Metrics, {protocol} protocol (medians over the seeds; "
                f"counts in the Fits table)\n\n{metrics_table(frame, protocol)}\n"
            )
    if results.get("content"):
        frame = pd.DataFrame(results["content"])
        frame.to_csv(out / "content.csv", index=False)
        for protocol in args.protocols:
            sections.append(
                f"### Content preservation, {protocol} protocol\n\n"
                f"{content_table(frame, protocol)}\n"
            )
    if results.get("sweep"):
        frame = pd.DataFrame(results["sweep"])
        frame.to_csv(out / "sweep.csv", index=False)
        for protocol in args.protocols:
            sub = frame[frame.protocol == protocol]
            betavae = None
            if results.get("metrics"):
                m = pd.DataFrame(results["metrics"])
                m = m[(m.dataset == "mnist") & (m.model == "BetaVAE")]
                m = m[m.protocol == protocol]
                if len(m):
                    betavae = (m.interpretability.median(), m.recon_acc.median())
            plot_sweep(sub, out / f"fig8_sweep_{protocol}.png", betavae)
            sections.append(
                f"### Sweep, {protocol} protocol\n\n{sweep_table(frame, protocol)}\n"
            )
    (out / "tables.md").write_text("\n".join(sections))
    print("\n".join(sections))
    print(f"results written to {out}/")


#: The columns that name one run in each CSV: a later folder's row replaces an
#: earlier folder's row with the same values in them.
RUN_KEYS = {
    "metrics": ["dataset", "model", "seed", "protocol", "profile"],
    "content": ["dataset", "model", "seed", "protocol", "profile"],
    "sweep": ["gamma", "delta", "protocol", "profile"],
}


def collect(folders):
    """Rows of the metrics.csv, content.csv and sweep.csv found in folders.

    Where two folders hold the same run (same data set, model, seed,
    protocol and profile; for the sweep, same gamma, delta, protocol and
    profile), the later folder's row is kept, so a rerun replaces the rows
    of an earlier collection.
    """
    results = {}
    for name, keys in RUN_KEYS.items():
        frames = [
            pd.read_csv(Path(folder) / f"{name}.csv")
            for folder in folders
            if (Path(folder) / f"{name}.csv").exists()
        ]
        if frames:
            frame = pd.concat(frames, ignore_index=True)
            frame = frame.drop_duplicates(subset=keys, keep="last")
            results[name] = frame.to_dict("records")
    return results
