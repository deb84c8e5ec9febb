"""Ticket classifier: training time on 50,000 tickets, model size, prediction latency, held-out scores.

Budgets (2-core machine): training under 60 s, model under 5 MB, one prediction under 5 ms. The
held-out tickets come from a different generator seed than the training tickets. Wall-clock figures
include time the process spends descheduled on a busy machine; the ``cpu`` figures do not.

    python -m bench.bench_classifier
"""

from __future__ import annotations

import gc
import statistics
import tempfile
import time
from pathlib import Path

from bench.make_tickets import generate
from chalicelib.domain.classifier import dumps_model, evaluate, loads_model, predict, train

TRAIN_ROWS = 50_000
HELD_OUT_ROWS = 10_000
LATENCY_SAMPLES = 2_000
TRAIN_SEED = 1
HELD_OUT_SEED = 2


def _text(ticket: dict[str, str]) -> str:
    return ticket["subject"] + "\n" + ticket["body"]


def _percentile(sorted_values: list[float], share: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(share * len(sorted_values)))]


def run() -> dict[str, float]:
    tickets = generate(TRAIN_ROWS, TRAIN_SEED)
    held_out = generate(HELD_OUT_ROWS, HELD_OUT_SEED)
    texts = [_text(t) for t in tickets]
    held_texts = [_text(t) for t in held_out]
    out: dict[str, float] = {}
    for column in ("type", "queue", "priority"):
        gc.collect()
        started, cpu_started = time.perf_counter(), time.process_time()
        model = train(texts, [t[column] for t in tickets], trained_at="2025-01-01T00:00:00+00:00")
        out[f"{column}_train_seconds"] = time.perf_counter() - started
        out[f"{column}_train_cpu_seconds"] = time.process_time() - cpu_started
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{column}.model"
            path.write_bytes(dumps_model(model))
            out[f"{column}_model_bytes"] = float(path.stat().st_size)
            model = loads_model(path.read_bytes())
        evaluation = evaluate(model, held_texts, [t[column] for t in held_out])
        out[f"{column}_held_out_accuracy"] = evaluation.accuracy
        out[f"{column}_held_out_macro_f1"] = evaluation.macro_f1
        for point in evaluation.coverage:
            if point.threshold in (0.8, 0.9):
                out[f"{column}_coverage_at_{point.threshold:.1f}"] = point.coverage
                out[f"{column}_accuracy_at_{point.threshold:.1f}"] = point.accuracy
        if column == "queue":  # the largest label set: the slowest prediction
            for text in held_texts[:200]:  # warm up
                predict(model, text)
            gc.collect()
            latencies, cpu_latencies = [], []
            for text in held_texts[:LATENCY_SAMPLES]:
                started, cpu_started = time.perf_counter(), time.thread_time()
                predict(model, text)
                cpu_latencies.append((time.thread_time() - cpu_started) * 1000)
                latencies.append((time.perf_counter() - started) * 1000)
            latencies.sort()
            cpu_latencies.sort()
            out["predict_ms_median"] = statistics.median(latencies)
            out["predict_ms_p99"] = _percentile(latencies, 0.99)
            # CPU time of the predicting thread: the same figures without preemption by other processes.
            out["predict_cpu_ms_median"] = statistics.median(cpu_latencies)
            out["predict_cpu_ms_p99"] = _percentile(cpu_latencies, 0.99)
    return out


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name:40s} {value:14.4f}")
