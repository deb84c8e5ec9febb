"""Ticket text classification: features, linear models, prediction and scores in pure Python. Pure, no I/O.

One model predicts one labelled column (ticket type, support group, priority...). Text is normalised
for English and German (case folding, umlauts spelled out, accents stripped), cut into word tokens,
and turned into sparse features:

* ``w:<word>`` unigrams and ``b:<word> <word>`` bigrams of the words left after stop words of both
  languages are removed;
* ``p:<prefix>`` and ``s:<suffix>`` (five letters) of the longer words, which catch inflections, most
  typos (one end of the word survives them) and the head and modifier of German compounds;
* optionally ``c:<gram>`` character n-grams of words (``<`` and ``>`` mark the word's ends): finer,
  but they multiply the features per text and so the training time.

Features seen in fewer than ``min_df`` training texts are dropped, values are ``(1 + log tf) * idf``,
and each text's vector is scaled to unit length.

The desk's models are trained by :mod:`chalicelib.linear_training` (scikit-learn's linear SVM, exported
into this module's format, with a top-label confidence calibration; see :func:`top_label_confidence`).
This module keeps what the API needs without numpy: featurising, prediction with its explanation, the
model format and the scores (accuracy, macro-F1, the expected calibration error, the coverage table),
and a pure-Python trainer, :func:`train`, for a machine without scikit-learn: stochastic gradient
descent on the softmax loss with L2 weight decay; to stay fast in pure Python it skips negligible
per-class updates and lets texts the model already fits sit out an epoch. A temperature fitted on a
held-out slice of the training data calibrates its confidences. Weights are quantised to thousandths
and stored sparsely.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from operator import itemgetter, mul
from typing import Any

FORMAT = "desk-text-classifier/3"
#: Formats :func:`loads_model` reads: version 1 had no confidence calibration, versions 1 and 2 store
#: every weight in thousandths (version 3 says its ``weight_scale``).
READABLE_FORMATS = frozenset({"desk-text-classifier/1", "desk-text-classifier/2", FORMAT})

#: Thresholds for the accuracy-against-coverage table.
DEFAULT_THRESHOLDS: tuple[float, ...] = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)

#: English and German words too common to tell labels apart (negations and "again" are kept: they do).
_STOP_WORDS_TEXT = """
a about above after all also am an and any are as at be because been before being below between both
but by can could did do does doing during each few for from further had has have having he her here
hers herself him himself his how i if in into is it its itself just me more most my myself now of on
only or other our ours ourselves out over own same she should so some such than that the their
theirs them themselves then there these they this those through to too under until very was we were
what when where which while who whom why will with would you your yours yourself yourselves im ive
dont cant thats pls please hi hello dear thanks thank regards best kind cheers
aber alle allem allen aller alles als ander andere anderem anderen anderer anderes auch auf aus bei
bin bis bist da damit dann das dass dein deine dem den der des dich die dies diese diesem diesen
dieser dieses dir doch dort du durch ein eine einem einen einer eines er es etwas euch euer eure
fuer hab habe haben hat hatte hatten hier hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer
indem ins ist jede jedem jeden jeder jedes jetzt kann koennen mache machen man manche mein meine
meinem meinen meiner mich mir mit muss nach noch nun nur ob oder ohne sehr sein seine sich sie sind
solche soll sondern sonst ueber um und uns unser unter vom von vor war waren warum weil welche wenn
wer werde werden wie wir wird wo wollen zu zum zur zwar zwischen bitte hallo danke gruss gruesse
viele freundlichen geehrte damen herren liebe lieber
"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORDS_TEXT.split())

_GERMAN_LETTERS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_TOKEN = re.compile(r"[^\W_]+")
_WEIGHT_SCALE = 1000  # the pure-Python trainer's weights are multiples of a thousandth
_STEP_BUDGET = 150_000  # gradient steps of training when the number of epochs is not given


