"""Training with scikit-learn's linear SVM into the desk's own model; calibration and its measure."""

from __future__ import annotations

import gzip
import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib import linear_training
from chalicelib.domain.classifier import (
    dumps_model,
    evaluate,
    expected_calibration_error,
    extract_features,
    loads_model,
    predict,
    tfidf_vector,
    top_label_confidence,
)
from chalicelib.linear_training import LINEAR_FEATURES, train_linear
from chalicelib.services.learning import NO_TRAINER, Learning

GROUPS = {
    "network": ["vpn tunnel", "wlan access point", "VPN-Verbindung", "Netzwerkdose", "switch port"],
    "printing": ["printer tray", "toner cartridge", "Drucker im Flur", "Druckerwarteschlange"],
    "mail": ["outlook mailbox", "shared calendar", "Postfach voll", "E-Mail Verteiler"],
    "erp": ["sap posting", "purchase order", "SAP-Buchung", "Bestellanforderung"],
}
FRAMES = ["hi, the {x} is broken", "hallo, {x} geht nicht", "{x} does not work, thanks", "bitte {x} prüfen"]


def tickets(seed: int, per_group: int = 40, noise: float = 0.1) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for group, things in GROUPS.items():
        for _ in range(per_group):
            texts.append(rng.choice(FRAMES).format(x=rng.choice(things)) + f" ref {rng.randrange(100)}")
            labels.append(rng.choice(list(GROUPS)) if rng.random() < noise else group)
    return texts, labels


@pytest.fixture(scope="module")
def trained() -> Any:
    texts, labels = tickets(1)
    return train_linear(texts, labels, version="lin-1", trained_at="2026-01-01T00:00:00+00:00")


def test_predictions_are_the_svm_own(trained: Any) -> None:
    """The exported model predicts what scikit-learn's LinearSVC on the same features predicts."""
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.svm import LinearSVC

    texts, labels = tickets(1)
    held, _ = tickets(2)
    idf_model = {f: row[0] for f, row in trained.rows.items()}
    train_rows = [tfidf_vector(extract_features(t, trained.config), idf_model) for t in texts]
    vectoriser = DictVectorizer()
    svm = LinearSVC().fit(vectoriser.fit_transform(train_rows).toarray(), labels)
    held_rows = [tfidf_vector(extract_features(t, trained.config), idf_model) for t in held]
    expected = svm.predict(vectoriser.transform(held_rows).toarray())
    got = np.asarray([predict(trained, t).label for t in held])
    assert (got == expected).mean() >= 0.98


def test_model_records_its_trainer_and_calibration(trained: Any) -> None:
    assert trained.model_version == "lin-1"
    assert trained.training["trainer"].startswith("linear-svm")
    assert trained.calibration is not None
    assert trained.training["calibration_rows"] == 160
    assert predict(trained, "VPN-Verbindung geht nicht").label == "network"


def test_the_model_round_trips_with_its_calibration(trained: Any) -> None:
    again = loads_model(dumps_model(trained))
    assert again == trained
    assert json.loads(gzip.decompress(dumps_model(trained)))["calibration"] == list(trained.calibration)
    # weights in ten-thousandths survive the trip (thousandths tipped near ties)
    assert json.loads(gzip.decompress(dumps_model(trained)))["weight_scale"] == 10_000
    assert any(round(w * 1000) != w * 1000 for _, entries in again.rows.values() for _, w in entries)


def test_confidence_is_calibrated_on_unseen_tickets(trained: Any) -> None:
    texts, labels = tickets(3, per_group=100)
    assert evaluate(trained, texts, labels).ece <= 0.08


def test_the_ranking_starts_with_the_calibrated_confidence(trained: Any) -> None:
    prediction = predict(trained, "printer tray broken")
    assert prediction.ranking[0] == (prediction.label, round(prediction.confidence, 4))
    assert sum(p for _, p in prediction.ranking) <= 1.0 + 1e-6


#: Long words, one per label; each ticket names its label's word with a letter changed in the middle,
#: so two tickets rarely share the word but nearly always share its first and last four letters.
TYPO_WORDS = {
    "network": "netzwerkverbindung", "printing": "druckerwarteschlange", "mail": "postfachberechtigung",
    "erp": "bestellanforderung", "access": "zugriffsberechtigung", "phone": "telefonkonferenz",
}


