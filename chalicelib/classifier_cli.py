"""``desk classifier``: train, apply and score the ticket text classifier on a CSV export.

    desk classifier train --csv PATH --text-columns subject,body --label-column type --model-out FILE
    desk classifier predict --model FILE --csv PATH --text-columns subject,body --out FILE
    desk classifier evaluate --model FILE --csv PATH --text-columns subject,body --label-column type

CSV files are read as UTF-8 (a byte-order mark is fine) with the header on the first line; the text
of a row is its text columns joined by newlines. Rows with an empty label are skipped by ``train`` and
``evaluate`` and counted in their summary. Problems with the input (a missing file or column, a file
that is not a model) are reported in one line with exit code 2.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from chalicelib import linear_training
from chalicelib.domain.classifier import (
    DEFAULT_THRESHOLDS,
    Model,
    dumps_model,
    evaluate,
    format_evaluation,
    loads_model,
    predict,
    train,
)

PROG = "desk classifier"


class InputProblem(Exception):
    """Input the command cannot use; reported in one line, exit code 2."""


def _raise_field_size_limit() -> None:
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:
            limit //= 10


@contextmanager
def _open_csv(path: str) -> Iterator[tuple[list[str], Iterator[list[str]]]]:
    """The header and the remaining rows of the CSV file at ``path``."""
    _raise_field_size_limit()
    with ExitStack() as stack:
        try:
            handle = stack.enter_context(open(path, encoding="utf-8-sig", newline=""))
        except OSError as exc:
            raise InputProblem(f"cannot read {path}: {exc.strerror or exc}") from exc
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputProblem(f"{path} is not a UTF-8 CSV file: {exc}") from exc
        if header is None:
            raise InputProblem(f"{path} is empty (no header line)")
        yield [name.strip() for name in header], _rows(reader, path)


def _rows(reader: Iterator[list[str]], path: str) -> Iterator[list[str]]:
    try:
        yield from reader
    except (csv.Error, UnicodeDecodeError) as exc:
        raise InputProblem(f"{path}: unreadable CSV: {exc}") from exc


def _columns(header: Sequence[str], wanted: Sequence[str], path: str) -> list[int]:
    positions = []
    for name in wanted:
        if name not in header:
            raise InputProblem(f"column {name!r} not in {path} (columns: {', '.join(header)})")
        positions.append(header.index(name))
    return positions


def _split_columns(raw: str) -> list[str]:
    names = [name.strip() for name in raw.split(",") if name.strip()]
    if not names:
        raise InputProblem("--text-columns names no column")
    return names


def _text(row: Sequence[str], positions: Sequence[int]) -> str:
    return "\n".join(row[i] for i in positions if i < len(row) and row[i])


def _labelled(path: str, text_columns: str, label_column: str) -> tuple[list[str], list[str], int]:
    """Texts and labels of the rows with a label, and the number of rows skipped for an empty one."""
    texts: list[str] = []
    labels: list[str] = []
    skipped = 0
    with _open_csv(path) as (header, rows):
        text_at = _columns(header, _split_columns(text_columns), path)
        (label_at,) = _columns(header, [label_column], path)
        for row in rows:
            label = row[label_at].strip() if label_at < len(row) else ""
            if not label:
                skipped += 1
                continue
            texts.append(_text(row, text_at))
            labels.append(label)
    return texts, labels, skipped


def _load_model(path: str) -> Model:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputProblem(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return loads_model(data)
    except ValueError as exc:
        raise InputProblem(f"{path}: {exc}") from exc


def _thresholds(raw: str | None) -> tuple[float, ...]:
    if raw is None:
        return DEFAULT_THRESHOLDS
    try:
        values = tuple(float(part) for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise InputProblem(f"--thresholds must be numbers separated by commas, got {raw!r}") from exc
    if not values or any(not 0.0 <= v <= 1.0 for v in values):
        raise InputProblem("--thresholds must lie between 0 and 1")
    return values


def _cmd_train(args: argparse.Namespace, out: TextIO) -> int:
    texts, labels, skipped = _labelled(args.csv, args.text_columns, args.label_column)
    if not texts:
        raise InputProblem(f"{args.csv} has no row with a {args.label_column!r} label")
    started = time.perf_counter()
    trained_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    if args.trainer == "linear" and not linear_training.available():
        raise InputProblem("--trainer linear needs scikit-learn (pip install -r requirements-dev.txt)")
    trainer = train if args.trainer == "sgd" or not linear_training.available() else linear_training.train_linear
    model = trainer(texts, labels, version=args.version, trained_at=trained_at)
    seconds = time.perf_counter() - started
    data = dumps_model(model)
    try:
        Path(args.model_out).write_bytes(data)
    except OSError as exc:
        raise InputProblem(f"cannot write {args.model_out}: {exc.strerror or exc}") from exc
    print(
        f"trained {args.label_column!r} on {len(texts)} rows ({skipped} skipped: empty label), "
        f"{len(model.labels)} classes, {seconds:.1f} s, model {len(data)} bytes, "
        f"version {model.model_version}, trainer {model.training.get('trainer', 'sgd')}, "
        f"features {model.training.get('feature_set', 'words')} -> {args.model_out}",
        file=out,
    )
    return 0


def _cmd_predict(args: argparse.Namespace, out: TextIO) -> int:
    model = _load_model(args.model)
    count = 0
    with _open_csv(args.csv) as (header, rows):
        text_at = _columns(header, _split_columns(args.text_columns), args.csv)
        with ExitStack() as stack:
            try:
                target = stack.enter_context(open(args.out, "w", encoding="utf-8", newline=""))
            except OSError as exc:
                raise InputProblem(f"cannot write {args.out}: {exc.strerror or exc}") from exc
            writer = csv.writer(target)
            writer.writerow(["label", "confidence", *(["explanation"] if args.explain else [])])
            for row in rows:
                prediction = predict(model, _text(row, text_at))
                line = [prediction.label, f"{prediction.confidence:.4f}"]
                if args.explain:
                    line.append(prediction.explanation)
                writer.writerow(line)
                count += 1
    print(f"predicted {count} rows with model {model.model_version} -> {args.out}", file=out)
    return 0


def _cmd_evaluate(args: argparse.Namespace, out: TextIO) -> int:
    model = _load_model(args.model)
    thresholds = _thresholds(args.thresholds)
    texts, labels, skipped = _labelled(args.csv, args.text_columns, args.label_column)
    if not texts:
        raise InputProblem(f"{args.csv} has no row with a {args.label_column!r} label")
    evaluation = evaluate(model, texts, labels, thresholds)
    print(f"model {model.model_version} on {args.csv}: {len(texts)} rows ({skipped} skipped: empty label)")
    unknown = sorted(set(labels) - set(model.labels))
    if unknown:
        print(f"labels the model never saw: {', '.join(unknown)}")
    print()
    print(format_evaluation(evaluation))
    return 0


def _run(command: Callable[[argparse.Namespace, TextIO], int]) -> Callable[[argparse.Namespace], int]:
    """``command`` as ``handler(args) -> exit code``, reporting input problems in one line."""

    def handler(args: argparse.Namespace) -> int:
        try:
            return command(args, sys.stderr)
        except InputProblem as exc:
            print(f"{PROG} {args.classifier_command}: {exc}", file=sys.stderr)
            return 2

    return handler


def _add_subcommands(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(
        dest="classifier_command", required=True, metavar="{train,predict,evaluate}"
    )

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--csv", required=True, help="CSV export with a header line (UTF-8)")
        sub.add_argument(
            "--text-columns", default="subject,body", help="columns holding the text, comma-separated"
        )

    train_cmd = commands.add_parser("train", help="train a model on a labelled CSV export")
    common(train_cmd)
    train_cmd.add_argument("--label-column", required=True, help="the column to predict (type, queue, ...)")
    train_cmd.add_argument("--model-out", required=True, help="file to write the model to")
    train_cmd.add_argument("--version", default=None, help="model version (default: a content hash)")
    train_cmd.add_argument(
        "--trainer",
        choices=("auto", "linear", "sgd"),
        default="auto",
        help="linear: scikit-learn's linear SVM exported to the desk's format; sgd: the pure-Python "
        "trainer; auto (default): linear where scikit-learn is installed, else sgd",
    )
    train_cmd.set_defaults(handler=_run(_cmd_train))

    predict_cmd = commands.add_parser("predict", help="write each row's predicted label and confidence")
    predict_cmd.add_argument("--model", required=True)
    common(predict_cmd)
    predict_cmd.add_argument("--out", required=True, help="CSV file to write (label,confidence)")
    predict_cmd.add_argument("--explain", action="store_true", help="add an explanation column")
    predict_cmd.set_defaults(handler=_run(_cmd_predict))

    evaluate_cmd = commands.add_parser("evaluate", help="score a model on a labelled CSV export")
    evaluate_cmd.add_argument("--model", required=True)
    common(evaluate_cmd)
    evaluate_cmd.add_argument("--label-column", required=True)
    evaluate_cmd.add_argument(
        "--thresholds", default=None, help="confidence thresholds, comma-separated (default 0,0.5,...,0.95)"
    )
    evaluate_cmd.set_defaults(handler=_run(_cmd_evaluate))


def add_classifier_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``classifier`` with its ``train``, ``predict`` and ``evaluate`` subcommands; each sets
    ``handler``, a callable taking the parsed arguments and returning the exit code."""
    parser = subparsers.add_parser(
        "classifier",
        help="train, apply and score the ticket classifier on a CSV export",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_subcommands(parser)


def main(argv: list[str] | None = None) -> int:
    """Run ``desk classifier`` on ``argv`` (``train ...``, ``predict ...``, ``evaluate ...``; a leading
    ``classifier`` is accepted too) and return the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["classifier"]:
        args_list = args_list[1:]
    parser = argparse.ArgumentParser(
        prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    _add_subcommands(parser)
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
