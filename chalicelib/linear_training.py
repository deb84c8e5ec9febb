"""Training the ticket classifier with scikit-learn's linear SVM, exported to the desk's own model.

The desk predicts with the compact, pure-Python model of :mod:`chalicelib.domain.classifier` (no
numpy or scikit-learn in the API Lambda). Training is where a library does better than hand-written
code: :func:`train_linear` featurises the texts exactly as prediction will (the desk's normalisation,
word unigrams and bigrams, ``(1 + log tf) * idf``, unit length), fits one-vs-rest linear SVMs
(liblinear's dual coordinate descent, through scikit-learn's ``LinearSVC``), and writes their
weights into the desk's format:

* the feature set is chosen by cross-validation on the training texts among
  :data:`CANDIDATE_FEATURES` (with and without word affixes), and stored with the model;
* weights are quantised to ten-thousandths, and when there are more than ``max_entries`` of them
  the smallest are dropped, which bounds the model's size (about 4 bytes an entry, gzip-compressed);
* SVM scores are margins, not probabilities, so the confidence is calibrated on scores the model
  gave to texts it had not seen (five-fold cross-validation on the training texts; on more than
  20,000 texts one fifth, scored by a model trained on the rest): a logistic map
  from the top score and its margin over the second to "how often was that right", and a softmax
  temperature for the ranking of the other labels.

scikit-learn is a training-time dependency only (``requirements-dev.txt`` and the retrain image in
``infra/retrain``). :func:`available` says whether it is installed; :func:`train_best` falls back to
the pure-Python trainer of the domain module where it is not.
"""

from __future__ import annotations

import importlib.util
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from chalicelib.domain.classifier import FeatureConfig, Model, extract_features, tfidf_vector, train, versioned

if TYPE_CHECKING:
    import numpy as np

#: The features of a linear model: those of the usual TF-IDF baseline (word 1-2 grams, sublinear tf,
#: no stop-word list: "hi" and "thanks" tell a request from an incident) with the desk's normalisation.
LINEAR_FEATURES = FeatureConfig(bigrams=True, affix=0, min_df=1, stop_words=False, max_features=2_000_000)
#: The feature sets :func:`train_linear` chooses between, by out-of-fold predictions on the training
#: texts: the baseline's own, and the same with the prefixes and suffixes (four letters) of words of
#: six letters or more, which catch typos, inflections and German compounds. The affixes help where
#: requesters misspell (the generated tickets) and not on the real export's terse titles, so the
#: data decides (:func:`train_linear`).
CANDIDATE_FEATURES: tuple[FeatureConfig, ...] = (LINEAR_FEATURES, replace(LINEAR_FEATURES, affix=4, affix_min_word=6))
#: How many standard errors better a later feature set's out-of-fold accuracy must be to be chosen.
#: With 5,000 texts, scores a point or two apart are within the noise of the folds: on the real
#: export's columns the affixes were never 2 better (z from -1.4 to 1.7), on the generated tickets
#: with typos they were 4.7 better.
MIN_Z = 2.0
#: At most this many weights are kept (the largest): about 3.6 MB of model (93 labels, 100,000 tickets).
MAX_ENTRIES = 1_000_000
#: Cross-validation folds for the calibration.
CALIBRATION_FOLDS = 5
#: Above this many training texts the calibration uses one fold (see ``_out_of_fold_scores``).
CALIBRATION_SPLIT_ROWS = 20_000
#: At most this many passes of liblinear over the texts per label; it converges in about 50 on ticket
#: texts. The dual solver is asked for by name: scikit-learn's ``dual="auto"`` picks the primal one
#: when the texts outnumber the features, which on 100,000 generated tickets took over ten minutes
#: where the dual takes about 90 seconds.
MAX_ITER = 100
#: Fewer training texts than this leave the confidence uncalibrated (temperature 1, plain softmax).
CALIBRATION_MIN_ROWS = 60
#: Weights are multiples of ``1 / WEIGHT_SCALE``: at thousandths the exported model disagreed with
#: the SVM on about one text in a thousand (a near tie tipped by rounding). At ten-thousandths the
#: words-only models predict as the baseline does on all of the real export's 7,585 test tickets but
#: one, which the desk's own normalisation got right; the model grows by about a third.
WEIGHT_SCALE = 10_000


def available() -> bool:
    """Whether scikit-learn is installed here."""
    return importlib.util.find_spec("sklearn") is not None


