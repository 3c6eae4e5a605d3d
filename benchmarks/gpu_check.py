"""Check skarvae on a GPU in one time-boxed run and record every figure.

Four stages share one deadline (``--budget`` seconds, 420 by default, so
the whole run stays under 8 minutes); each writes its results as soon as it
has them, so a run cut short still leaves what it measured:

1. ``tests``: ``pytest -m cuda tests/cuda`` (JUnit XML and log);
2. ``throughput``: training samples per second of each domain's paper
   network and of the other built-in networks that fit the domain (every
   name in ``skarvae.modules.MODULES`` is tried, so new fast networks are
   covered), in fp32 and with a bf16 autocast forward pass, at batch sizes
   128, 1024 and 4096, with the data kept on the GPU. One step is the
   estimators' objective (reconstruction + KL + AR term) with Adam;
3. ``timing``: a few epochs of the paper profile of
   ``benchmarks/reproduce.py`` per data set, extrapolated to the full paper
   profile (10 seeds, the paper's epochs);
4. ``paper``: as much of the paper profile as fits in the minutes left
   (one seed, both models, data sets in the order of ``--paper-datasets``),
   with its metrics.

Everything goes to one folder (``--out``; default ``$OUT`` when set, else
``results/gpu_check``): ``results.json``, ``summary.md``,
``cuda_tests.xml``, ``cuda_tests.log``, ``run.log`` and ``reproduce.tar.gz``.
``--smoke`` runs every stage on tiny data in seconds (on the CPU when no GPU
is visible), which is what the test suite does so that this script cannot
rot. See docs/gpu.md, "Running the GPU check", for the command on the GPU
machine and ``benchmarks/gpu_bundle.py`` for what it needs there.

Run from the repository root::

    python benchmarks/gpu_check.py --out results/gpu_check
    python benchmarks/gpu_check.py --smoke --out /tmp/gpu_smoke
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import importlib.util
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import torch
from _gpu_report import summary
from _gpu_throughput import DOMAINS, PAPER_MODULES, build_module, candidates, measure

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / ".gpu_bundle"
STAGES = ("tests", "throughput", "timing", "paper")

# The paper's training budget (appendix of Pati & Lerch 2020, see
# ../shared/reference/arvae-original.md): 10 seeds; images 100 epochs, Bach
# 100 and folk 30 epochs; training samples of the paper profile (dSprites:
# 70 % of the 737,280 images).
PAPER_SEEDS = 10
PAPER_EPOCHS = {"mnist": 100, "bach": 100, "folk": 30, "sprites": 100}
PAPER_N_TRAIN = {"sprites": 516096}
# Training samples used to time the paper profile where the full set is
# slow to build (timings are scaled up to PAPER_N_TRAIN).
TIMING_N_TRAIN = {"sprites": 32768}

# --------------------------------------------------------------- results


class Results:
    """results.json and summary.md, rewritten whenever something is added."""

    def __init__(self, out, args):
        self.out = out
        self.data = {
            "command": "python benchmarks/gpu_check.py " + " ".join(sys.argv[1:]),
            "smoke": args.smoke,
            "budget_s": args.budget,
            "environment": environment(args.device),
            "stages": {},
        }
        self.write()

    def stage(self, name, **values):
        self.data["stages"].setdefault(name, {}).update(values)
        self.write()
        return self.data["stages"][name]

    def write(self):
        tmp = self.out / "results.json.tmp"
        tmp.write_text(json.dumps(self.data, indent=1, default=str))
        tmp.replace(self.out / "results.json")
        (self.out / "summary.md").write_text(summary(self.data))


def environment(device):
    info = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cuda_available": torch.cuda.is_available(),
        "device": device,
        "cudnn": torch.backends.cudnn.version() if torch.cuda.is_available() else None,
        "matmul_allow_tf32": torch.backends.cuda.matmul.allow_tf32,
        "cudnn_allow_tf32": torch.backends.cudnn.allow_tf32,
        "cpu_count": os.cpu_count(),
    }
    if device.startswith("cuda"):
        props = torch.cuda.get_device_properties(torch.device(device))
        info.update(gpu=props.name, gpu_memory_gib=round(props.total_memory / 2**30, 1))
        info["cuda"] = torch.version.cuda
    for name in ("skorch", "sklearn", "optuna", "music21", "numpy", "pandas"):
        try:
            info[name] = __import__(name).__version__
        except Exception as exc:  # missing or broken: say which
            info[name] = f"unavailable ({type(exc).__name__})"
    try:
        info["git_commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        info["git_commit"] = None
    return info


# ----------------------------------------------------------- subprocesses


def run_logged(argv, log, timeout, env=None):
    """Run argv with output appended to log; return (rc, [(t, line)], secs).

    rc is None when the command ran past ``timeout`` and was killed.
    """
    start = time.monotonic()
    lines = []
    with open(log, "a") as f:
        f.write(f"\n$ {' '.join(map(str, argv))}\n")
        f.flush()
        proc = subprocess.Popen(
            [str(a) for a in argv],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            start_new_session=True,  # its own process group: kill workers too
        )

        def read():
            for line in proc.stdout:
                t = time.monotonic() - start
                lines.append((t, line.rstrip("\n")))
                f.write(f"[{t:7.1f}] {line}")
                f.flush()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            rc = proc.wait(timeout=max(1.0, timeout))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            rc = None
            f.write(f"[killed after {timeout:.0f} s]\n")
        reader.join(timeout=5)
    return rc, lines, round(time.monotonic() - start, 1)


_HELP = {}


def reproduce_argv(dataset, args, *, paper, epochs=None, n_train=None, out_dir):
    """The command line of one reproduce.py run: the only coupling to it.

    Adapts to the flags that reproduce.py offers (read from its ``--help``):
    ``--profile paper`` or the older ``--full`` for the paper settings, one
    data set, one seed, metrics only. Returns None when reproduce.py does not
    know ``dataset``.
    """
    script = ROOT / "benchmarks" / "reproduce.py"
    if "text" not in _HELP:
        _HELP["text"] = subprocess.run(
            [sys.executable, str(script), "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "COLUMNS": "500"},
        ).stdout
    text = _HELP["text"]
    flags = set(re.findall(r"(--[a-z][a-z0-9-]*)", text))
    choices = re.search(r"--datasets \{([^}]*)\}", text)
    if choices and dataset not in choices.group(1).split(","):
        return None
    argv = [sys.executable, str(script)]
    if paper:
        argv += ["--profile", "paper"] if "--profile" in flags else ["--full"]
    argv += ["--datasets", dataset, "--n-seeds", "1", "--output-dir", str(out_dir)]
    optional = {
        "--experiments": "metrics",
        "--device": args.device,
        "--epochs": epochs,
        "--n-train": n_train,
        "--mnist-path": args.mnist_path,
        "--cache-dir": args.cache_dir,
        "--threads": max(1, (os.cpu_count() or 1) // 2),
    }
    for flag, value in optional.items():
        if value is not None and flag in flags:
            argv += [flag, str(value)]
    return argv


def parse_rows(lines):
    """Rows that reproduce.py prints per fitted model: ``key=value ...``."""
    rows = []
    for t, line in lines:
        pairs = dict(re.findall(r"(\w+)=(\S+)", line))
        if "model" in pairs and "fit_s" in pairs:
            row = {k: _maybe_float(v) for k, v in pairs.items()}
            row["t"] = round(t, 1)
            rows.append(row)
    return rows


def _maybe_float(value):
    try:
        return float(value)
    except ValueError:
        return value


def estimate(dataset, lines, rows, epochs, n_train, n_models=2):
    """Extrapolate one timed run to the paper profile, in seconds.

    An epoch costs the fastest model's ``fit_s / epochs``: the first fit of a
    process also pays one-time costs (CUDA context, cuDNN plans, imports)
    that must not be multiplied by the paper's epochs. Epoch and loading
    costs are scaled to the paper's training samples when ``n_train`` (fewer)
    were used. A model's evaluation costs the time between its row and the
    previous one minus its fit; loading is the time until the
    ``<data set>: N train`` line (0 when not printed).
    """
    n_test = float(rows[0].get("n_test", 0)) if rows else 0.0
    scale, load_scale = 1.0, 1.0
    if n_train:
        scale = PAPER_N_TRAIN[dataset] / n_train
        load_scale = (PAPER_N_TRAIN[dataset] + n_test) / (n_train + n_test)
    loaded = next(
        (t for t, line in lines if re.match(rf"\s*{dataset}\b.*train", line)), 0.0
    )
    epoch = min(float(row["fit_s"]) for row in rows) / epochs * scale
    per_seed, previous = 0.0, loaded
    for row in rows:
        evaluation = max(0.0, row["t"] - previous - float(row["fit_s"]))
        previous = row["t"]
        per_seed += epoch * PAPER_EPOCHS[dataset] + evaluation
    per_seed *= n_models / len(rows)  # a run cut short: the models it fitted
    load = loaded * load_scale
    total = load + PAPER_SEEDS * per_seed
    return {
        "epoch_s": round(epoch, 2),
        "load_s": round(load, 1),
        "one_seed_s": round(load + per_seed, 1),
        "paper_profile_s": round(total, 1),
        "paper_profile_h": round(total / 3600, 2),
        "epochs_timed": epochs,
        "paper_epochs": PAPER_EPOCHS[dataset],
        "n_train_scale": round(scale, 3),
    }


# ----------------------------------------------------------------- stages


def stage_tests(args, results, seconds):
    xml = args.out / "cuda_tests.xml"
    argv = [sys.executable, "-m", "pytest", "tests/cuda", "-m", "cuda", "-rA", "-v"]
    argv += ["-p", "no:cacheprovider", f"--junitxml={xml}"]
    if importlib.util.find_spec("pytest_timeout"):
        argv.append("--timeout=150")
    rc, _, secs = run_logged(argv, args.out / "cuda_tests.log", seconds)
    tests = []
    if xml.exists():
        for case in ET.parse(xml).getroot().iter("testcase"):
            outcome, message = "passed", ""
            for tag in ("failure", "error", "skipped"):
                found = case.find(tag)
                if found is not None:
                    outcome = (
                        "xfailed"
                        if tag == "skipped" and "xfail" in (found.get("type") or "")
                        else tag
                    )
                    message = (found.get("message") or "")[:300]
            name = f"{case.get('name')}"
            tests.append({"name": name, "outcome": outcome, "message": message})
    counts = {
        k: sum(t["outcome"] == k for t in tests)
        for k in ("passed", "failure", "error", "skipped", "xfailed")
    }
    status = "timed out" if rc is None else ("passed" if rc == 0 else f"rc={rc}")
    if tests and counts["skipped"] == len(tests):
        status += " (every test skipped: no CUDA)"
    results.stage("tests", status=status, seconds=secs, counts=counts, tests=tests)


def stage_throughput(args, results, seconds):
    deadline = time.monotonic() + seconds
    start = time.monotonic()
    rows, notes = [], []
    stage = results.stage("throughput", status="running", rows=rows, notes=notes)
    torch.manual_seed(0)
    plan = []
    for domain in DOMAINS:
        names = candidates(domain)
        if len(names) < 2:
            notes.append(f"{domain}: no network besides the paper's builds for it")
        notes.append(f"{domain}: networks {names}")
        for name in names:
            for precision in args.precisions:
                for batch in args.batch_sizes:
                    plan.append((domain, name, precision, batch))
    # Paper networks and fp32 first, so the figures that matter most are in
    # even when the stage runs out of time.
    plan.sort(key=lambda p: (p[1] != PAPER_MODULES[p[0]], p[2] != "fp32"))
    for domain, name, precision, batch in plan:
        if time.monotonic() > deadline:
            notes.append("stage deadline reached; later configurations skipped")
            break
        row = {"domain": domain, "module": name, "precision": precision, "batch": batch}
        try:
            # A fresh module per configuration: the same starting weights.
            module = build_module(domain, name)
            row.update(
                measure(
                    module, domain, batch, precision, args.device, args.min_step_seconds
                )
            )
        except Exception as exc:  # OOM or an unsupported op: record, go on
            row["error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
            if args.device.startswith("cuda"):
                torch.cuda.empty_cache()
        rows.append(
            {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}
        )
        results.stage("throughput", seconds=round(time.monotonic() - start, 1))
    stage["status"] = "done"
    results.stage("throughput", seconds=round(time.monotonic() - start, 1))


def stage_timing(args, results, seconds):
    deadline = time.monotonic() + seconds
    stage = results.stage("timing", status="running", datasets={})
    start = time.monotonic()
    for i, dataset in enumerate(args.datasets):
        left = deadline - time.monotonic()
        entry = stage["datasets"][dataset] = {}
        # A fair share of the time left, so that one slow data set cannot
        # starve the others.
        share = min(left, max(45.0, 1.5 * left / (len(args.datasets) - i)))
        if left < 20:
            entry.update(status="skipped", note="stage deadline reached")
            continue
        n_train = args.smoke_n_train if args.smoke else TIMING_N_TRAIN.get(dataset)
        out_dir = args.work / f"timing_{dataset}"
        argv = reproduce_argv(
            dataset,
            args,
            paper=not args.smoke,
            epochs=args.timing_epochs,
            n_train=n_train,
            out_dir=out_dir,
        )
        if argv is None:
            entry.update(status="skipped", note="reproduce.py has no such data set")
            continue
        entry["argv"] = " ".join(argv[1:])
        rc, lines, secs = run_logged(argv, args.out / "run.log", share)
        rows = parse_rows(lines)
        entry.update(rows=rows, seconds=secs)
        if rc is None:
            entry["status"] = f"timed out after {share:.0f} s"
        elif rc != 0 or len(rows) == 0:
            entry["status"] = f"failed (rc={rc}); see run.log"
        else:
            entry["status"] = "done"
        if rows:
            scaled = dataset in PAPER_N_TRAIN and n_train and not args.smoke
            used = n_train if scaled else None
            entry["estimate"] = estimate(dataset, lines, rows, args.timing_epochs, used)
        results.stage("timing", seconds=round(time.monotonic() - start, 1))
    total = [
        d["estimate"]["paper_profile_s"]
        for d in stage["datasets"].values()
        if "estimate" in d
    ]
    stage["paper_profile_total_h"] = round(sum(total) / 3600, 2) if total else None
    stage["status"] = "done"
    results.stage("timing", seconds=round(time.monotonic() - start, 1))


def stage_paper(args, results, seconds):
    deadline = time.monotonic() + seconds
    stage = results.stage("paper", status="running", datasets={})
    timing = results.data["stages"].get("timing", {}).get("datasets", {})
    start = time.monotonic()
    for dataset in args.paper_datasets:
        left = deadline - time.monotonic()
        entry = stage["datasets"][dataset] = {}
        guess = timing.get(dataset, {}).get("estimate", {}).get("one_seed_s")
        if guess is None and not args.smoke:
            entry.update(status="skipped", note="no timing estimate for this data set")
            continue
        if guess is not None and not args.smoke and 1.15 * guess + 15 > left:
            entry.update(
                status="skipped",
                note=f"one seed needs about {guess:.0f} s; {left:.0f} s left",
            )
            continue
        out_dir = args.work / f"paper_{dataset}"
        argv = reproduce_argv(
            dataset,
            args,
            paper=not args.smoke,
            out_dir=out_dir,
            epochs=1 if args.smoke else None,
            n_train=args.smoke_n_train if args.smoke else None,
        )
        if argv is None:
            entry.update(status="skipped", note="reproduce.py has no such data set")
            continue
        entry["argv"] = " ".join(argv[1:])
        rc, lines, secs = run_logged(argv, args.out / "run.log", left - 5)
        entry.update(rows=parse_rows(lines), seconds=secs)
        entry["status"] = (
            "timed out (partial rows kept)"
            if rc is None
            else "done"
            if rc == 0
            else f"failed (rc={rc}); see run.log"
        )
        results.stage("paper", seconds=round(time.monotonic() - start, 1))
    stage["status"] = "done"
    results.stage("paper", seconds=round(time.monotonic() - start, 1))


# -------------------------------------------------------------------- CLI


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    default_out = os.environ.get("OUT") or str(ROOT / "results" / "gpu_check")
    parser.add_argument("--out", type=Path, default=Path(default_out))
    parser.add_argument(
        "--budget", type=float, default=420.0, help="seconds for all stages together"
    )
    parser.add_argument("--stages", nargs="+", choices=STAGES, default=list(STAGES))
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny data and sizes, on the CPU when no GPU is visible",
    )
    parser.add_argument(
        "--device",
        default=None,
        help="default: cuda (smoke: cuda if visible, else cpu)",
    )
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[128, 1024, 4096])
    parser.add_argument(
        "--precisions", nargs="+", choices=["fp32", "bf16"], default=["fp32", "bf16"]
    )
    parser.add_argument(
        "--min-step-seconds",
        type=float,
        default=0.6,
        help="time each throughput configuration at least this long",
    )
    parser.add_argument("--timing-epochs", type=int, default=2)
    parser.add_argument(
        "--datasets",
        nargs="+",
        default=list(PAPER_EPOCHS),
        help="data sets of the timing stage",
    )
    parser.add_argument(
        "--paper-datasets",
        nargs="+",
        default=["mnist", "bach", "folk", "sprites"],
        help="data sets of the paper stage, in order of priority",
    )
    parser.add_argument(
        "--mnist-path",
        default=None,
        help="default: .gpu_bundle/mnist if present, else reproduce.py's default",
    )
    parser.add_argument(
        "--cache-dir",
        default=None,
        help="morphometrics cache; default .gpu_bundle/cache if present",
    )
    args = parser.parse_args(argv)
    cuda = torch.cuda.is_available()
    if args.device is None:
        args.device = "cuda" if cuda or not args.smoke else "cpu"
    if args.device.startswith("cuda") and not cuda:
        parser.error("CUDA is not available here; use --smoke or --device cpu")
    if args.smoke:
        args.batch_sizes = [8]
        args.min_step_seconds = 0.0
        args.timing_epochs = 1
        args.smoke_n_train = 32
        if args.datasets == list(PAPER_EPOCHS):
            args.datasets = ["sprites"]
        if args.paper_datasets == parser.get_default("paper_datasets"):
            args.paper_datasets = ["sprites"]
    for name, sub in (("mnist_path", "mnist"), ("cache_dir", "cache")):
        if getattr(args, name) is None and (BUNDLE / sub).is_dir():
            setattr(args, name, str(BUNDLE / sub))
    return args


def main(argv=None):
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if "SKARVAE_DATA" not in os.environ and (BUNDLE / "skarvae_data").is_dir():
        os.environ["SKARVAE_DATA"] = str(BUNDLE / "skarvae_data")  # chorale cache
    deadline = time.monotonic() + args.budget
    results = Results(args.out, args)
    caps = {"tests": 150, "throughput": 100, "timing": 140, "paper": 10**6}
    runners = {
        "tests": stage_tests,
        "throughput": stage_throughput,
        "timing": stage_timing,
        "paper": stage_paper,
    }
    with tempfile.TemporaryDirectory(prefix="gpu_check_") as work:
        args.work = Path(work)
        try:
            for name in args.stages:
                left = deadline - time.monotonic() - 5
                if left < 10:
                    results.stage(name, status="skipped: global deadline reached")
                    continue
                start = time.monotonic()
                try:
                    runners[name](args, results, min(caps[name], left))
                except Exception as exc:  # keep going: later stages still count
                    results.stage(name, status=f"error: {type(exc).__name__}: {exc}")
                print(f"{name}: {time.monotonic() - start:.0f} s", flush=True)
        finally:
            with tarfile.open(args.out / "reproduce.tar.gz", "w:gz") as tar:
                tar.add(work, arcname="reproduce")
            results.data["total_s"] = round(
                args.budget - (deadline - time.monotonic()), 1
            )
            results.write()
    print((args.out / "summary.md").read_text())
    print(f"results in {args.out}/")


if __name__ == "__main__":
    main()