@dataclass(frozen=True)
class FeatureConfig:
    """How texts become features; stored with the model so prediction featurises the same way."""

    bigrams: bool = True
    #: Length of the prefix and suffix features of long words; 0 turns them off.
    affix: int = 5
    #: Only words at least this long contribute prefix and suffix features.
    affix_min_word: int = 7
    #: Length of character n-grams taken from words; 0 (the default, for speed) turns them off.
    char_ngram: int = 0
    #: Only words at least this long contribute character n-grams.
    char_min_word: int = 5
    #: Features seen in fewer training texts are dropped.
    min_df: int = 2
    #: At most this many features, the most frequent first.
    max_features: int = 200_000
    #: Texts are cut to this many characters, so latency stays flat for huge e-mail threads.
    max_chars: int = 10_000
    stop_words: bool = True

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> FeatureConfig:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in raw.items() if k in known})


@dataclass(frozen=True)
class Prediction:
    label: str
    #: Calibrated softmax probability of ``label``, in [0, 1].
    confidence: float
    #: Human-readable reason, e.g. ``"words: 'vpn' (+2.1), 'verbindung' (+1.4)"``.
    explanation: str
    #: The most probable labels with their probabilities, best first (at most three).
    ranking: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Model:
    """A trained classifier. ``rows`` maps a feature to its ``(idf, ((label index, weight), ...))``."""

    model_version: str
    labels: tuple[str, ...]
    config: FeatureConfig
    bias: tuple[float, ...]
    rows: Mapping[str, tuple[float, tuple[tuple[int, float], ...]]]
    temperature: float = 1.0
    trained_at: str | None = None
    #: Training facts: row count, per-label counts, epochs...
    training: Mapping[str, Any] = field(default_factory=dict)
    #: Top-label calibration ``(a, b, c)``: the confidence of the best label is
    #: ``sigmoid(a * top score + b * (top score - second score) + c)`` (see :func:`top_label_confidence`);
    #: ``None`` keeps the temperature-scaled softmax probability.
    calibration: tuple[float, float, float] | None = None
    #: Every weight is a multiple of ``1 / weight_scale``, and is stored as that integer.
    weight_scale: int = _WEIGHT_SCALE

    def predict(self, text: str) -> Prediction:
        return predict(self, text)


@dataclass(frozen=True)
class ClassMetrics:
    label: str
    precision: float
    recall: float
    f1: float
    #: Number of true examples of the label.
    support: int


@dataclass(frozen=True)
class CoveragePoint:
    """Tickets with confidence at or above ``threshold``: their share and the accuracy on them."""

    threshold: float
    coverage: float
    accuracy: float
    count: int


@dataclass(frozen=True)
class Evaluation:
    per_class: tuple[ClassMetrics, ...]
    accuracy: float
    macro_f1: float
    coverage: tuple[CoveragePoint, ...]
    count: int
    #: Expected calibration error of the confidences (10 equal-width bins), see
    #: :func:`expected_calibration_error`.
    ece: float = 0.0


# --- text to features ---------------------------------------------------------------------------


def normalise(text: str, max_chars: int = 10_000) -> str:
    """Case-folded text with German umlauts spelled out (``ä`` -> ``ae``) and other accents removed."""
    text = text[:max_chars]
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    text = text.casefold().translate(_GERMAN_LETTERS)
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text


def words(text: str, config: FeatureConfig = FeatureConfig()) -> list[str]:
    """The content words of ``text``: normalised tokens without stop words, long numbers folded."""
    out: list[str] = []
    for token in _TOKEN.findall(normalise(text, config.max_chars)):
        if len(token) < 2 or (config.stop_words and token in STOP_WORDS):
            continue
        if token.isdigit() and len(token) > 4:
            token = "<num>"
        out.append(token)
    return out