def trainer_name() -> str:
    """``"linear-svm"`` where scikit-learn is installed, else ``"sgd"`` (the pure-Python trainer)."""
    return "linear-svm" if available() else "sgd"


def train_best(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    version: str | None = None,
    trained_at: str | None = None,
) -> Model:
    """:func:`train_linear` where scikit-learn is installed, else the domain's pure-Python trainer."""
    if available():
        return train_linear(texts, labels, version=version, trained_at=trained_at)
    return train(texts, labels, version=version, trained_at=trained_at)


def _matrix(
    texts: Sequence[str], config: FeatureConfig, index: dict[str, int], idf: dict[str, float]
) -> Any:
    """The texts' unit-length TF-IDF rows as a CSR matrix, featurised one text at a time."""
    import numpy as np
    from scipy import sparse

    indptr = [0]
    columns: list[int] = []
    values: list[float] = []
    for text in texts:
        vec = tfidf_vector(extract_features(text, config), idf)
        columns.extend(index[f] for f in vec)
        values.extend(vec.values())
        indptr.append(len(columns))
    return sparse.csr_matrix(
        (np.asarray(values, dtype=np.float64), np.asarray(columns, dtype=np.int32), np.asarray(indptr)),
        shape=(len(texts), len(index)),
    )


def _scores(svm: Any, matrix: Any) -> np.ndarray:
    """Per-class scores; a binary SVM's one margin ``d`` becomes ``(-d/2, d/2)``."""
    import numpy as np

    raw = svm.decision_function(matrix)
    if raw.ndim == 1:
        return np.column_stack([-raw / 2.0, raw / 2.0])
    return np.asarray(raw)


