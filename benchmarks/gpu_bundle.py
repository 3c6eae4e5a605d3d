"""Build .gpu_bundle/: what benchmarks/gpu_check.py needs on the GPU machine.

The GPU machine reaches no package registry or web site, and its Python
(3.12, with torch, scikit-learn, pandas, matplotlib and the packages listed
in ``DEVICE_PACKAGES``) lacks skorch, optuna and music21; its data folders
are empty. Run this in the repository root of the checkout that the GPU
session sends (it needs network access for ``pip download``)::

    python benchmarks/gpu_bundle.py

It writes, into the git-ignored folder ``.gpu_bundle/``:

- ``wheels/``: skorch, optuna, music21 and their requirements that the GPU
  machine lacks, at the versions installed here, for CPython 3.12 on
  x86-64 Linux; every requirement of every wheel is checked to be either in
  the bundle or on the GPU machine;
- ``mnist/``: the MNIST test digits (``--mnist-path``);
- ``cache/mnist_t10k_morphometrics.csv``: their Morpho-MNIST attributes, as
  benchmarks/reproduce.py caches them (computed here once);
- ``skarvae_data/music/``: the parsed Bach and folk corpora from the
  skarvae data home, checked to load without parsing.

The folder and the working tree must stay under the 64 MiB that a ``run``
call carries; the script prints the sizes and the command to run. See
docs/gpu.md, "Running the GPU check".
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import importlib.metadata
import os
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parents[1]
CARRY_LIMIT = 64 * 2**20

#: What gpu_check needs beyond the GPU machine's own packages.
BUNDLED = [
    "skorch",
    "optuna",
    "music21",
    # their requirements that the GPU machine lacks
    "alembic",
    "sqlalchemy",
    "mako",
    "colorlog",
    "jsonpickle",
    "webcolors",
    "chardet",
    "more-itertools",
]

#: Python packages of the GPU machine's image (nvidia-h200, read there on
#: 2026-11-17; /work/.library/device/KINDS.md), the ones a requirement may name.
DEVICE_PACKAGES = """
absl-py accelerate aiofiles aiohappyeyeballs aiohttp aiosignal annotated-doc
anyio attrs botorch build certifi charset-normalizer chex click cloudpickle
cmake colorama contourpy coverage cuda-bindings cuda-core cuda-pathfinder
cuda-toolkit cupy-cuda13x cycler cython diffrax e3nn einops equinox etils
execnet filelock flatbuffers flax fonttools formulaic frozenlist fsspec gpytorch
grpcio h11 h5py hf-xet httpcore httpx huggingface-hub humanize hypothesis idna
imageio iniconfig interface-meta jax jax-cuda13-pjrt jax-cuda13-plugin jaxlib
jaxtyping jinja2 joblib kiwisolver lazy-loader lightning lightning-utilities
linear-operator lineax llvmlite lxml markdown markdown-it-py markupsafe
matplotlib mdurl meson ml-dtypes mpi4py mpmath msgpack multidict
multipledispatch mypy-extensions nanobind narwhals networkx ninja numba
numba-cuda numpy numpyro nvidia-cublas nvidia-cuda-cupti nvidia-cuda-nvrtc
nvidia-cuda-runtime nvidia-cudnn-cu13 nvidia-cufft nvidia-cufile nvidia-curand
nvidia-cusolver nvidia-cusparse nvidia-cusparselt-cu13 nvidia-ml-py
nvidia-nccl-cu13 nvidia-nvjitlink nvidia-nvshmem-cu13 nvidia-nvtx onnx onnx-ir
onnxruntime onnxscript opencv-python-headless optax opt-einsum opt-einsum-fx
optimistix orbax-checkpoint packaging pandas pathspec patsy peft pillow pip
pluggy portalocker prometheus-client propcache protobuf psutil pyarrow pybind11
py-cpuinfo pygments pyparsing pyproject-hooks pyre-extensions pytest
pytest-benchmark pytest-cov pytest-mock pytest-timeout pytest-xdist
python-dateutil pytorch-lightning pyyaml regex requests rich sacrebleu
safetensors scikit-build-core scikit-image scikit-learn scipy seaborn
sentencepiece sentence-transformers setuptools shellingham simplejson six
sortedcontainers statsmodels sympy tabulate tensorboard tensorboard-data-server
tensorstore threadpoolctl tifffile tiktoken timm tokenizers toolz torch
torchaudio torchdiffeq torch-geometric torchmetrics torchvision tqdm
transformers treescope triton typer typing-extensions typing-inspect urllib3
uvloop wadler-lindig werkzeug wheel wrapt xarray xxhash yarl zipp
""".split()

PLATFORMS = [
    "manylinux_2_28_x86_64",
    "manylinux_2_27_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
    "manylinux1_x86_64",
]


def download_wheels(folder, python_version):
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.whl"):
        old.unlink()
    pins = [f"{name}=={importlib.metadata.version(name)}" for name in BUNDLED]
    argv = [sys.executable, "-m", "pip", "download", "--no-deps", "-q"]
    argv += ["--only-binary=:all:", "--python-version", python_version]
    argv += ["--implementation", "cp", "-d", str(folder)]
    for platform in PLATFORMS:
        argv += ["--platform", platform]
    subprocess.run(argv + pins, check=True)


def check_requirements(folder, python_version):
    """Requirements of the wheels that neither the bundle nor the device has."""
    wheels = {}
    for path in sorted(folder.glob("*.whl")):
        name, version, _, _ = parse_wheel_filename(path.name)
        wheels[canonicalize_name(name)] = (version, path)
    env = {
        "python_version": python_version,
        "python_full_version": f"{python_version}.0",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": "x86_64",
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "extra": "",
    }
    device = {canonicalize_name(name) for name in DEVICE_PACKAGES}
    missing = []
    for name, (_, path) in wheels.items():
        with zipfile.ZipFile(path) as archive:
            meta = next(
                n for n in archive.namelist() if n.endswith(".dist-info/METADATA")
            )
            headers = Parser().parsestr(archive.read(meta).decode())
        for line in headers.get_all("Requires-Dist") or []:
            req = Requirement(line)
            if req.marker is not None and not req.marker.evaluate(env):
                continue
            needed = canonicalize_name(req.name)
            if needed in wheels:
                if not req.specifier.contains(wheels[needed][0], prereleases=True):
                    missing.append(f"{name}: {req} (bundled {wheels[needed][0]})")
            elif needed not in device:
                missing.append(f"{name}: {req}")
    return missing


def _copy(source, target):
    target.unlink(missing_ok=True)
    shutil.copyfile(source, target)  # the contents, not read-only modes


def copy_mnist(source, folder):
    folder.mkdir(parents=True, exist_ok=True)
    found = [p for p in Path(source).glob("t10k-*") if p.is_file()]
    for path in found:
        _copy(path, folder / path.name)
    return [p.name for p in found]


def morphometrics_cache(mnist_folder, cache_folder):
    """The CSV that reproduce.py would otherwise compute on the GPU machine."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from reproduce import mnist_with_morphometrics
    except ImportError:  # reproduce.py was reorganized: compute it as it did
        mnist_with_morphometrics = None
    cache_folder.mkdir(parents=True, exist_ok=True)
    if mnist_with_morphometrics is not None:
        mnist_with_morphometrics(mnist_folder, cache_folder, os.cpu_count())
        return
    import numpy as np

    from skarvae.datasets import load_mnist, morphometrics

    path = cache_folder / "mnist_t10k_morphometrics.csv"
    if not path.exists():
        images = (load_mnist(mnist_folder, kind="t10k").images / 255.0).astype(
            np.float32
        )
        morphometrics(images, n_jobs=os.cpu_count(), verbose=False).to_csv(
            path, index=False
        )