def typo_tickets(seed: int, count: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for _ in range(count):
        label = rng.choice(sorted(TYPO_WORDS))
        word = list(TYPO_WORDS[label])
        for _ in range(2):
            word[rng.randrange(5, len(word) - 5)] = rng.choice("aeiounrstlmk")
        texts.append(f"{rng.choice(['bitte', 'problem mit', 'hilfe bei', 'frage zu'])} {''.join(word)}")
        labels.append(label)
    return texts, labels


def test_the_affixes_are_chosen_where_they_predict_better_out_of_fold() -> None:
    texts, labels = typo_tickets(1, 300)
    model = train_linear(texts, labels)
    assert model.training["feature_set"] == "words+affix4" and model.config.affix == 4
    words_f1, words_accuracy = model.training["feature_sets_tried"]["words"]
    affix_f1, affix_accuracy = model.training["feature_sets_tried"]["words+affix4"]
    assert affix_f1 > words_f1 and affix_accuracy > words_accuracy
    held, truth = typo_tickets(2, 200)
    assert evaluate(model, held, truth).accuracy >= 0.95
    assert evaluate(train_linear(texts, labels, config=LINEAR_FEATURES), held, truth).accuracy < 0.8


def test_the_baselines_features_stay_unless_the_affixes_do_better() -> None:
    # words of five letters or fewer have no affixes: both sets predict alike, and a tie keeps words
    rng = random.Random(5)
    short = {"network": ["vpn", "wlan", "port"], "mail": ["inbox", "mail", "spam"], "erp": ["sap", "order", "po"]}
    labels = [rng.choice(sorted(short)) for _ in range(120)]
    texts = [f"{rng.choice(short[label])} is down {rng.choice(['now', 'again', 'today'])}" for label in labels]
    model = train_linear(texts, labels)
    tried = model.training["feature_sets_tried"]
    assert tried["words"] == tried["words+affix4"]
    assert model.training["feature_set"] == "words" and model.config == LINEAR_FEATURES
    given = train_linear(texts, labels, config=LINEAR_FEATURES)
    assert list(given.training["feature_sets_tried"]) == ["words"]
    # too few texts to tell: the first candidate, untried
    few = train_linear(*typo_tickets(3, 40))
    assert few.training["feature_set"] == "words" and few.training["feature_sets_tried"] == {"words": [0.0, 0.0]}


@pytest.mark.parametrize(
    ("gains", "losses", "better"),
    [(10, 0, True), (4, 0, True), (3, 0, False), (30, 10, True), (30, 20, False), (5, 10, False), (0, 0, False)],
    ids=["10-0", "4-0", "3-0", "30-10", "30-20", "5-10", "0-0"],
)
def test_a_feature_set_must_be_right_significantly_more_often(gains: int, losses: int, better: bool) -> None:
    """McNemar: (gains - losses) against two standard errors, sqrt(gains + losses)."""
    truth = [1] * (gains + losses) + [0] * 50
    old = [0] * gains + [1] * losses + [0] * 50
    new = [1] * gains + [0] * losses + [0] * 50
    assert linear_training.significantly_better(old, new, truth) is better


def test_weights_beyond_the_budget_are_dropped_smallest_first() -> None:
    texts, labels = tickets(1)
    small = train_linear(texts, labels, max_entries=50)
    assert small.training["weights"] <= 50
    assert predict(small, "VPN-Verbindung geht nicht").label == "network"


def test_binary_labels_use_one_margin() -> None:
    texts, labels = tickets(1, noise=0.0)
    binary = ["network" if label == "network" else "other" for label in labels]
    model = train_linear(texts, binary)
    assert model.labels == ("network", "other")
    assert predict(model, "vpn tunnel is broken").label == "network"
    assert predict(model, "toner cartridge empty").label == "other"


def test_a_single_label_and_bad_input() -> None:
    only = train_linear(["vpn down", "printer jam"], ["incident", "incident"])
    assert predict(only, "anything").confidence == 1.0
    with pytest.raises(ValueError):
        train_linear([], [])
    with pytest.raises(ValueError):
        train_linear(["a"], ["x", "y"])


def test_training_is_deterministic() -> None:
    texts, labels = tickets(4)
    assert dumps_model(train_linear(texts, labels)) == dumps_model(train_linear(texts, labels))


def test_top_label_confidence_grows_with_the_margin() -> None:
    calibration = (1.0, 2.0, -1.0)
    assert top_label_confidence(calibration, [1.0, 0.9, -1.0]) < top_label_confidence(calibration, [1.0, -0.5, -1.0])
    assert top_label_confidence((0.0, 0.0, 0.0), [3.0, 1.0]) == 0.5


def test_expected_calibration_error() -> None:
    assert expected_calibration_error([], []) == 0.0
    # 0.9 said, 9 of 10 right: perfect; 0.9 said, 5 of 10 right: 0.4 off
    assert expected_calibration_error([0.9] * 10, [True] * 9 + [False]) == pytest.approx(0.0)
    assert expected_calibration_error([0.9] * 10, [True] * 5 + [False] * 5) == pytest.approx(0.4)
    # two bins, each half of the tickets: the mean of their gaps
    assert expected_calibration_error([0.25, 0.25, 0.95, 0.95], [False, False, True, True]) == pytest.approx(
        (0.25 + 0.05) / 2
    )
    with pytest.raises(ValueError):
        expected_calibration_error([0.5], [])


def test_a_first_format_model_still_loads(trained: Any) -> None:
    raw = json.loads(gzip.decompress(dumps_model(trained)))
    raw["format"] = "desk-text-classifier/1"
    del raw["calibration"]
    old = loads_model(gzip.compress(json.dumps(raw).encode()))
    assert old.calibration is None
    assert predict(old, "printer tray broken").label == predict(trained, "printer tray broken").label


def test_explanations_leave_out_greetings(trained: Any) -> None:
    explanation = predict(trained, "hi, the printer tray is broken, thanks").explanation
    assert "'hi'" not in explanation and "'thanks'" not in explanation
    assert "printer" in explanation or "tray" in explanation


class _NoExamples:
    def all(self, limit: int | None = None) -> list[dict[str, Any]]:
        raise AssertionError("a retrain without a trainer reads nothing")


def test_retrain_without_scikit_learn_trains_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(linear_training, "available", lambda: False)
    learning = Learning(_NoExamples(), models=None, clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))  # type: ignore[arg-type]
    report = learning.retrain()
    assert {entry["skipped"] for entry in report.values()} == {NO_TRAINER}
