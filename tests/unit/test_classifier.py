"""The ticket text classifier: features, training, prediction, evaluation and the model artefact."""

from __future__ import annotations

import gzip
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.classifier import (
    DEFAULT_THRESHOLDS,
    FeatureConfig,
    Model,
    classification_report,
    coverage_curve,
    dumps_model,
    evaluate,
    evaluation_of,
    extract_features,
    format_evaluation,
    loads_model,
    normalise,
    predict,
    train,
    words,
)

# Three support groups, English and German; the same verbs appear in every group.
TOPICS = {
    "network": ["vpn connection", "wlan access point", "network switch", "VPN-Verbindung", "Netzwerkkabel"],
    "printing": ["printer tray", "toner cartridge", "Drucker im Flur", "Druckerwarteschlange", "print queue"],
    "mail": ["outlook mailbox", "shared calendar", "Postfach voll", "E-Mail Verteiler", "mail attachment"],
}
FRAMES = [
    "Hi, the {x} is broken since this morning.",
    "Hallo, {x} funktioniert nicht mehr. Danke!",
    "Please help: {x} does not work, tried a restart.",
    "{x} kaputt, bitte dringend helfen",
    "Could you check the {x}? Thanks, Anna",
]


def dataset(seed: int = 0, per_label: int = 20) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for label, things in TOPICS.items():
        for _ in range(per_label):
            texts.append(rng.choice(FRAMES).format(x=rng.choice(things)))
            labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def model() -> Model:
    texts, labels = dataset()
    return train(texts, labels, version="test-1", trained_at="2025-03-01T08:00:00+00:00")


# --- text to features ---------------------------------------------------------------------------


def test_normalise_spells_out_umlauts_and_strips_accents() -> None:
    assert normalise("Größe ÜBER Straße café") == "groesse ueber strasse cafe"
    assert normalise("Mu\u0308ller") == "mueller"  # a decomposed umlaut counts as one
    assert normalise("ueber") == normalise("über")


def test_words_drop_stop_words_of_both_languages_and_keep_negations() -> None:
    assert words("The VPN is not working and ich habe keine Verbindung") == [
        "vpn",
        "not",
        "working",
        "keine",
        "verbindung",
    ]
    assert words("Ticket 12345678 and 404") == ["ticket", "<num>", "404"]


def test_features_cover_words_pairs_and_word_ends() -> None:
    sources: dict[str, str] = {}
    feats = extract_features("Druckerwarteschlange blockiert", FeatureConfig(), sources)
    assert feats["w:druckerwarteschlange"] == 1
    assert feats["b:druckerwarteschlange blockiert"] == 1
    assert feats["p:druck"] == 1 and feats["s:lange"] == 1
    assert sources["p:druck"] == "druckerwarteschlange"


def test_character_ngrams_are_optional() -> None:
    feats = extract_features("printer", FeatureConfig(char_ngram=4, affix=0))
    assert {"c:<pri", "c:nter", "c:ter>"} <= set(feats)
    assert not any(f.startswith("c:") for f in extract_features("printer", FeatureConfig()))


def test_long_texts_are_cut() -> None:
    config = FeatureConfig(max_chars=50)
    assert extract_features("vpn down " * 10_000, config) == extract_features(("vpn down " * 10)[:50], config)


# --- training and prediction --------------------------------------------------------------------


def test_predicts_the_topic_in_either_language(model: Model) -> None:
    assert predict(model, "The VPN keeps dropping, please help").label == "network"
    assert predict(model, "Der Drucker druckt nichts mehr").label == "printing"
    assert predict(model, "My outlook mailbox is full").label == "mail"


def test_prediction_has_confidence_ranking_and_explanation(model: Model) -> None:
    prediction = model.predict("vpn connection is broken")
    assert prediction.label == "network"
    assert 0.0 <= prediction.confidence <= 1.0
    assert prediction.ranking[0] == ("network", round(prediction.confidence, 4))
    assert [p for _, p in prediction.ranking] == sorted((p for _, p in prediction.ranking), reverse=True)
    assert prediction.explanation.startswith("words: '")
    assert "'vpn' (+" in prediction.explanation
    assert "(+0.00)" not in prediction.explanation


