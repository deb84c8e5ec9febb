"""The learning loop: retrain the field classifiers from labelled examples, serve the latest models.

Every correction an agent makes and every closed ticket becomes a labelled example. ``Learning``
trains one classifier per field (type, service, group, impact, urgency) from them and stores each as a
new model version; ``ModelCache`` gives intake the latest models without reading them on every
ticket; ``install_model`` stores a model trained elsewhere (``desk classifier train``) to bootstrap a
desk that has no examples yet.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC
from pathlib import Path
from typing import Any, Protocol

from chalicelib import linear_training
from chalicelib.domain.classifier import Model, dumps_model, evaluate, loads_model
from chalicelib.observability import logger
from chalicelib.services.ports import Clock

FIELDS: tuple[str, ...] = ("type", "service", "group", "impact", "urgency")

#: With at least this many labelled examples a field's model is scored on a held-out tenth.
EVALUATION_MIN_EXAMPLES = 200
#: One example in this many is held out for the evaluation.
HOLDOUT_EVERY = 10


class ExampleSource(Protocol):
    def all(self, limit: int | None = None) -> Iterable[dict[str, Any]]: ...


class ModelStore(Protocol):
    def save(
        self,
        field: str,
        model_bytes: bytes,
        *,
        model_version: str,
        trained_at: str | None,
        examples: int,
        labels: list[str],
        evaluation: Mapping[str, Any] | None = None,
        actor: str = "system",
    ) -> int: ...

    def latest_manifest(self, field: str) -> dict[str, Any] | None: ...

    def load(self, field: str, version: int | None = None) -> bytes | None: ...


def _example_id(example: Mapping[str, Any]) -> str:
    return f"{example.get('at')}#{example.get('ticket')}#{example.get('source')}#{example.get('text')}"


def _labels_of(example: Mapping[str, Any]) -> Mapping[str, Any]:
    labels = example.get("labels")
    return labels if isinstance(labels, Mapping) else example


def holdout(keys: Sequence[str], every: int = HOLDOUT_EVERY) -> set[int]:
    """Positions of a deterministic ``1/every`` of ``keys``: those whose hash ranks lowest, so the
    choice depends only on the examples, not on their order or on the process."""
    ranked = sorted(range(len(keys)), key=lambda i: (hashlib.sha256(keys[i].encode()).digest(), i))
    return set(ranked[: len(keys) // every])


#: Trains a model: ``(texts, labels, version=..., trained_at=...) -> Model``.
Trainer = Callable[..., Model]

#: Why a retrain does nothing where scikit-learn is missing (the API's Lambda package).
NO_TRAINER = (
    "scikit-learn is not installed here; the daily retrain runs in the retrain image (infra/retrain)"
)


class Learning:
    """Retrains the field models from the stored examples (see :meth:`retrain`).

    The models are trained with ``trainer``, by default scikit-learn's linear SVM exported to the
    desk's format (:mod:`chalicelib.linear_training`). Where scikit-learn is not installed and no
    trainer is given, :meth:`retrain` trains nothing and says so: the API's Lambda package does not
    carry scikit-learn, and a weaker model must not replace the retrain image's.
    """

    def __init__(
        self,
        examples: ExampleSource,
        models: ModelStore,
        clock: Clock,
        *,
        min_examples: int = 20,
        trainer: Trainer | None = None,
    ) -> None:
        self.examples = examples
        self.models = models
        self.clock = clock
        self.min_examples = min_examples
        self.trainer = trainer

    def retrain(self) -> dict[str, Any]:
        """Train and store a model for every field with at least ``min_examples`` labelled examples and
        two distinct labels; report per field ``version``, ``model_version``, ``examples`` (labelled
        examples of the field), ``labels`` and, with enough data, ``accuracy``/``macro_f1`` on the
        held-out tenth (the stored model is the one scored, trained on the other nine tenths). A field
        left out carries ``skipped`` (the reason) and ``version``/``model_version`` ``None``."""
        if self.trainer is None and not linear_training.available():
            logger.warning("retrain skipped", extra={"reason": NO_TRAINER})
            return {field: {"version": None, "model_version": None, "skipped": NO_TRAINER} for field in FIELDS}
        rows = list(self.examples.all())
        trained_at = self.clock().astimezone(UTC).replace(microsecond=0).isoformat()
        report: dict[str, Any] = {}
        for field in FIELDS:
            texts: list[str] = []
            labels: list[str] = []
            keys: list[str] = []
            for example in rows:
                label = _labels_of(example).get(field)
                text = example.get("text")
                if isinstance(label, str) and label and isinstance(text, str):
                    texts.append(text)
                    labels.append(label)
                    keys.append(_example_id(example))
            report[field] = self._train_field(field, texts, labels, keys, trained_at)
        return report

    def _train_field(
        self, field: str, texts: list[str], labels: list[str], keys: list[str], trained_at: str
    ) -> dict[str, Any]:
        counts = Counter(labels)
        entry: dict[str, Any] = {
            "version": None,
            "model_version": None,
            "examples": len(texts),
            "labels": sorted(counts),
        }
        if len(texts) < self.min_examples:
            entry["skipped"] = f"{len(texts)} labelled examples, at least {self.min_examples} needed"
            return entry
        if len(counts) < 2:
            entry["skipped"] = "every example has the same label; at least 2 distinct labels needed"
            return entry

        held: set[int] = set()
        if len(texts) >= EVALUATION_MIN_EXAMPLES:
            held = holdout(keys)
            if len({labels[i] for i in range(len(labels)) if i not in held}) < 2:
                held = set()  # the rest would teach a single label: train on everything, unscored
        train_texts = [t for i, t in enumerate(texts) if i not in held]
        train_labels = [y for i, y in enumerate(labels) if i not in held]
        trainer = self.trainer or linear_training.train_linear
        model = trainer(train_texts, train_labels, version=None, trained_at=trained_at)

        evaluation: dict[str, Any] | None = None
        if held:
            order = sorted(held)
            scored = evaluate(model, [texts[i] for i in order], [labels[i] for i in order])
            evaluation = {
                "accuracy": round(scored.accuracy, 4),
                "macro_f1": round(scored.macro_f1, 4),
                "held_out": scored.count,
                "per_class": [
                    {
                        "label": m.label,
                        "precision": round(m.precision, 4),
                        "recall": round(m.recall, 4),
                        "f1": round(m.f1, 4),
                        "support": m.support,
                    }
                    for m in scored.per_class
                ],
            }
        version = self.models.save(
            field,
            dumps_model(model),
            model_version=model.model_version,
            trained_at=trained_at,
            examples=len(train_texts),
            labels=list(model.labels),
            evaluation=evaluation,
            actor="retrain",
        )
        entry["version"] = version
        entry["model_version"] = model.model_version
        entry["trained_on"] = len(train_texts)
        if evaluation is not None:
            entry["accuracy"] = evaluation["accuracy"]
            entry["macro_f1"] = evaluation["macro_f1"]
            entry["held_out"] = evaluation["held_out"]
        return entry


class ModelCache:
    """The latest model of each field, kept per process.

    :meth:`current` asks the store for the latest manifests at most every ``ttl_seconds`` and loads a
    model only when its manifest version changed. A model that cannot be loaded is logged and skipped
    (the field keeps the model it had, if any) and that version is not tried again; a store that
    cannot be reached is logged and the cached models are served.
    """

    def __init__(
        self, models: ModelStore, ttl_seconds: float = 300, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.models = models
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self._loaded: dict[str, tuple[int, Model]] = {}
        self._unloadable: dict[str, int] = {}
        self._checked_at: float | None = None

    def current(self) -> dict[str, Model]:
        """``{field: model}`` for the fields that have a usable model."""
        now = self.clock()
        if self._checked_at is None or now - self._checked_at >= self.ttl_seconds:
            self._refresh()
            self._checked_at = now
        return {field: model for field, (_, model) in self._loaded.items()}

    def versions(self) -> dict[str, int]:
        """The manifest version of each cached model."""
        return {field: version for field, (version, _) in self._loaded.items()}

    def _refresh(self) -> None:
        for field in FIELDS:
            try:
                manifest = self.models.latest_manifest(field)
            except Exception:
                logger.exception("model manifest unreadable; serving the cached model", extra={"field": field})
                continue
            if manifest is None:
                self._loaded.pop(field, None)
                continue
            version = int(manifest["version"])
            cached = self._loaded.get(field)
            if (cached is not None and cached[0] == version) or self._unloadable.get(field) == version:
                continue
            try:
                data = self.models.load(field, version)
                if data is None:
                    raise ValueError("its manifest disappeared")
                model = loads_model(data)
            except Exception as exc:
                self._unloadable[field] = version
                logger.warning(
                    "model skipped: cannot be loaded",
                    extra={"field": field, "version": version, "reason": str(exc)},
                )
                continue
            self._loaded[field] = (version, model)
            self._unloadable.pop(field, None)


def install_model(models: ModelStore, field: str, path: str | Path) -> int:
    """Store the model file at ``path`` (written by ``desk classifier train``) as ``field``'s next
    model version and return that version. Raises ``ValueError`` for an unknown field, an
    unreadable file or a file that is not a classifier model."""
    if field not in FIELDS:
        raise ValueError(f"unknown field {field!r}; use {', '.join(FIELDS)}")
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        model = loads_model(data)
    except ValueError as exc:
        raise ValueError(f"{path} is not a model made by 'desk classifier train': {exc}") from exc
    rows = model.training.get("rows") if isinstance(model.training, Mapping) else None
    return models.save(
        field,
        data,
        model_version=model.model_version,
        trained_at=model.trained_at,
        examples=int(rows) if isinstance(rows, int) else 0,
        labels=list(model.labels),
        evaluation=None,
        actor="install",
    )