def copy_music(data_home, folder):
    source = Path(data_home).expanduser() / "music"
    shutil.rmtree(folder / "music", ignore_errors=True)  # no stale caches
    (folder / "music").mkdir(parents=True)
    names = []
    for path in sorted(source.glob("*.joblib")):
        _copy(path, folder / "music" / path.name)
        names.append(path.name)
    return names


CHECK_MUSIC = """
import sys
import skarvae.datasets._music as music
def refuse(*args, **kwargs):
    raise SystemExit("the cache does not match: a corpus would be parsed")
music._parse_pieces = refuse
from skarvae.datasets import load_bach_chorales, load_folk_tunes
for load in (load_bach_chorales, load_folk_tunes):
    print(load.__name__, load(progress=False).data.shape)
"""


def check_music(folder):
    """Whether both corpora load from the bundled cache without parsing."""
    env = {**os.environ, "SKARVAE_DATA": str(folder), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", CHECK_MUSIC],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result.returncode == 0, (result.stdout + result.stderr).strip()[-500:]


def tree_size():
    """Bytes of the files that a run call sends besides carried paths."""
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    return sum((ROOT / f).stat().st_size for f in files if f and (ROOT / f).is_file())


def folder_size(folder):
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / ".gpu_bundle")
    parser.add_argument("--python-version", default="3.12")
    parser.add_argument(
        "--mnist-path", default=str(ROOT.parent / "shared" / "data" / "mnist")
    )
    parser.add_argument(
        "--data-home", default=os.environ.get("SKARVAE_DATA", "~/skarvae_data")
    )
    parser.add_argument(
        "--no-download", action="store_true", help="keep the wheels already there"
    )
    parser.add_argument(
        "--wheels-only", action="store_true", help="skip the data (e.g. to test)"
    )
    args = parser.parse_args(argv)
    out = args.out
    problems = []
    if not args.no_download:
        download_wheels(out / "wheels", args.python_version)
    missing = check_requirements(out / "wheels", args.python_version)
    problems += [f"requirement not satisfied: {m}" for m in missing]
    print(f"wheels: {sorted(p.name for p in (out / 'wheels').glob('*.whl'))}")
    if args.wheels_only:
        for problem in problems:
            print(f"PROBLEM: {problem}")
        return 1 if problems else 0
    mnist = copy_mnist(args.mnist_path, out / "mnist")
    if len(mnist) < 2:
        problems.append(f"MNIST t10k files not found in {args.mnist_path}")
    else:
        morphometrics_cache(out / "mnist", out / "cache")
    caches = copy_music(args.data_home, out / "skarvae_data")
    ok, message = check_music(out / "skarvae_data")
    if not ok:
        problems.append(f"chorale/folk cache: {message}")
    bundle, tree = folder_size(out), tree_size()
    print(f"mnist: {mnist}; music caches: {caches}")
    print(f"music check: {message}")
    print(
        f"size: bundle {bundle / 2**20:.1f} MiB + working tree {tree / 2**20:.1f} MiB "
        f"= {(bundle + tree) / 2**20:.1f} MiB of {CARRY_LIMIT / 2**20:.0f} MiB"
    )
    if bundle + tree > CARRY_LIMIT:
        problems.append("bundle and working tree exceed the carry limit")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