def test_empty_text_falls_back_to_the_label_frequencies(model: Model) -> None:
    prediction = predict(model, "")
    assert prediction.label in model.labels
    assert prediction.confidence < 0.5
    assert "no distinctive words" in prediction.explanation


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gets_a_known_label_and_a_probability(text: str) -> None:
    model = _shared_model()
    prediction = predict(model, text)
    assert prediction.label in model.labels
    assert 0.0 <= prediction.confidence <= 1.0
    assert sum(p for _, p in prediction.ranking) <= 1.0 + 1e-3


_MODEL: list[Model] = []


def _shared_model() -> Model:
    if not _MODEL:
        _MODEL.append(train(*dataset()))
    return _MODEL[0]


def test_unicode_and_huge_texts_are_handled(model: Model) -> None:
    for text in [
        "🔥🔥 VPN 🔥",
        "打印机坏了",
        "שלום vpn",
        "\x00\ufeff\u200b",
        "x" * 1_000_000,
        "vpn " * 100_000,
    ]:
        assert predict(model, text).label in model.labels


def test_training_is_deterministic() -> None:
    texts, labels = dataset()
    first = train(texts, labels, trained_at="2025-03-01T08:00:00+00:00")
    second = train(texts, labels, trained_at="2025-03-01T08:00:00+00:00")
    assert dumps_model(first) == dumps_model(second)
    assert first.model_version == second.model_version
    assert first.model_version.startswith("sha256-")


def test_version_and_training_facts_are_recorded(model: Model) -> None:
    assert model.model_version == "test-1"
    assert model.trained_at == "2025-03-01T08:00:00+00:00"
    assert model.labels == ("mail", "network", "printing")
    assert model.training["rows"] == 60
    assert model.training["label_counts"] == {"mail": 20, "network": 20, "printing": 20}


def test_a_different_training_set_gets_a_different_version() -> None:
    texts, labels = dataset()
    other_texts, other_labels = dataset(seed=1)
    assert train(texts, labels).model_version != train(other_texts, other_labels).model_version


def test_a_single_label_is_predicted_with_full_confidence() -> None:
    only = train(["vpn down", "printer jam"], ["incident", "incident"])
    prediction = predict(only, "anything at all")
    assert (prediction.label, prediction.confidence) == ("incident", 1.0)


def test_rare_labels_and_imbalance_are_kept() -> None:
    texts, labels = dataset(per_label=80)
    texts += ["badge reader at the front door broken"]
    labels += ["facilities"]
    trained = train(texts, labels)
    assert "facilities" in trained.labels
    assert trained.training["label_counts"]["facilities"] == 1
    assert predict(trained, "printer tray empty").label == "printing"


def test_texts_without_any_word_train_a_prior_only_model() -> None:
    prior = train(["", "!!!", "", "?"], ["a", "a", "a", "b"])
    assert prior.rows == {}
    assert predict(prior, "vpn").label == "a"


def test_bad_training_input_is_refused() -> None:
    with pytest.raises(ValueError, match="no training examples"):
        train([], [])
    with pytest.raises(ValueError, match="2 texts but 1 labels"):
        train(["a", "b"], ["x"])


def test_calibrated_confidence_tracks_accuracy_on_noisy_labels() -> None:
    rng = random.Random(3)
    texts, labels = [], []
    for _ in range(900):
        label = rng.choice(list(TOPICS))
        text = rng.choice(FRAMES).format(x=rng.choice(TOPICS[label]))
        if rng.random() < 0.25:  # a quarter of the labels are wrong
            label = rng.choice(list(TOPICS))
        texts.append(text)
        labels.append(label)
    trained = train(texts[:600], labels[:600])
    assert trained.training["calibration_rows"] > 0
    evaluation = evaluate(trained, texts[600:], labels[600:])
    mean_confidence = sum(predict(trained, t).confidence for t in texts[600:]) / 300
    # Uniform label noise is the hard case for one temperature; real exports land much closer.
    assert abs(mean_confidence - evaluation.accuracy) < 0.15
    assert evaluation.coverage[-3].accuracy >= evaluation.accuracy  # confidence >= 0.8 is more often right


