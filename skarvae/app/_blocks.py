"""The attribute editor page: Gradio components wired to the Editor's callbacks."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import os

from skarvae.app._editor import Editor
from skarvae.utils._optional import import_optional

#: Font stacks of the editor's theme: system fonts only, so the page loads
#: no font from the internet (nor Gradio's bundled web fonts).
SANS = ("ui-sans-serif", "system-ui", "Segoe UI", "Helvetica", "Arial", "sans-serif")
MONO = ("ui-monospace", "SFMono-Regular", "Consolas", "monospace")


def _gradio():
    # Gradio reads this when it is imported; the Blocks below also switch
    # analytics off explicitly.
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    return import_optional("gradio")


def editor_theme():
    """The editor's Gradio theme: the default look with system fonts only.

    Returns
    -------
    theme : gradio.themes.Default
        Pass it to ``launch(theme=...)`` (Gradio 6 takes the theme at launch).

    Examples
    --------
    >>> from skarvae.app import editor_theme
    >>> editor_theme().font.split(",")[0]
    'ui-sans-serif'
    """
    gr = _gradio()
    return gr.themes.Default(font=list(SANS), font_mono=list(MONO))


def _component(gr, kind, label, value, **options):
    if kind == "image":
        return gr.Image(
            value=value,
            label=label,
            format="png",
            interactive=False,
            buttons=["download"],
            **options,
        )
    if kind == "audio":
        return gr.Audio(
            value=value,
            label=label,
            format="wav",
            interactive=False,
            buttons=["download"],
            **options,
        )
    return gr.Dataframe(value=value, label=label, interactive=False, **options)


def attribute_editor(
    model,
    X=None,
    *,
    measure="auto",
    vocabulary=None,
    kind="auto",
    image_shape=None,
    latents=None,
    n_steps=7,
    random_state=0,
    title=None,
):
    """Build an interactive attribute editor page for a fitted model.

    The page has one slider per regularized attribute, in the attribute's
    calibrated units (the values :meth:`~skarvae.ARVAE.edit` targets) over
    the range seen in training. It shows the start point next to the
    decoded edit, a table of the attributes the model reads
    (:meth:`~skarvae.ARVAE.predict`) and, with ``measure``, measures on
    both, and a traversal strip of one attribute. Images are drawn as
    pictures, token measures as piano rolls with synthesized audio and
    MIDI/MusicXML downloads, tabular data as tables of feature values.

    Nothing is launched: call ``launch`` on the returned app, e.g.
    ``app.launch(server_name="127.0.0.1", theme=editor_theme())``, or use
    ``python -m skarvae.app MODEL_FILE``.

    Parameters
    ----------
    model : ARVAE, GLSRVAE or BetaVAE
        A fitted model. A BetaVAE gets one slider per latent index (see
        ``latents``) in latent units.
    X : array-like of shape (n_samples, ...), default=None
        Start points, in a layout the model accepts. None starts from
        draws from the prior.
    measure : callable, 'auto' or None, default='auto'
        Function from decoded data, shape ``(n_samples, *input_shape)`` (a
        DataFrame for a model fitted on one), to measured attributes: a
        DataFrame, a dict of columns, or an array (columns named after the
        attributes when there are as many, else ``m0, m1, ...``), shown for
        the start and the edit so that leakage into other attributes is
        visible. 'auto' measures the four
        music attributes of token measures
        (:func:`skarvae.music.measure_attributes`) and nothing otherwise.
    vocabulary : Vocabulary, default=None
        The vocabulary of a token model; required for token models (a saved
        model does not store it).
    kind : {'auto', 'image', 'measures', 'tabular'}, default='auto'
        How decoded data is shown; 'auto' picks 'measures' for token models,
        'image' for samples of two or more dimensions (or with
        ``image_shape``), 'tabular' otherwise.
    image_shape : tuple of int, default=None
        Shape to draw flat samples as images, e.g. ``(28, 28)``.
    latents : list of int, default=None
        BetaVAE only: the latent indices that get sliders (default: the
        first 12).
    n_steps : int, default=7
        Steps of the traversal strip.
    random_state : int, RandomState instance or None, default=0
        Seeds random samples and prior draws.
    title : str, default=None
        Page title.

    Returns
    -------
    app : gradio.Blocks
        The page, not launched. ``app.skarvae_editor`` is the
        :class:`~skarvae.app.Editor` whose callbacks the page calls.

    Examples
    --------
    >>> from skarvae import ARVAE
    >>> from skarvae.app import attribute_editor
    >>> from skarvae.datasets import make_attribute_data
    >>> data = make_attribute_data(n_samples=100, random_state=0)
    >>> vae = ARVAE(latent_dim=4, max_epochs=2, random_state=0)
    >>> vae = vae.fit(data.data, data.attributes)
    >>> app = attribute_editor(vae, data.data)
    >>> app.skarvae_editor.labels
    ['a0', 'a1', 'a2']
    """
    editor = Editor(
        model,
        X,
        measure=measure,
        vocabulary=vocabulary,
        kind=kind,
        image_shape=image_shape,
        latents=latents,
        n_steps=n_steps,
        random_state=random_state,
    )
    gr = _gradio()
    view = editor.view
    state0 = editor.start("index", 0)
    first = editor.update(state0, state0["values"])
    attribute0 = editor.labels[0]
    strip0 = editor.traversal(state0, attribute0)
    name = type(model).__name__
    title = title or f"skarvae attribute editor: {name}"

    with gr.Blocks(analytics_enabled=False, title=title) as app:
        gr.Markdown(
            f"## {title}\n{name}, {model.latent_dim_} latent dimensions, "
            f"{editor.kind} data. Sliders set attributes in calibrated units "
            "over the range seen in training; untouched sliders keep the start's "
            "own code."
        )
        state = gr.State(state0)
        with gr.Row():
            with gr.Column(scale=1, min_width=320):
                status = gr.Markdown(f"Start: {state0['label']}.", elem_id="status")
                with gr.Row():
                    index = gr.Number(
                        value=0,
                        label="Sample index",
                        precision=0,
                        minimum=0,
                        maximum=max(editor.n_samples - 1, 0),
                        interactive=editor.n_samples > 0,
                        elem_id="index",
                    )
                    load = gr.Button(
                        "Load", size="sm", interactive=editor.n_samples > 0
                    )
                with gr.Row():
                    random = gr.Button(
                        "Random sample", size="sm", interactive=editor.n_samples > 0
                    )
                    prior = gr.Button("Prior draw", size="sm")
                    reset = gr.Button("Reset", size="sm", elem_id="reset")
                sliders = [
                    gr.Slider(
                        minimum=s["minimum"],
                        maximum=s["maximum"],
                        value=v,
                        step=s["step"],
                        precision=s["digits"],
                        label=s["label"],
                        info=s["info"],
                        elem_id=f"slider-{k}",
                    )
                    for k, (s, v) in enumerate(zip(editor.sliders, state0["values"]))
                ]
            with gr.Column(scale=2):
                pair = {}
                for kind_ in ("image", "table", "audio"):
                    slots = [s for s in view.pair_slots if s[1] == kind_]
                    if not slots:
                        continue
                    with gr.Row():
                        for key, _, label in slots:
                            pair[key] = _component(
                                gr, kind_, label, first[key], elem_id=f"out-{key}"
                            )
                table = gr.Dataframe(
                    value=first["table"],
                    label="Attributes: edit target, predicted, measured",
                    interactive=False,
                    wrap=True,
                    elem_id="out-table",
                )
                chosen = gr.Dropdown(
                    choices=editor.labels,
                    value=attribute0,
                    label="Traversal of",
                    elem_id="traverse",
                )
                strip = {
                    key: _component(gr, kind_, label, strip0[key], elem_id=f"out-{key}")
                    for key, kind_, label in view.strip_slots
                }
                caption = gr.Markdown(strip0["caption"], elem_id="caption")
                if editor.kind == "measures":
                    with gr.Accordion("MIDI and MusicXML downloads", open=False):
                        export = gr.Button(
                            "Write the start, the edit and the traversal", size="sm"
                        )
                        files = gr.File(label="Files", file_count="multiple")

        pair_keys = [key for key, _, _ in view.pair_slots]
        strip_keys = [key for key, _, _ in view.strip_slots]
        # a move redraws only what it changes: not the start's picture or audio
        move_keys = list(view.edit_keys)
        move_outputs = [*(pair[k] for k in move_keys), table]
        strip_outputs = [*(strip[k] for k in strip_keys), caption]

        def on_move(current, *values):
            out = editor.update(current, values)
            return [*(out[k] for k in move_keys), out["table"]]

        def on_start(source, current_index, attribute):
            current = editor.start(source, current_index)
            out = editor.update(current, current["values"])
            trav = editor.traversal(current, attribute)
            return [
                current,
                current["index"] if current["index"] is not None else current_index,
                f"Start: {current['label']}.",
                *current["values"],
                *(out[k] for k in pair_keys),
                out["table"],
                *(trav[k] for k in strip_keys),
                trav["caption"],
            ]

        def on_reset(current):
            out = editor.update(current, current["values"])
            return [*current["values"], *(out[k] for k in move_keys), out["table"]]

        def on_traverse(current, attribute):
            trav = editor.traversal(current, attribute)
            return [*(trav[k] for k in strip_keys), trav["caption"]]

        start_outputs = [
            state,
            index,
            status,
            *sliders,
            *(pair[k] for k in pair_keys),
            table,
            *strip_outputs,
        ]
        quiet = {"show_progress": "hidden"}
        for slider in sliders:
            slider.input(
                on_move,
                [state, *sliders],
                move_outputs,
                trigger_mode="always_last",
                **quiet,
            )
        load.click(
            lambda i, a: on_start("index", i, a),
            [index, chosen],
            start_outputs,
            **quiet,
        )
        random.click(
            lambda i, a: on_start("random", i, a), [index, chosen], start_outputs
        )
        prior.click(
            lambda i, a: on_start("prior", i, a), [index, chosen], start_outputs
        )
        reset.click(on_reset, [state], [*sliders, *move_outputs], **quiet)
        chosen.change(on_traverse, [state, chosen], strip_outputs, **quiet)
        if editor.kind == "measures":
            export.click(
                lambda current, attribute, *values: editor.export(
                    current, values, attribute
                ),
                [state, chosen, *sliders],
                files,
            )
    app.skarvae_editor = editor
    app.skarvae_callbacks = {
        "move": on_move,
        "start": on_start,
        "reset": on_reset,
        "traverse": on_traverse,
    }
    return app