def _out_of_fold_scores(
    texts: Sequence[str], y: np.ndarray, n_classes: int, config: FeatureConfig, c: float, seed: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """Scores of training texts from models trained without them, and those texts' labels: every
    text over ``CALIBRATION_FOLDS`` folds, or above ``CALIBRATION_SPLIT_ROWS`` texts one fold only
    (one extra fit instead of five). Each fold is featurised from its own training texts alone, as
    a model in use meets a new text: a word it never saw is dropped before the text's vector is
    scaled to unit length. ``None`` when some fold would see a single label."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    counts = np.bincount(y, minlength=n_classes)
    folds = StratifiedKFold(n_splits=min(CALIBRATION_FOLDS, max(2, int(counts.max()))), shuffle=True, random_state=seed)
    out = np.full((len(y), n_classes), np.nan)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "the least populated class has only 1 member": expected
        splits = list(folds.split(np.zeros(len(y)), y))
    if len(y) > CALIBRATION_SPLIT_ROWS:
        splits = splits[:1]
    for fit_rows, held_rows in splits:
        present = np.unique(y[fit_rows])
        if len(present) < 2:
            return None
        features, idf, fit_matrix = _featurise([texts[i] for i in fit_rows], config)
        held_matrix = _matrix([texts[i] for i in held_rows], config, {f: i for i, f in enumerate(features)}, idf)
        svm = LinearSVC(C=c, dual=True, random_state=seed, max_iter=MAX_ITER).fit(fit_matrix, y[fit_rows])
        del fit_matrix
        scores = _scores(svm, held_matrix)
        block = np.full((len(held_rows), n_classes), np.nan)
        block[:, present] = scores
        out[held_rows] = block
    scored = np.concatenate([held_rows for _, held_rows in splits])
    out = out[scored]
    # A label its fold never saw scores below every label that fold knew.
    low = np.nanmin(out, axis=1, keepdims=True) - 1.0
    return np.where(np.isnan(out), low, out), y[scored]


def _fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """The softmax temperature minimising the negative log-likelihood (golden-section search)."""
    import numpy as np

    top = scores.max(axis=1, keepdims=True)
    shifted = scores - top
    picked = shifted[np.arange(len(y)), y]

    def nll(log_t: float) -> float:
        t = math.exp(log_t)
        return float(np.sum(np.log(np.exp(shifted / t).sum(axis=1)) - picked / t))

    lo, hi = math.log(0.01), math.log(20.0)
    ratio = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = nll(a), nll(b)
    for _ in range(40):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = nll(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = nll(b)
    return math.exp((lo + hi) / 2.0)


def _fit_calibration(scores: np.ndarray, y: np.ndarray) -> tuple[float, float, float] | None:
    """``(a, b, c)`` of ``sigmoid(a * top + b * margin + c)`` fitted to whether the top label was right."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    ordered = np.sort(scores, axis=1)
    top, margin = ordered[:, -1], ordered[:, -1] - ordered[:, -2]
    right = (scores.argmax(axis=1) == y).astype(int)
    if right.min() == right.max():
        return None
    fit = LogisticRegression(C=100.0).fit(np.column_stack([top, margin]), right)
    a, b = (float(w) for w in fit.coef_[0])
    return (round(a, 5), round(b, 5), round(float(fit.intercept_[0]), 5))


def _rows(
    weights: np.ndarray, features: Sequence[str], idf: dict[str, float], max_entries: int
) -> tuple[dict[str, tuple[float, tuple[tuple[int, float], ...]]], float]:
    """The model's rows from a ``(classes, features)`` weight matrix, quantised and cut to at most
    ``max_entries`` weights (the largest kept); also the smallest magnitude kept."""
    import numpy as np

    quantised = np.round(weights * WEIGHT_SCALE)
    magnitude = np.abs(quantised)
    nonzero = int(np.count_nonzero(magnitude))
    floor = 1.0
    if nonzero > max_entries:
        floor = max(1.0, float(np.partition(magnitude.ravel(), -max_entries)[-max_entries]))
        if int(np.count_nonzero(magnitude >= floor)) > max_entries:
            floor += 1.0
    keep = magnitude >= floor
    rows: dict[str, tuple[float, tuple[tuple[int, float], ...]]] = {}
    classes_of = keep.T
    for j in np.flatnonzero(classes_of.any(axis=1)):
        labels = np.flatnonzero(classes_of[j])
        feat = features[int(j)]
        rows[feat] = (
            round(idf[feat], 3),
            tuple((int(k), float(quantised[k, j]) / WEIGHT_SCALE) for k in labels),
        )
    return rows, floor / WEIGHT_SCALE


@dataclass(frozen=True)
class _Candidate:
    """One feature set with the out-of-fold scores it gave and their labels (``None`` when none
    could be had), and their ``(macro-F1, accuracy)``, ``(0, 0)`` without them."""

    config: FeatureConfig
    held: tuple[np.ndarray, np.ndarray] | None
    score: tuple[float, float]


def _featurise(texts: Sequence[str], config: FeatureConfig) -> tuple[list[str], dict[str, float], Any]:
    """The features ``config`` keeps from ``texts``, their idf, and the texts' TF-IDF matrix."""
    n = len(texts)
    df: Counter[str] = Counter()
    for text in texts:  # the first pass only counts, so 100,000 texts never sit in memory as features
        df.update(extract_features(text, config).keys())
    kept = sorted((f for f, d in df.items() if d >= config.min_df), key=lambda f: (-df[f], f))
    kept = kept[: config.max_features]
    idf = {f: math.log((n + 1) / (df[f] + 1)) + 1.0 for f in kept}
    df.clear()
    return kept, idf, _matrix(texts, config, {f: i for i, f in enumerate(kept)}, idf)


def significantly_better(old: Sequence[int], new: Sequence[int], truth: Sequence[int]) -> bool:
    """Whether predictions ``new`` are right more often than ``old`` on the same texts by at least
    :data:`MIN_Z` standard errors (McNemar's test: of the texts only one of them gets right, how many
    more ``new`` gets right, against the square root of their number)."""
    gains = sum(1 for a, b, t in zip(old, new, truth, strict=True) if b == t != a)
    losses = sum(1 for a, b, t in zip(old, new, truth, strict=True) if a == t != b)
    return gains > losses and (gains - losses) >= MIN_Z * math.sqrt(gains + losses)


def _held_out_score(held: tuple[np.ndarray, np.ndarray]) -> tuple[float, float]:
    """``(macro-F1, accuracy)`` of the best-scored labels of out-of-fold scores."""
    from sklearn.metrics import accuracy_score, f1_score

    scores, truth = held
    predicted = scores.argmax(axis=1)
    return (round(float(f1_score(truth, predicted, average="macro")), 4),
            round(float(accuracy_score(truth, predicted)), 4))


def train_linear(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    version: str | None = None,
    trained_at: str | None = None,
    config: FeatureConfig | None = None,
    c: float = 1.0,
    max_entries: int = MAX_ENTRIES,
    seed: int = 0,
) -> Model:
    """Train a linear SVM on ``texts`` and return it as a desk model (see the module's docstring).

    Without a ``config`` the feature set is chosen among :data:`CANDIDATE_FEATURES`: a later one
    replaces the best so far only when its out-of-fold predictions on the training texts have a
    higher macro-F1 and a significantly higher accuracy (:func:`significantly_better`), so the
    baseline's own features stay unless the data shows the other set better, and when there are
    too few texts to tell. The same input gives the same model. A single label trains the
    prior-only model of the pure-Python trainer. Raises ``ValueError`` on empty or mismatched
    input, and ``ImportError`` where scikit-learn is not installed.
    """
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    if not texts:
        raise ValueError("no training examples")
    candidates = (config,) if config is not None else CANDIDATE_FEATURES
    label_names = tuple(sorted(set(labels)))
    if len(label_names) < 2:
        return train(texts, labels, version=version, trained_at=trained_at, config=candidates[0])

    import numpy as np
    from sklearn import __version__ as sklearn_version
    from sklearn.svm import LinearSVC

    n = len(texts)
    label_index = {label: k for k, label in enumerate(label_names)}
    y = np.asarray([label_index[label] for label in labels])
    n_classes = len(label_names)
    calibrate = n >= CALIBRATION_MIN_ROWS

    best: _Candidate | None = None
    tried: dict[str, list[float]] = {}
    for candidate_config in candidates if calibrate else candidates[:1]:
        held = _out_of_fold_scores(texts, y, n_classes, candidate_config, c, seed) if calibrate else None
        candidate = _Candidate(candidate_config, held, _held_out_score(held) if held is not None else (0.0, 0.0))
        tried[_config_name(candidate_config)] = list(candidate.score)
        if best is None or _replaces(candidate, best):
            best = candidate
    assert best is not None

    features, idf, matrix = _featurise(texts, best.config)
    svm = LinearSVC(C=c, dual=True, random_state=seed, max_iter=MAX_ITER).fit(matrix, y)
    del matrix
    coef, intercept = svm.coef_, svm.intercept_
    if n_classes == 2:  # one margin d for the second label: scores (-d/2, d/2)
        coef = np.vstack([-coef / 2.0, coef / 2.0])
        intercept = np.asarray([-intercept[0] / 2.0, intercept[0] / 2.0])

    temperature, calibration, calibration_rows = 1.0, None, 0
    if best.held is not None:
        scores, truth = best.held
        temperature = round(_fit_temperature(scores, truth), 4)
        calibration = _fit_calibration(scores, truth)
        calibration_rows = len(truth)

    rows, smallest = _rows(coef, features, idf, max_entries)
    freq = Counter(labels)
    model = Model(
        model_version="",
        labels=label_names,
        config=best.config,
        bias=tuple(round(float(b), 4) for b in intercept),
        rows=rows,
        temperature=temperature,
        calibration=calibration,
        trained_at=trained_at,
        weight_scale=WEIGHT_SCALE,
        training={
            "rows": n,
            "label_counts": {label: freq[label] for label in label_names},
            "features": len(rows),
            "weights": sum(len(entries) for _, entries in rows.values()),
            "smallest_weight": smallest,
            "trainer": f"linear-svm (scikit-learn {sklearn_version}, C={c})",
            "passes": int(svm.n_iter_),
            "calibration_rows": calibration_rows,
            "feature_set": _config_name(best.config),
            # per feature set tried: the macro-F1 and accuracy of its out-of-fold predictions
            "feature_sets_tried": tried,
        },
    )
    return versioned(model, version)


def _replaces(candidate: _Candidate, best: _Candidate) -> bool:
    """A later feature set replaces the best so far when its out-of-fold macro-F1 is higher and its
    accuracy :func:`significantly_better` on the same texts."""
    if candidate.held is None or best.held is None or candidate.score[0] <= best.score[0]:
        return False
    (new_scores, truth), (old_scores, old_truth) = candidate.held, best.held
    assert (truth == old_truth).all()  # the same folds, so the same texts in the same order
    return significantly_better(old_scores.argmax(axis=1).tolist(), new_scores.argmax(axis=1).tolist(), truth.tolist())


def _config_name(config: FeatureConfig) -> str:
    """``"words"`` or ``"words+affix4"``: how the choice is reported."""
    return f"words+affix{config.affix}" if config.affix else "words"