# --- the artefact -------------------------------------------------------------------------------


def test_model_round_trips_through_bytes(model: Model) -> None:
    data = dumps_model(model)
    again = loads_model(data)
    assert again == model
    assert dumps_model(again) == data
    for text in dataset(seed=7)[0][:10]:
        assert predict(again, text) == predict(model, text)


def test_artefact_is_versioned_gzip_json(model: Model) -> None:
    raw = json.loads(gzip.decompress(dumps_model(model)))
    assert raw["format"] == "desk-text-classifier/3"
    assert raw["weight_scale"] == 1000
    assert raw["model_version"] == "test-1"
    assert raw["labels"] == ["mail", "network", "printing"]
    assert raw["config"]["min_df"] == 2


def test_a_format_2_model_reads_its_weights_in_thousandths(model: Model) -> None:
    raw = json.loads(gzip.decompress(dumps_model(model)))
    raw["format"] = "desk-text-classifier/2"
    del raw["weight_scale"]
    assert loads_model(gzip.compress(json.dumps(raw).encode(), mtime=0)) == model


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not gzip",
        gzip.compress(b"{not json", mtime=0),
        gzip.compress(b'{"format": "something-else"}', mtime=0),
        gzip.compress(b'{"format": "desk-text-classifier/1"}', mtime=0),
    ],
    # Fixed ids: the two test workers must collect the same tests.
    ids=["empty", "not-gzip", "not-json", "another-format", "no-model"],
)
def test_anything_but_a_model_is_refused(data: bytes) -> None:
    with pytest.raises(ValueError, match="classifier model"):
        loads_model(data)


# --- evaluation ---------------------------------------------------------------------------------


def test_per_class_scores_accuracy_and_macro_f1() -> None:
    truth = ["a", "a", "a", "b", "b", "c"]
    predicted = ["a", "a", "b", "b", "c", "c"]
    report = {m.label: m for m in classification_report(truth, predicted)}
    assert report["a"].precision == 1.0 and report["a"].recall == pytest.approx(2 / 3)
    assert report["b"].precision == 0.5 and report["b"].recall == 0.5
    assert report["c"].precision == 0.5 and report["c"].recall == 1.0 and report["c"].support == 1
    evaluation = evaluation_of(truth, predicted, [1.0] * 6)
    assert evaluation.accuracy == pytest.approx(4 / 6)
    f1s = [0.8, 0.5, 2 / 3]
    assert evaluation.macro_f1 == pytest.approx(sum(f1s) / 3)


def test_a_label_never_predicted_scores_zero() -> None:
    (a, b) = classification_report(["a", "b"], ["a", "a"])
    assert (b.label, b.precision, b.recall, b.f1) == ("b", 0.0, 0.0, 0.0)
    assert a.precision == 0.5


def test_coverage_curve_trades_coverage_for_accuracy() -> None:
    truth = ["a", "a", "b", "b"]
    predicted = ["a", "b", "b", "a"]
    confidences = [0.95, 0.55, 0.85, 0.3]
    points = coverage_curve(truth, predicted, confidences, (0.0, 0.5, 0.8, 0.99))
    assert [(p.threshold, p.coverage, p.accuracy, p.count) for p in points] == [
        (0.0, 1.0, 0.5, 4),
        (0.5, 0.75, 2 / 3, 3),
        (0.8, 0.5, 1.0, 2),
        (0.99, 0.0, 0.0, 0),
    ]


def test_evaluate_reports_every_default_threshold(model: Model) -> None:
    texts, labels = dataset(seed=5)
    evaluation = evaluate(model, texts, labels)
    assert [p.threshold for p in evaluation.coverage] == list(DEFAULT_THRESHOLDS)
    assert evaluation.coverage[0].coverage == 1.0
    assert evaluation.accuracy > 0.9
    report = format_evaluation(evaluation)
    assert "macro-F1" in report and "network" in report and "threshold  coverage  accuracy" in report


def test_mismatched_evaluation_input_is_refused(model: Model) -> None:
    with pytest.raises(ValueError):
        evaluate(model, ["a"], [])
    with pytest.raises(ValueError):
        classification_report(["a"], [])
