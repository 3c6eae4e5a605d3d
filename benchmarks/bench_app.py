"""How fast the attribute editor answers a slider move, and its screenshots.

Two models, the sizes the editor is meant for:

- ``mnist``: an MLP ``ARVAE`` on MNIST test digits with three Morpho-MNIST
  attributes (thickness, slant, width), measured with
  ``skarvae.datasets.morphometrics`` on every move;
- ``chorales``: an MLP token ``ARVAE`` on Bach chorale soprano measures with
  the four measure attributes, measured with
  ``skarvae.music.measure_attributes``; outputs are a piano roll and audio.

For each model the benchmark times ``Editor.update`` (everything a slider
move computes: the edit, ``predict`` of the edit, the measure, the pictures
and the audio) over ``--repeats`` moves of random sliders to random values,
and reports the median, 90th percentile and maximum. With ``--browser`` it
also serves the page, moves sliders in headless Chromium (Playwright) and
times each move until the new output is on the page. ``--screenshots DIR``
saves a screenshot of each page after a move (the docs' pictures).

Usage (from the repository root; trained models are kept in ``--models``)::

    python benchmarks/bench_app.py --mnist-path ../shared/data/mnist --browser
    python benchmarks/bench_app.py --browser --screenshots docs/_static/app \\
        --chorale-model results/chorales_demo/arvae.skarvae \\
        --vocabulary results/chorales_demo/vocabulary.json
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import json
import os
import platform
import socket
import statistics
import time
from pathlib import Path

import numpy as np
import torch

import skarvae
from skarvae import ARVAE
from skarvae.app import Editor, attribute_editor, editor_theme
from skarvae.music import Vocabulary

MNIST_ATTRIBUTES = ["thickness", "slant", "width"]


def measure_digits(images):
    from skarvae.datasets import morphometrics

    return morphometrics(images, verbose=False)


def mnist_model(args, folder):
    from skarvae.datasets import load_mnist, morphometrics

    path = folder / "mnist_mlp.skarvae"
    digits = load_mnist(args.mnist_path)
    X = (digits.images[: args.mnist_train + 200] / 255.0).astype(np.float32)[:, None]
    np.save(folder / "mnist_digits.npy", X[args.mnist_train :])  # start points
    if path.exists():
        return skarvae.load(path), X[args.mnist_train :]
    A = morphometrics(X[: args.mnist_train], verbose=False)[MNIST_ATTRIBUTES]
    keep = A.notna().all(axis=1).to_numpy()
    start = time.perf_counter()
    model = ARVAE(
        module="mlp",
        hidden_dims=(256, 128),
        latent_dim=8,
        gamma=10,
        lr=2e-3,
        batch_size=64,
        max_epochs=args.mnist_epochs,
        random_state=0,
    ).fit(X[: args.mnist_train][keep], A[keep])
    print(f"trained the MNIST MLP in {time.perf_counter() - start:.0f} s")
    model.save(path)
    return model, X[args.mnist_train :]


def chorale_model(args, folder):
    from skarvae.datasets import load_bach_chorales

    test = load_bach_chorales(subset="test", progress=False)
    if args.chorale_model:
        vocabulary = Vocabulary.from_dict(json.loads(Path(args.vocabulary).read_text()))
        test = load_bach_chorales(subset="test", vocabulary=vocabulary, progress=False)
        return skarvae.load(args.chorale_model), test.data, vocabulary
    path = folder / "chorale_mlp.skarvae"
    vocabulary = test.vocabulary
    if path.exists():
        return skarvae.load(path), test.data, vocabulary
    train = load_bach_chorales(progress=False)
    rng = np.random.default_rng(0)
    rows = rng.choice(len(train.data), min(args.chorale_train, len(train.data)), False)
    start = time.perf_counter()
    model = ARVAE(
        module="mlp",
        recon_loss="ce",
        hidden_dims=(512, 256),
        latent_dim=32,
        beta=0.024,
        gamma=24,
        delta=10,
        lr=1e-3,
        batch_size=256,
        max_epochs=args.chorale_epochs,
        validation_fraction=None,
        module_params={"n_tokens": len(vocabulary)},
        random_state=0,
    ).fit(train.data[rows], train.attributes.iloc[rows])
    print(f"trained the chorale MLP in {time.perf_counter() - start:.0f} s")
    model.save(path)
    return model, test.data, vocabulary


def random_moves(editor, n, seed):
    """``n`` slider moves: (start state, slider values), one slider each."""
    rng = np.random.default_rng(seed)
    state = editor.start("index", 0)
    moves = []
    for _ in range(n):
        values = list(state["values"])
        k = rng.integers(len(values))
        slider = editor.sliders[k]
        steps = round((slider["maximum"] - slider["minimum"]) / slider["step"])
        values[k] = slider["minimum"] + rng.integers(steps + 1) * slider["step"]
        moves.append(values)
    return state, moves


def summary(times):
    ms = np.asarray(times) * 1000
    return (
        f"median {statistics.median(ms):6.1f} ms, p90 {np.percentile(ms, 90):6.1f} "
        f"ms, max {ms.max():6.1f} ms over {len(ms)} moves"
    )


def time_callbacks(name, editor, repeats):
    state, moves = random_moves(editor, repeats + 3, 0)
    for values in moves[:3]:  # warm-up
        editor.update(state, values)
    times, edit_times = [], []
    for values in moves[3:]:
        start = time.perf_counter()
        editor.update(state, values)
        times.append(time.perf_counter() - start)
        start = time.perf_counter()
        editor.edit(state, values)
        edit_times.append(time.perf_counter() - start)
    start = time.perf_counter()
    editor.traversal(state, editor.labels[0])
    strip = time.perf_counter() - start
    print(f"{name}: Editor.update (all a move computes): {summary(times)}")
    print(f"{name}:   of which the edit alone: {summary(edit_times)}")
    print(f"{name}: traversal strip: {1000 * strip:.1f} ms")
    return times


def time_browser(name, app, repeats, screenshot=None, screenshot_move=None):
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app.launch(
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        theme=editor_theme(),
        quiet=True,
    )
    watched = (
        ("#out-edited_audio a[download]", "href")
        if app.skarvae_editor.kind == "measures"
        else ("#out-edited img", "src")
    )
    editor = app.skarvae_editor
    _, moves = random_moves(editor, repeats + 2, 1)
    times = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=os.environ.get("SKARVAE_CHROMIUM", "/usr/bin/chromium"),
                args=["--no-sandbox", "--headless", "--disable-gpu"],
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(app.local_url)
            page.wait_for_selector(f"{watched[0]}[{watched[1]}]", timeout=60_000)
            for i, values in enumerate(moves):
                changed = [
                    k for k, v in enumerate(values) if v != moves[i - 1][k] or i == 0
                ][:1] or [0]
                k = changed[0]
                before = page.locator(watched[0]).get_attribute(watched[1])
                start = time.perf_counter()
                page.locator(f"#slider-{k} input[type=range]").fill(str(values[k]))
                try:
                    page.wait_for_function(
                        "([s, a, old]) => { const e = document.querySelector(s);"
                        " return e && e.getAttribute(a) !== old; }",
                        arg=[*watched, before],
                        timeout=5_000,
                    )
                except Exception:  # the value did not change the output
                    continue
                if i >= 2:  # warm-up
                    times.append(time.perf_counter() - start)
            if screenshot:
                page.locator("#reset").click()  # back to the start's values
                time.sleep(1.5)
                for k, value in screenshot_move or []:
                    slider = page.locator(f"#slider-{k} input[type=range]")
                    slider.fill(str(value))
                    time.sleep(1.5)
                    label = editor.labels[k]
                    if k:  # the first attribute's traversal is already shown
                        page.locator("#traverse input").fill(label)
                        page.keyboard.press("Enter")
                        page.locator("#caption").click()  # close the list
                    page.wait_for_function(
                        "name => document.querySelector('#caption').innerText"
                        ".startsWith(name)",
                        arg=label,
                    )
                page.screenshot(path=screenshot, full_page=True)
                print(f"{name}: screenshot {screenshot}")
            browser.close()
    finally:
        app.close()
    if times:
        print(
            f"{name}: browser, slider move to new output on the page: {summary(times)}"
        )
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mnist-path", default=os.path.join("..", "shared", "data", "mnist")
    )
    parser.add_argument("--mnist-train", type=int, default=3000)
    parser.add_argument("--mnist-epochs", type=int, default=20)
    parser.add_argument("--chorale-train", type=int, default=15000)
    parser.add_argument("--chorale-epochs", type=int, default=8)
    parser.add_argument("--chorale-model", help="a saved chorale model to use instead")
    parser.add_argument("--vocabulary", help="its vocabulary JSON")
    parser.add_argument("--models", default="results/bench_app", help="model cache")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--browser", action="store_true", help="also time in Chromium")
    parser.add_argument("--screenshots", help="folder for the page screenshots")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--only", choices=["mnist", "chorales"], help="run one of the two models"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    folder = Path(args.models)
    folder.mkdir(parents=True, exist_ok=True)
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"torch threads {args.threads}, skarvae {skarvae.__version__}"
    )
    shots = Path(args.screenshots) if args.screenshots else None
    if shots:
        shots.mkdir(parents=True, exist_ok=True)

    if args.only != "chorales":
        run_mnist(args, folder, shots)
    if args.only != "mnist":
        run_chorales(args, folder, shots)


def run_mnist(args, folder, shots):
    model, X = mnist_model(args, folder)
    time_callbacks("mnist", Editor(model, X, measure=measure_digits), args.repeats)
    if args.browser or shots:
        app = attribute_editor(model, X, measure=measure_digits)
        state = app.skarvae_editor.start("index", 0)
        thick = app.skarvae_editor.sliders[0]
        time_browser(
            "mnist",
            app,
            args.repeats if args.browser else 0,
            shots / "editor_mnist.png" if shots else None,
            [(0, min(thick["maximum"], state["values"][0] + 2.0))],
        )


def run_chorales(args, folder, shots):
    model, X, vocabulary = chorale_model(args, folder)
    time_callbacks("chorales", Editor(model, X, vocabulary=vocabulary), args.repeats)
    if args.browser or shots:
        app = attribute_editor(model, X, vocabulary=vocabulary)
        names = app.skarvae_editor.names
        contour = names.index("contour") if "contour" in names else 0
        time_browser(
            "chorales",
            app,
            args.repeats if args.browser else 0,
            shots / "editor_chorales.png" if shots else None,
            [(contour, app.skarvae_editor.sliders[contour]["maximum"])],
        )


if __name__ == "__main__":
    main()
