"""The markdown summary of benchmarks/gpu_check.py's results.json."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

METRICS = ("interpretability", "mig", "modularity", "sap", "scc", "recon_acc")


def _num(value):
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    return f"{value:,.4g}"


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_num(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def _tests(stage):
    lines = [f"Counts: {stage['counts']}", ""]
    rows = [(t["name"], t["outcome"], t["message"][:120]) for t in stage["tests"]]
    return lines + _table(["test", "outcome", "message"], rows)


def _throughput(stage):
    header = ["domain", "network", "precision", "batch", "samples/s", "ms/step"]
    rows = [
        (
            r["domain"],
            r["module"],
            r["precision"],
            r["batch"],
            r.get("samples_per_s"),
            r.get("ms_per_step"),
            r.get("peak_gib"),
            r.get("error", ""),
        )
        for r in stage.get("rows", [])
    ]
    return _table([*header, "peak GiB", "error"], rows)


def _timing(stage):
    rows = []
    for dataset, entry in stage.get("datasets", {}).items():
        est = entry.get("estimate", {})
        fits = ", ".join(
            f"{r.get('model')} {r.get('fit_s')} s" for r in entry.get("rows", [])
        )
        rows.append(
            (
                dataset,
                entry.get("status"),
                est.get("epochs_timed"),
                fits,
                est.get("epoch_s"),
                est.get("load_s"),
                est.get("one_seed_s"),
                est.get("paper_epochs"),
                est.get("paper_profile_h"),
            )
        )
    header = ["data", "status", "epochs timed", "fit", "epoch s", "load s"]
    header.append("one seed s")
    lines = _table([*header, "paper epochs", "10 seeds, h"], rows)
    if stage.get("paper_profile_total_h") is not None:
        lines += [
            "Extrapolated paper profile, all timed data sets: "
            f"{stage['paper_profile_total_h']} h (one process, one GPU).",
            "",
        ]
    return lines + _commands(stage)


def _paper(stage):
    rows = []
    for dataset, entry in stage.get("datasets", {}).items():
        if not entry.get("rows"):
            rows.append((dataset, entry.get("status"), entry.get("note", "")))
        for r in entry.get("rows", []):
            rows.append(
                (
                    dataset,
                    entry.get("status"),
                    r.get("model"),
                    r.get("epochs"),
                    r.get("n_train"),
                    r.get("fit_s"),
                    *(r.get(m) for m in METRICS),
                )
            )
    header = ["data", "status", "model", "epochs", "n_train", "fit s", *METRICS]
    rows = [(*row, *[""] * (len(header) - len(row))) for row in rows]
    return _table(header, rows) + _commands(stage)


def _commands(stage):
    lines = []
    for dataset, entry in stage.get("datasets", {}).items():
        if entry.get("argv"):
            lines.append(f"- {dataset}: `python {entry['argv']}`")
        elif entry.get("note"):
            lines.append(f"- {dataset}: {entry['note']}")
    return [*lines, ""]


SECTIONS = {
    "tests": ("1. CUDA tests", _tests),
    "throughput": ("2. Training throughput (data on the device)", _throughput),
    "timing": ("3. Paper profile, timed and extrapolated", _timing),
    "paper": ("4. Paper profile runs (one seed)", _paper),
}


def summary(data):
    """Markdown summary of a results.json dict; stages still running show."""
    env = data["environment"]
    lines = [
        "# GPU check" + (" (smoke run on tiny data)" if data["smoke"] else ""),
        "",
        f"Command: `{data['command']}`",
        "",
        f"Device: {env.get('gpu', env['device'])}; torch {env['torch']}, "
        f"CUDA {env.get('cuda')}, cuDNN {env.get('cudnn')}, Python {env['python']}, "
        f"commit {env.get('git_commit')}. Total {data.get('total_s', '?')} s.",
        "",
    ]
    for name, (title, render) in SECTIONS.items():
        stage = data["stages"].get(name)
        if not stage:
            continue
        status = stage.get("status", "running")
        lines += [f"## {title}", "", f"Status: {status}; {stage.get('seconds')} s.", ""]
        lines += [f"- {note}" for note in stage.get("notes", [])]
        if stage.get("notes"):
            lines.append("")
        try:
            lines += render(stage)
        except (KeyError, TypeError) as exc:  # a partial stage: say so
            lines += [f"(incomplete: {type(exc).__name__}: {exc})", ""]
    return "\n".join(lines)
