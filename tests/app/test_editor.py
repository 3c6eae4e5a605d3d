"""The editor's callbacks as plain functions: values in, decoded outputs out."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from skarvae import ARVAE

pytest.importorskip("gradio")

from skarvae.app import Editor, attribute_editor
from skarvae.app._render import SAMPLE_RATE
from skarvae.estimators._calibration import value_range
from skarvae.music import N_TICKS, Vocabulary


def _moved(editor, state, k, value):
    values = list(state["values"])
    values[k] = value
    return values


# ----------------------------------------------------------------- sliders


@pytest.mark.parametrize("fixture", ["image_model", "token_model", "table_model"])
def test_sliders_are_labelled_and_span_the_calibrated_range(fixture, request):
    model, X, *rest = request.getfixturevalue(fixture)
    editor = Editor(model, X, vocabulary=rest[0] if rest else None)
    assert editor.labels == list(model.attribute_names_in_)
    for slider in editor.sliders:
        lo, hi = value_range(model.calibration_[slider["name"]])
        assert lo <= slider["minimum"] < slider["maximum"] <= hi
        # inside the training range by less than one step at each end
        assert slider["minimum"] - lo < slider["step"]
        assert hi - slider["maximum"] < slider["step"]
        assert slider["dim"] == model.reg_dims_[slider["name"]]
        assert slider["name"] in slider["label"]
    state = editor.start("index", 3)
    for slider, value in zip(editor.sliders, state["values"]):
        assert slider["minimum"] <= value <= slider["maximum"]
        steps = (value - slider["minimum"]) / slider["step"]
        assert steps == pytest.approx(round(steps), abs=1e-6)


def test_slider_step_is_round():
    from skarvae.app._editor import _grid

    grid = _grid(1.2896, 5.7321)
    assert grid["step"] == 0.05
    assert (grid["minimum"], grid["maximum"]) == (1.3, 5.7)
    assert _grid(-3, 3)["step"] == 0.1


# ---------------------------------------------------------------- editing


@pytest.mark.parametrize("fixture", ["image_model", "token_model", "table_model"])
def test_untouched_sliders_show_the_reconstruction(fixture, request):
    model, X, *rest = request.getfixturevalue(fixture)
    editor = Editor(model, X, vocabulary=rest[0] if rest else None)
    state = editor.start("index", 2)
    assert editor.targets(state, state["values"]) == {}
    out = editor.update(state, state["values"])
    expected = model.inverse_transform(
        model.transform(X.iloc[2:3] if fixture == "table_model" else X[2:3])
    )
    np.testing.assert_allclose(out["edited_data"], expected, atol=1e-5)
    assert out["table"]["edit target"].isna().all()


@pytest.mark.parametrize("fixture", ["image_model", "token_model", "table_model"])
def test_a_slider_moves_its_own_attribute_most(fixture, request):
    model, X, *rest = request.getfixturevalue(fixture)
    editor = Editor(model, X, vocabulary=rest[0] if rest else None)
    for index in (0, 5, 9):
        state = editor.start("index", index)
        for k, slider in enumerate(editor.sliders):
            low = editor.update(state, _moved(editor, state, k, slider["minimum"]))
            high = editor.update(state, _moved(editor, state, k, slider["maximum"]))
            change = {}
            for j, other in enumerate(editor.sliders):
                column = "predicted: edited"
                delta = high["table"][column][j] - low["table"][column][j]
                change[other["name"]] = abs(delta) / (
                    other["maximum"] - other["minimum"]
                )
            own = change.pop(slider["name"])
            assert own > max(change.values()), (index, slider["name"], own, change)
            assert high["table"]["edit target"][k] == slider["maximum"]


def test_table_has_predicted_and_measured_attributes(image_model, bars_measure):
    model, X = image_model
    measure_bars = bars_measure
    editor = Editor(model, X, measure=measure_bars)
    state = editor.start("index", 0)
    out = editor.update(state, _moved(editor, state, 0, editor.sliders[0]["maximum"]))
    table = out["table"]
    assert list(table.columns) == [
        "attribute",
        "edit target",
        "predicted: start",
        "predicted: edited",
        "measured: start",
        "measured: edited",
    ]
    assert table["attribute"].tolist() == ["thickness", "position"]
    measured = measure_bars(out["edited_data"])
    assert table["measured: edited"][0] == pytest.approx(
        measured["thickness"][0], abs=1e-4
    )
    # thickness up means more ink: the measure agrees with the slider
    assert table["measured: edited"][0] > table["measured: start"][0]


def test_measure_may_return_an_array_and_other_columns(table_model):
    model, X = table_model
    editor = Editor(model, X, measure=lambda Xd: np.asarray(Xd)[:, :3])
    state = editor.start("index", 0)
    table = editor.update(state, state["values"])["table"]
    assert table["attribute"].tolist() == ["left", "right", "m0", "m1", "m2"]


# ---------------------------------------------------------------- outputs


def test_image_outputs_are_upscaled_pictures(image_model):
    model, X = image_model
    editor = Editor(model, X)
    state = editor.start("index", 0)
    out = editor.update(state, _moved(editor, state, 0, editor.sliders[0]["maximum"]))
    assert out["start"].shape == out["edited"].shape == (192, 192)
    assert out["start"].dtype == np.uint8
    assert not np.array_equal(out["start"], out["edited"])
    strip = editor.traversal(state, "thickness")
    assert strip["strip"].shape == (80, 7 * 80 + 6 * 3)
    assert strip["steps"][0] == editor.sliders[0]["minimum"]
    assert strip["steps"][-1] == editor.sliders[0]["maximum"]
    assert "thickness" in strip["caption"]


def test_token_outputs_have_audio_and_piano_rolls(token_model):
    model, X, vocabulary = token_model
    editor = Editor(model, X, vocabulary=vocabulary)
    assert editor.kind == "measures"
    state = editor.start("index", 0)
    out = editor.update(state, _moved(editor, state, 0, editor.sliders[0]["maximum"]))
    for key in ("start_audio", "edited_audio"):
        rate, audio = out[key]
        assert rate == SAMPLE_RATE == 22050
        assert audio.dtype == np.int16
        assert audio.shape == (2 * SAMPLE_RATE,)  # one 4/4 measure at 120 bpm
        assert np.abs(audio).max() > 1000
    assert out["start"].ndim == 3
    assert out["start"].shape[2] == 3
    strip = editor.traversal(state, "note_density")
    assert strip["strip_audio"][1].shape == (7 * 2 * SAMPLE_RATE,)
    # measured attributes of the four music attributes come for free
    assert set(out["table"]["attribute"]) == {
        "note_density",
        "pitch_range",
        "rhythmic_complexity",
        "contour",
    }


def test_export_writes_midi_and_musicxml(token_model, tmp_path):
    pytest.importorskip("music21")
    model, X, vocabulary = token_model
    editor = Editor(model, X, vocabulary=vocabulary)
    state = editor.start("index", 0)
    paths = editor.export(state, state["values"], "note_density", folder=tmp_path)
    names = sorted(p.rsplit("/", 1)[-1] for p in paths)
    assert names == [
        "edited.mid",
        "edited.musicxml",
        "start.mid",
        "start.musicxml",
        "traversal_note_density.mid",
        "traversal_note_density.musicxml",
    ]
    assert all((tmp_path / n).stat().st_size > 0 for n in names)


def test_tabular_outputs_are_feature_tables(table_model):
    model, X = table_model
    editor = Editor(model, X)
    assert editor.kind == "tabular"
    state = editor.start("index", 0)
    out = editor.update(state, _moved(editor, state, 0, editor.sliders[0]["maximum"]))
    table = out["edited"]
    assert table["feature"].tolist() == list(X.columns)
    np.testing.assert_allclose(table["start"], X.iloc[0], atol=1e-4)
    np.testing.assert_allclose(
        table["change"], table["edited"] - table["start"], atol=2e-4
    )
    strip = editor.traversal(state, "left")["strip"]
    assert strip.shape == (8, 1 + 7)


def test_betavae_gets_latent_sliders(beta_model):
    model, X = beta_model
    editor = Editor(model, X)
    assert editor.labels == ["z0", "z1", "z2"]
    assert editor.sliders[0]["minimum"] == -3
    assert editor.sliders[0]["maximum"] == 3
    state = editor.start("index", 0)
    out = editor.update(state, _moved(editor, state, 1, 2.0))
    assert out["table"]["latent"].tolist() == ["z0", "z1", "z2"]
    assert out["table"]["edit target"][1] == 2.0
    assert Editor(model, X, latents=[2]).labels == ["z2"]


# ------------------------------------------------------------ start points


def test_start_points(image_model):
    model, X = image_model
    editor = Editor(model, X, random_state=0)
    state = editor.start("index", 4)
    np.testing.assert_array_equal(state["x"], X[4:5])
    assert state["index"] == 4
    assert "sample 4" in state["label"]
    random = editor.start("random")
    assert 0 <= random["index"] < len(X)
    prior = editor.start("prior")
    assert prior["index"] is None
    assert prior["x"].shape == (1, *model.input_shape_)
    assert "prior" in prior["label"]
    with pytest.raises(ValueError, match="out of range"):
        editor.start("index", len(X))
    with pytest.raises(ValueError, match="source"):
        editor.start("nowhere")


def test_without_data_starts_from_the_prior(image_model):
    model, _ = image_model
    editor = Editor(model)
    assert editor.n_samples == 0
    assert editor.start("index", 0)["index"] is None


def test_flat_images_with_image_shape(image_model):
    model, X = image_model
    editor = Editor(model, X.reshape(len(X), -1), image_shape=(8, 8))
    assert editor.kind == "image"
    with pytest.raises(ValueError, match="image_shape"):
        Editor(model, X, image_shape=(3, 3))


# ------------------------------------------------------------------ errors


def test_unfitted_model_is_refused():
    with pytest.raises(NotFittedError, match="not fitted"):
        Editor(ARVAE())


def test_other_objects_are_refused():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    with pytest.raises(TypeError, match="ARVAE, GLSRVAE or BetaVAE"):
        Editor(StandardScaler())
    with pytest.raises(TypeError, match="Pipeline"):
        Editor(make_pipeline(StandardScaler(), ARVAE()))


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_data_of_the_wrong_width_is_refused(image_model, table_model):
    model, X = image_model
    with pytest.raises(ValueError, match="X does not fit the model"):
        Editor(model, X[:, :, :4])
    model, X = table_model
    with pytest.raises(ValueError, match="missing"):
        Editor(model, X.iloc[:, :5])
    with pytest.raises(ValueError, match="expecting 8 features"):
        Editor(model, X.to_numpy()[:, :5])
    with pytest.raises(ValueError, match="no samples"):
        Editor(model, X.iloc[:0])
    # a plain array of the right width is taken as the fitted columns
    assert Editor(model, X.to_numpy()).n_samples == len(X)


def test_token_model_needs_its_vocabulary(token_model):
    model, X, vocabulary = token_model
    with pytest.raises(ValueError, match="vocabulary="):
        Editor(model, X)
    with pytest.raises(ValueError, match="not the model's vocabulary"):
        Editor(model, X, vocabulary=Vocabulary(["C4"]))
    with pytest.raises(TypeError, match="Vocabulary"):
        Editor(model, X, vocabulary=vocabulary.to_dict())


def test_bad_options_are_refused(image_model):
    model, X = image_model
    with pytest.raises(ValueError, match="kind"):
        Editor(model, X, kind="video")
    with pytest.raises(ValueError, match="does not fit a model"):
        Editor(model, X, kind="measures")
    with pytest.raises(ValueError, match="n_steps"):
        Editor(model, X, n_steps=1)
    with pytest.raises(ValueError, match="latents= is for a BetaVAE"):
        Editor(model, X, latents=[0])
    with pytest.raises(TypeError, match="measure"):
        Editor(model, X, measure="morpho")
    with pytest.raises(ValueError, match="Unknown attribute"):
        Editor(model, X).traversal(Editor(model, X).start(), "size")


# ------------------------------------------------------ the gradio wiring


def test_page_callbacks_return_one_value_per_output(image_model, bars_measure):
    model, X = image_model
    app = attribute_editor(model, X, measure=bars_measure)
    editor = app.skarvae_editor
    callbacks = app.skarvae_callbacks
    state = editor.start("index", 1)
    moved = callbacks["move"](state, *_moved(editor, state, 0, 2.5))
    assert len(moved) == 2  # edited picture and table; the start stays
    assert moved[0].shape == (192, 192)
    assert isinstance(moved[1], pd.DataFrame)
    started = callbacks["start"]("index", 2, "position")
    # state, index, status, 2 sliders, start, edited, table, strip, caption
    assert len(started) == 10
    assert started[1] == 2
    assert started[3:5] == started[0]["values"]
    assert "position" in started[-1]
    reset = callbacks["reset"](state)
    assert reset[:2] == state["values"]
    assert callbacks["traverse"](state, "thickness")[0].shape[0] == 80


def test_page_config_has_the_sliders(token_model):
    model, X, vocabulary = token_model
    app = attribute_editor(model, X, vocabulary=vocabulary, title="chorales")
    config = app.get_config_file()
    sliders = [c for c in config["components"] if c["type"] == "slider"]
    assert [s["props"]["label"] for s in sliders] == ["note_density", "pitch_range"]
    audio = [c for c in config["components"] if c["type"] == "audio"]
    assert len(audio) == 3


def test_measure_shapes_of_several_measures():
    from skarvae.app._views import MeasureView

    vocabulary = Vocabulary(["C4"])
    with pytest.raises(ValueError, match="24"):
        MeasureView((30,), vocabulary)
    view = MeasureView((2 * N_TICKS,), vocabulary)
    ids = np.zeros((1, 2 * N_TICKS), dtype=int)
    ids[0, 0] = ids[0, N_TICKS] = vocabulary.tokens.index("C4")
    out = view.pair(ids, ids)
    assert out["start_audio"][1].shape == (4 * SAMPLE_RATE,)
    assert out["start"].shape[1] == 2 * (4 * 72 + 2) + 6
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        view.strip(np.repeat(ids, 3, axis=0), ["a", "b", "c"])


def test_glsrvae_gets_attribute_sliders():
    from skarvae import GLSRVAE
    from skarvae.losses import MeanIntensity

    rng = np.random.default_rng(0)
    X = (rng.random((100, 16)) < rng.random((100, 1))).astype("float32")
    vae = GLSRVAE(
        attribute_fns=[MeanIntensity()], latent_dim=3, max_epochs=2, random_state=0
    ).fit(X, X.mean(axis=1))
    editor = Editor(vae, X)
    assert editor.kind == "tabular"
    assert editor.labels == list(vae.attribute_names_in_)
    state = editor.start("index", 0)
    out = editor.update(state, [editor.sliders[0]["maximum"]])
    assert out["table"]["edit target"][0] == editor.sliders[0]["maximum"]