def extract_features(
    text: str, config: FeatureConfig = FeatureConfig(), sources: dict[str, str] | None = None
) -> Counter[str]:
    """Feature counts of ``text``. When ``sources`` is given it receives, per feature, the words it
    came from (a character n-gram is credited to its word), for explanations."""
    tokens = words(text, config)
    feats: Counter[str] = Counter()
    n = config.char_ngram
    affix = config.affix
    for i, token in enumerate(tokens):
        unigram = "w:" + token
        feats[unigram] += 1
        if sources is not None:
            sources[unigram] = token
        if config.bigrams and i:
            bigram = "b:" + tokens[i - 1] + " " + token
            feats[bigram] += 1
            if sources is not None:
                sources[bigram] = tokens[i - 1] + " " + token
        if affix and len(token) >= config.affix_min_word:
            prefix, suffix = "p:" + token[:affix], "s:" + token[-affix:]
            feats[prefix] += 1
            feats[suffix] += 1
            if sources is not None:
                sources.setdefault(prefix, token)
                sources.setdefault(suffix, token)
        if n and len(token) >= config.char_min_word and token != "<num>":
            padded = "<" + token + ">"
            grams = ["c:" + padded[j : j + n] for j in range(len(padded) - n + 1)]
            feats.update(grams)
            if sources is not None:
                for gram in grams:
                    sources.setdefault(gram, token)
    return feats


def tfidf_vector(counts: Mapping[str, int], idf: Mapping[str, float]) -> dict[str, float]:
    """Unit-length ``(1 + log tf) * idf`` vector over the features known to the model."""
    vec: dict[str, float] = {}
    for feat, count in counts.items():
        weight = idf.get(feat)
        if weight is not None:
            vec[feat] = (1.0 + math.log(count)) * weight
    norm = math.sqrt(sum(v * v for v in vec.values()))
    if norm > 0.0:
        for feat in vec:
            vec[feat] /= norm
    return vec


# --- training -----------------------------------------------------------------------------------


