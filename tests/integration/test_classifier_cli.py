"""``desk classifier train|predict|evaluate`` on small CSV exports."""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

import pytest

from chalicelib.classifier_cli import add_classifier_commands, main
from chalicelib.domain.classifier import loads_model

TOPICS = {
    "network": ["VPN connection", "wifi access point", "VPN-Verbindung", "Netzwerkdose", "network switch"],
    "identity-access": [
        "password reset",
        "account locked",
        "Passwort abgelaufen",
        "Konto gesperrt",
        "MFA token",
    ],
    "email-collab": ["Outlook mailbox", "shared calendar", "Postfach voll", "Verteiler", "Teams meeting"],
}
SUBJECTS = ["{x} broken", "Problem: {x}", "{x} geht nicht", "Help with {x}", "Frage zu {x}"]
BODIES = [
    "Hi,\nthe {x} does not work since this morning.\nThanks, Anna",
    "Hallo,\n{x} funktioniert nicht. Bitte helfen.\nViele Grüße\nJürgen",
    "Please look at {x}, my team is blocked.",
]


def _rows(count: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        queue = rng.choice(list(TOPICS))
        thing = rng.choice(TOPICS[queue])
        rows.append(
            {
                "subject": rng.choice(SUBJECTS).format(x=thing),
                "body": rng.choice(BODIES).format(x=thing),
                "queue": queue,
                "type": rng.choice(["incident", "service_request"]),
            }
        )
    return rows


def _write(path: Path, rows: list[dict[str, str]], *, bom: bool = False) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return _write(tmp_path / "export.csv", _rows(150, seed=1))


@pytest.fixture
def model_file(tmp_path: Path, export: Path) -> Path:
    out = tmp_path / "queue.model"
    code = main(
        [
            "train",
            "--csv",
            str(export),
            "--text-columns",
            "subject,body",
            "--label-column",
            "queue",
            "--model-out",
            str(out),
        ]
    )
    assert code == 0
    return out


def test_train_writes_a_model_and_a_summary(
    tmp_path: Path, export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "type.model"
    code = main(
        [
            "train",
            "--csv",
            str(export),
            "--label-column",
            "type",
            "--model-out",
            str(out),
            "--version",
            "bootstrap-1",
        ]
    )
    assert code == 0
    err = capsys.readouterr().err
    assert "150 rows" in err and "2 classes" in err and "bytes" in err and "bootstrap-1" in err
    model = loads_model(out.read_bytes())
    assert model.model_version == "bootstrap-1"
    assert model.labels == ("incident", "service_request")
    assert model.trained_at is not None


def test_predict_writes_label_and_confidence_in_input_order(tmp_path: Path, model_file: Path) -> None:
    rows = _rows(30, seed=9)
    unlabelled = [{"subject": r["subject"], "body": r["body"]} for r in rows]
    source = _write(tmp_path / "new.csv", unlabelled)
    out = tmp_path / "predicted.csv"
    code = main(
        [
            "predict",
            "--model",
            str(model_file),
            "--csv",
            str(source),
            "--text-columns",
            "subject,body",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    with out.open(encoding="utf-8", newline="") as handle:
        predicted = list(csv.DictReader(handle))
    assert list(predicted[0]) == ["label", "confidence"]
    assert len(predicted) == 30
    assert all(0.0 <= float(p["confidence"]) <= 1.0 for p in predicted)
    hits = sum(p["label"] == r["queue"] for p, r in zip(predicted, rows, strict=True))
    assert hits >= 27


def test_predict_can_explain(tmp_path: Path, model_file: Path, export: Path) -> None:
    out = tmp_path / "explained.csv"
    assert (
        main(["predict", "--model", str(model_file), "--csv", str(export), "--out", str(out), "--explain"])
        == 0
    )
    with out.open(encoding="utf-8", newline="") as handle:
        first = next(csv.DictReader(handle))
    assert first["explanation"].startswith("words: '")


def test_evaluate_prints_scores_and_the_coverage_table(
    tmp_path: Path, model_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    held_out = _write(tmp_path / "held_out.csv", _rows(60, seed=2))
    code = main(["evaluate", "--model", str(model_file), "--csv", str(held_out), "--label-column", "queue"])
    assert code == 0
    out = capsys.readouterr().out
    for expected in ("precision", "recall", "f1", "network", "macro-F1", "accuracy", "threshold  coverage"):
        assert expected in out
    assert "0.95" in out and "60 rows (0 skipped: empty label)" in out


def test_evaluate_takes_custom_thresholds(
    tmp_path: Path, model_file: Path, export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "evaluate",
            "--model",
            str(model_file),
            "--csv",
            str(export),
            "--label-column",
            "queue",
            "--thresholds",
            "0.25,0.75",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "     0.25" in out and "     0.75" in out and "     0.95" not in out


def test_bom_empty_labels_and_huge_fields_are_tolerated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _rows(40, seed=3)
    rows[0]["queue"] = ""
    rows[1]["queue"] = "  "
    rows[2]["body"] = "VPN " * 100_000  # beyond the csv module's default field size limit
    source = _write(tmp_path / "bom.csv", rows, bom=True)
    out = tmp_path / "m.model"
    assert main(["train", "--csv", str(source), "--label-column", "queue", "--model-out", str(out)]) == 0
    assert "38 rows (2 skipped: empty label)" in capsys.readouterr().err
    assert main(["evaluate", "--model", str(out), "--csv", str(source), "--label-column", "queue"]) == 0
    assert "(2 skipped: empty label)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv_tail, message",
    [
        (["--label-column", "group"], "column 'group' not in"),
        (["--text-columns", "subject,description", "--label-column", "queue"], "column 'description' not in"),
    ],
)
def test_a_missing_column_is_a_clear_error(
    tmp_path: Path, export: Path, capsys: pytest.CaptureFixture[str], argv_tail: list[str], message: str
) -> None:
    code = main(["train", "--csv", str(export), "--model-out", str(tmp_path / "m.model"), *argv_tail])
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "columns: subject, body, queue, type" in err
    assert "Traceback" not in err
    assert not (tmp_path / "m.model").exists()


def test_unreadable_inputs_exit_2(tmp_path: Path, export: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "train",
                "--csv",
                str(tmp_path / "missing.csv"),
                "--label-column",
                "queue",
                "--model-out",
                str(tmp_path / "m"),
            ]
        )
        == 2
    )
    assert "cannot read" in capsys.readouterr().err
    assert (
        main(["predict", "--model", str(export), "--csv", str(export), "--out", str(tmp_path / "p.csv")]) == 2
    )
    assert "not a classifier model" in capsys.readouterr().err
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert main(["evaluate", "--model", str(export), "--csv", str(empty), "--label-column", "queue"]) == 2
    only_header = tmp_path / "header.csv"
    only_header.write_text("subject,body,queue\n")
    assert (
        main(
            [
                "train",
                "--csv",
                str(only_header),
                "--label-column",
                "queue",
                "--model-out",
                str(tmp_path / "m"),
            ]
        )
        == 2
    )
    assert "no row with a 'queue' label" in capsys.readouterr().err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train"]) == 2
    assert main([]) == 2
    assert "usage:" in capsys.readouterr().err


def test_registers_under_the_desk_command(tmp_path: Path, export: Path) -> None:
    parser = argparse.ArgumentParser(prog="desk")
    add_classifier_commands(parser.add_subparsers(dest="command", required=True))
    out = tmp_path / "m.model"
    args = parser.parse_args(
        ["classifier", "train", "--csv", str(export), "--label-column", "queue", "--model-out", str(out)]
    )
    assert args.handler(args) == 0
    assert out.stat().st_size > 0
    # ``main`` also accepts the leading command name.
    assert (
        main(["classifier", "evaluate", "--model", str(out), "--csv", str(export), "--label-column", "queue"])
        == 0
    )


def _train(export: Path, out: Path, *extra: str) -> int:
    return main(["train", "--csv", str(export), "--label-column", "queue", "--model-out", str(out), *extra])


def test_train_uses_the_linear_trainer_where_scikit_learn_is_installed(
    tmp_path: Path, export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _train(export, tmp_path / "auto.model") == 0
    said = capsys.readouterr().err
    assert "trainer linear-svm" in said
    trained = loads_model((tmp_path / "auto.model").read_bytes()).training
    assert trained["trainer"].startswith("linear-svm")
    assert f"features {trained['feature_set']} ->" in said
    assert _train(export, tmp_path / "sgd.model", "--trainer", "sgd") == 0
    assert "trainer sgd" in capsys.readouterr().err
    assert loads_model((tmp_path / "sgd.model").read_bytes()).training["trainer"] == "sgd"


def test_without_scikit_learn_auto_falls_back_and_linear_is_refused(
    tmp_path: Path, export: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import linear_training

    monkeypatch.setattr(linear_training, "available", lambda: False)
    assert _train(export, tmp_path / "auto.model") == 0
    assert "trainer sgd" in capsys.readouterr().err
    assert _train(export, tmp_path / "linear.model", "--trainer", "linear") == 2
    assert "--trainer linear needs scikit-learn" in capsys.readouterr().err