def _softmax(scores: Sequence[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def _holdout(labels: Sequence[int], share: float, rng: random.Random) -> set[int]:
    """A stratified held-out slice for calibration; labels with fewer than 5 examples keep all."""
    by_label: dict[int, list[int]] = {}
    for i, y in enumerate(labels):
        by_label.setdefault(y, []).append(i)
    held: set[int] = set()
    for members in by_label.values():
        if len(members) >= 5:
            take = max(1, int(len(members) * share))
            held.update(rng.sample(members, take))
    return held


def _fit_temperature(logits: Sequence[Sequence[float]], labels: Sequence[int]) -> float:
    """The temperature that minimises the negative log-likelihood of ``labels`` (golden-section search
    over log T in [log 0.05, log 20])."""

    def nll(log_t: float) -> float:
        t = math.exp(log_t)
        total = 0.0
        for z, y in zip(logits, labels, strict=True):
            top = max(z)
            total += math.log(sum(math.exp((s - top) / t) for s in z)) - (z[y] - top) / t
        return total

    lo, hi = math.log(0.05), math.log(20.0)
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


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    version: str | None = None,
    trained_at: str | None = None,
    config: FeatureConfig | None = None,
    epochs: int | None = None,
    learning_rate: float = 2.0,
    l2: float = 1e-6,
    calibration_share: float = 0.1,
    min_gradient: float = 0.05,
    seed: int = 0,
) -> Model:
    """Train a classifier predicting ``labels`` from ``texts``; the same input gives the same model.

    ``version`` becomes the model's ``model_version``; without it the version is a hash of the
    model's content. ``trained_at`` (an ISO instant, passed in by the caller) is recorded as is.
    With at least 200 texts, ``calibration_share`` of them (per label) is held out to fit the
    confidence temperature. ``epochs`` defaults to about 150,000 gradient steps in all (3 passes over
    50,000 texts, more over small sets). Per step, classes whose gradient is below ``min_gradient``
    are not updated. Raises ``ValueError`` on empty or mismatched input.
    """
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    if not texts:
        raise ValueError("no training examples")
    config = config or FeatureConfig()
    label_names = tuple(sorted(set(labels)))
    label_index = {label: k for k, label in enumerate(label_names)}
    y = [label_index[label] for label in labels]
    n_classes = len(label_names)
    n = len(texts)

    counts = [extract_features(text, config) for text in texts]
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    kept = sorted((f for f, d in df.items() if d >= config.min_df), key=lambda f: (-df[f], f))
    kept = kept[: config.max_features]
    idf = {f: math.log((n + 1) / (df[f] + 1)) + 1.0 for f in kept}
    index = {f: i for i, f in enumerate(kept)}
    # Each text as (getter of its weights from a class's weight list, feature indices, values). The
    # getter is padded with the spare slot at ``len(kept)`` (value 0) so it always returns a tuple.
    spare = len(kept)
    docs: list[tuple[itemgetter[Any], list[int], list[float]]] = []
    for c in counts:
        vec = tfidf_vector(c, idf)
        idx = [index[f] for f in vec]
        vals = list(vec.values())
        if len(idx) < 2:
            idx += [spare] * (2 - len(idx))
            vals += [0.0] * (2 - len(vals))
        docs.append((itemgetter(*idx), idx, vals))
    del counts

    if epochs is None:
        epochs = min(30, max(3, math.ceil(_STEP_BUDGET / n)))
    rng = random.Random(seed)
    held = _holdout(y, calibration_share, rng) if n >= 200 and n_classes > 1 else set()
    order = [i for i in range(n) if i not in held]

    # Prior log-odds as the starting bias, so empty texts fall back to the label frequencies.
    freq = Counter(y)
    bias = [math.log((freq[k] + 1) / (n + n_classes)) for k in range(n_classes)]
    weights = [[0.0] * (len(kept) + 1) for _ in range(n_classes)]
    scale = 1.0  # true weight = scale * stored weight (lazy L2 decay)
    steps = epochs * len(order)
    t = 0
    # A text the model already fits (no gradient above ``min_gradient``) sits out the next epoch.
    settled = bytearray(n)
    for _ in range(epochs if n_classes > 1 else 0):
        rng.shuffle(order)
        for j in order:
            t += 1
            if settled[j]:
                settled[j] = 0
                continue
            getter, idx, vals = docs[j]
            lr = learning_rate * (1.0 - t / steps) + 0.01 * learning_rate
            scores = [scale * sum(map(mul, getter(w), vals)) + b for w, b in zip(weights, bias, strict=True)]
            probs = _softmax(scores)
            probs[y[j]] -= 1.0
            scale *= 1.0 - lr * l2
            settled[j] = 1
            for k, g in enumerate(probs):
                # Gradients this small barely move the weights; skipping them saves most of the work.
                if -min_gradient < g < min_gradient:
                    continue
                settled[j] = 0
                step = -lr * g / scale
                w = weights[k]
                for i, v in zip(idx, vals, strict=True):
                    w[i] += step * v
                bias[k] -= lr * g * 0.1
            if scale < 1e-3:
                weights = [[x * scale for x in w] for w in weights]
                scale = 1.0

    rows: dict[str, tuple[float, tuple[tuple[int, float], ...]]] = {}
    for i, feat in enumerate(kept):
        entries = []
        for k in range(n_classes):
            q = round(weights[k][i] * scale * _WEIGHT_SCALE)
            if q:
                entries.append((k, q / _WEIGHT_SCALE))
        if entries:
            rows[feat] = (round(idf[feat], 3), tuple(entries))

    model = Model(
        model_version="",
        labels=label_names,
        config=config,
        bias=tuple(round(b, 4) for b in bias),
        rows=rows,
        trained_at=trained_at,
        training={
            "rows": n,
            "label_counts": {label_names[k]: freq[k] for k in range(n_classes)},
            "features": len(rows),
            "epochs": epochs,
            "calibration_rows": len(held),
            "trainer": "sgd",
        },
    )
    temperature = 1.0
    if held:
        held_ids = sorted(held)
        idf_view = _idf_of(model)
        logits = [_logits(model, tfidf_vector(extract_features(texts[i], config), idf_view)) for i in held_ids]
        temperature = round(_fit_temperature(logits, [y[i] for i in held_ids]), 4)
    return versioned(replace(model, temperature=temperature), version)


def versioned(model: Model, version: str | None = None) -> Model:
    """``model`` with ``model_version`` set to ``version`` or, without one, to a hash of its content."""
    content_hash = hashlib.sha256(_payload_bytes(replace(model, model_version=""))).hexdigest()[:16]
    return replace(model, model_version=version or f"sha256-{content_hash}")


# --- prediction ---------------------------------------------------------------------------------


class _IdfView(Mapping[str, float]):
    """The model's idf table as a mapping, without copying it."""

    def __init__(self, rows: Mapping[str, tuple[float, tuple[tuple[int, float], ...]]]) -> None:
        self._rows = rows

    def __getitem__(self, key: str) -> float:
        return self._rows[key][0]

    def get(self, key: str, default: Any = None) -> Any:
        row = self._rows.get(key)
        return default if row is None else row[0]

    def __iter__(self) -> Any:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


def _idf_of(model: Model) -> Mapping[str, float]:
    return _IdfView(model.rows)


def _logits(model: Model, vec: Mapping[str, float]) -> list[float]:
    scores = list(model.bias)
    rows = model.rows
    for feat, value in vec.items():
        for k, w in rows[feat][1]:
            scores[k] += w * value
    return scores


def _explain(model: Model, vec: Mapping[str, float], sources: Mapping[str, str], k: int, top: int = 5) -> str:
    """The words that pushed label ``k`` up the most against the average label."""
    n_classes = len(model.labels)
    credit: dict[str, float] = {}
    for feat, value in vec.items():
        entries = model.rows[feat][1]
        own = 0.0
        total = 0.0
        for label, w in entries:
            total += w
            if label == k:
                own = w
        contribution = value * (own - total / n_classes)
        word = sources.get(feat, feat[2:])
        if all(part in STOP_WORDS for part in word.split(" ")):
            continue  # a model may weigh "hi" or "bitte", but they explain nothing to a reader
        credit[word] = credit.get(word, 0.0) + contribution
    best = sorted((c for c in credit.items() if c[1] >= 0.005), key=lambda c: (-c[1], c[0]))[:top]
    if not best:
        return "no distinctive words; chosen from the label frequencies in training"
    return "words: " + ", ".join(f"'{word}' ({weight:+.2f})" for word, weight in best)


def predict(model: Model, text: str) -> Prediction:
    """The most probable label of ``text`` with its confidence and the words behind it."""
    sources: dict[str, str] = {}
    vec = tfidf_vector(extract_features(text or "", model.config, sources), _idf_of(model))
    scores = _logits(model, vec)
    probs = _softmax([s / model.temperature for s in scores])
    best = max(range(len(probs)), key=lambda i: (probs[i], -i))
    ranked = sorted(range(len(probs)), key=lambda i: (-probs[i], i))[:3]
    if model.calibration is not None and len(scores) > 1:
        probs = _recalibrated(probs, best, top_label_confidence(model.calibration, scores))
    return Prediction(
        label=model.labels[best],
        confidence=min(1.0, max(0.0, probs[best])),
        explanation=_explain(model, vec, sources, best),
        ranking=tuple((model.labels[i], round(probs[i], 4)) for i in ranked),
    )


def top_label_confidence(calibration: Sequence[float], scores: Sequence[float]) -> float:
    """The calibrated probability that the best-scoring label is right: a logistic function of the
    top score and its margin over the second (a linear SVM's scores are margins, not probabilities;
    this maps them to how often such a margin was right on texts the model had not seen)."""
    first, second = sorted(scores, reverse=True)[:2]
    a, b, c = calibration
    z = a * first + b * (first - second) + c
    return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0


def _recalibrated(probs: list[float], best: int, confidence: float) -> list[float]:
    """``probs`` with the best label's probability set to ``confidence`` and the others sharing the
    rest in their old proportions."""
    rest = 1.0 - probs[best]
    out = [(p / rest) * (1.0 - confidence) if rest > 0 else 0.0 for p in probs]
    out[best] = confidence
    return out


def predict_many(model: Model, texts: Iterable[str]) -> list[Prediction]:
    return [predict(model, text) for text in texts]


# --- evaluation ---------------------------------------------------------------------------------


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def classification_report(truth: Sequence[str], predicted: Sequence[str]) -> tuple[ClassMetrics, ...]:
    """Precision, recall and F1 per label (labels of either sequence, sorted)."""
    if len(truth) != len(predicted):
        raise ValueError(f"{len(truth)} true labels but {len(predicted)} predictions")
    true_count = Counter(truth)
    pred_count = Counter(predicted)
    hits = Counter(t for t, p in zip(truth, predicted, strict=True) if t == p)
    out = []
    for label in sorted(set(true_count) | set(pred_count)):
        precision = _ratio(hits[label], pred_count[label])
        recall = _ratio(hits[label], true_count[label])
        f1 = _ratio(2 * precision * recall, precision + recall)
        out.append(ClassMetrics(label, precision, recall, f1, true_count[label]))
    return tuple(out)


def coverage_curve(
    truth: Sequence[str],
    predicted: Sequence[str],
    confidences: Sequence[float],
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
) -> tuple[CoveragePoint, ...]:
    """For each threshold: the share of tickets predicted with at least that confidence and the
    accuracy on them (0 when none qualify)."""
    total = len(truth)
    out = []
    for threshold in thresholds:
        chosen = [t == p for t, p, c in zip(truth, predicted, confidences, strict=True) if c >= threshold]
        coverage = _ratio(len(chosen), total)
        out.append(CoveragePoint(threshold, coverage, _ratio(sum(chosen), len(chosen)), len(chosen)))
    return tuple(out)


def evaluate(
    model: Model,
    texts: Sequence[str],
    labels: Sequence[str],
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
) -> Evaluation:
    """Scores of ``model`` on labelled texts."""
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    predictions = predict_many(model, texts)
    predicted = [p.label for p in predictions]
    return evaluation_of(labels, predicted, [p.confidence for p in predictions], thresholds)


def evaluation_of(
    truth: Sequence[str],
    predicted: Sequence[str],
    confidences: Sequence[float],
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
) -> Evaluation:
    per_class = classification_report(truth, predicted)
    correct = [t == p for t, p in zip(truth, predicted, strict=True)]
    return Evaluation(
        per_class=per_class,
        accuracy=_ratio(sum(correct), len(truth)),
        macro_f1=_ratio(sum(m.f1 for m in per_class), len(per_class)),
        coverage=coverage_curve(truth, predicted, confidences, thresholds),
        count=len(truth),
        ece=expected_calibration_error(confidences, correct),
    )


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float:
    """How far confidences are from the accuracy they promise: tickets are put in ``bins``
    equal-width confidence bins, and the gaps between each bin's mean confidence and its accuracy
    are averaged, weighted by the bin's share of tickets (0 is perfect; 0 for no tickets)."""
    if len(confidences) != len(correct):
        raise ValueError(f"{len(confidences)} confidences but {len(correct)} outcomes")
    sums: dict[int, list[float]] = {}
    for confidence, right in zip(confidences, correct, strict=True):
        slot = sums.setdefault(min(bins - 1, max(0, math.ceil(confidence * bins) - 1)), [0.0, 0.0, 0.0])
        slot[0] += confidence
        slot[1] += 1.0 if right else 0.0
        slot[2] += 1.0
    total = len(confidences)
    return sum(abs(c - r) / total for c, r, _ in sums.values()) if total else 0.0


def format_evaluation(evaluation: Evaluation) -> str:
    """A plain-text report: the per-label table, accuracy, macro-F1 and the coverage table."""
    width = max([len("label"), *(len(m.label) for m in evaluation.per_class)])
    lines = [f"{'label':<{width}}  precision  recall     f1  support"]
    for m in evaluation.per_class:
        lines.append(f"{m.label:<{width}}  {m.precision:9.3f}  {m.recall:6.3f}  {m.f1:5.3f}  {m.support:7d}")
    lines.append("")
    lines.append(f"tickets   {evaluation.count}")
    lines.append(f"accuracy  {evaluation.accuracy:.3f}")
    lines.append(f"macro-F1  {evaluation.macro_f1:.3f}")
    lines.append(f"ECE       {evaluation.ece:.3f}")
    lines.append("")
    lines.append("threshold  coverage  accuracy  tickets")
    for point in evaluation.coverage:
        lines.append(
            f"{point.threshold:9.2f}  {point.coverage:8.3f}  {point.accuracy:8.3f}  {point.count:7d}"
        )
    return "\n".join(lines)


# --- serialisation ------------------------------------------------------------------------------


def _payload(model: Model) -> dict[str, Any]:
    features = list(model.rows)
    return {
        "format": FORMAT,
        "model_version": model.model_version,
        "trained_at": model.trained_at,
        "labels": list(model.labels),
        "config": asdict(model.config),
        "temperature": model.temperature,
        "calibration": list(model.calibration) if model.calibration is not None else None,
        "bias": list(model.bias),
        "training": dict(model.training),
        "features": features,
        # idf in thousandths, then per feature a flat [label, weight * weight_scale, ...] list
        "idf": [round(model.rows[f][0] * 1000) for f in features],
        "weight_scale": model.weight_scale,
        "weights": [
            [x for k, w in model.rows[f][1] for x in (k, round(w * model.weight_scale))] for f in features
        ],
    }


def _payload_bytes(model: Model) -> bytes:
    return json.dumps(_payload(model), separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()


def dumps_model(model: Model) -> bytes:
    """The model as gzip-compressed JSON (byte-for-byte the same for the same model)."""
    return gzip.compress(_payload_bytes(model), compresslevel=9, mtime=0)


def loads_model(data: bytes) -> Model:
    """The model :func:`dumps_model` wrote. Raises ``ValueError`` for anything else."""
    try:
        raw = json.loads(gzip.decompress(data))
    except (OSError, EOFError, ValueError) as exc:
        raise ValueError(f"not a classifier model: {exc}") from exc
    if not isinstance(raw, dict) or raw.get("format") not in READABLE_FORMATS:
        raise ValueError(f"not a classifier model (expected format {FORMAT!r})")
    try:
        scale = int(raw.get("weight_scale", _WEIGHT_SCALE))
        if scale <= 0:
            raise ValueError(f"weight_scale {scale}")
        rows: dict[str, tuple[float, tuple[tuple[int, float], ...]]] = {}
        for feat, idf, flat in zip(raw["features"], raw["idf"], raw["weights"], strict=True):
            entries = tuple((int(flat[i]), flat[i + 1] / scale) for i in range(0, len(flat), 2))
            rows[feat] = (idf / 1000, entries)
        return Model(
            model_version=str(raw["model_version"]),
            labels=tuple(raw["labels"]),
            config=FeatureConfig.from_dict(raw["config"]),
            bias=tuple(float(b) for b in raw["bias"]),
            rows=rows,
            temperature=float(raw["temperature"]),
            calibration=_calibration(raw.get("calibration")),
            trained_at=raw.get("trained_at"),
            training=raw.get("training") or {},
            weight_scale=scale,
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ValueError(f"damaged classifier model: {exc}") from exc


def _calibration(raw: Any) -> tuple[float, float, float] | None:
    if raw is None:
        return None
    a, b, c = (float(x) for x in raw)
    return (a, b, c)
