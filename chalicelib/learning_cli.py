"""``desk classifier install|retrain``: put models into the configured stage.

    desk classifier install --model FILE --field type   store a model file as the field's next version
    desk classifier retrain [--min-examples 20]         retrain every field from the stored examples

``install`` prints the stored version; ``retrain`` prints its report as JSON. A problem (a file that
is not a model, an unreachable table) is reported in one line with exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeAlias

from pynamodb.exceptions import PynamoDBException

from chalicelib.domain.errors import DeskError
from chalicelib.services.learning import FIELDS

PROG = "desk classifier"

if TYPE_CHECKING:
    Subparsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


def _problem(command: str, message: object) -> int:
    print(f"{PROG} {command}: {message}", file=sys.stderr)
    return 2


def _cmd_install(args: argparse.Namespace) -> int:
    from chalicelib.config import get_settings
    from chalicelib.services.learning import install_model
    from chalicelib.storage.learning_store import DynamoModelStore

    try:
        version = install_model(DynamoModelStore(get_settings()), args.field, args.model)
    except (ValueError, DeskError, PynamoDBException) as exc:
        return _problem("install", exc)
    print(version)
    return 0


def _cmd_retrain(args: argparse.Namespace) -> int:
    from chalicelib.config import get_settings
    from chalicelib.services.learning import Learning
    from chalicelib.storage.learning_store import DynamoExampleStore, DynamoModelStore

    settings = get_settings()
    learning = Learning(
        DynamoExampleStore(settings),
        DynamoModelStore(settings),
        lambda: datetime.now(UTC),
        min_examples=args.min_examples,
    )
    try:
        report = learning.retrain()
    except (ValueError, DeskError, PynamoDBException) as exc:
        return _problem("retrain", exc)
    print(json.dumps(report, indent=2, sort_keys=True))
    return 0


def add_learning_commands(subparsers: Subparsers) -> None:
    """Add ``install`` and ``retrain`` to the subcommands of ``desk classifier`` (``subparsers`` is
    the action ``add_subparsers`` returned for the ``classifier`` parser; see
    :func:`classifier_subparsers`). Each sets ``handler(args) -> exit code``."""
    install = subparsers.add_parser("install", help="store a model file as a field's next model version")
    install.add_argument("--model", required=True, help="model file written by 'desk classifier train'")
    install.add_argument("--field", required=True, choices=FIELDS, help="the field the model predicts")
    install.set_defaults(handler=_cmd_install)

    retrain = subparsers.add_parser("retrain", help="retrain every field's model from the stored examples")
    retrain.add_argument(
        "--min-examples", type=int, default=20, help="fewest labelled examples a field needs (default 20)"
    )
    retrain.set_defaults(handler=_cmd_retrain)

    # A fixed metavar such as "{train,predict,evaluate}" would hide the new commands from the usage line.
    if isinstance(subparsers.metavar, str) and subparsers.metavar.startswith("{"):
        subparsers.metavar = "{" + ",".join(subparsers.choices) + "}"


def classifier_subparsers(desk_subparsers: Subparsers) -> Subparsers:
    """The subcommands action of the ``classifier`` parser registered on ``desk_subparsers`` (by
    ``add_classifier_commands``), found through the parser's actions."""
    parser = desk_subparsers.choices["classifier"]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise LookupError("the classifier command has no subcommands")
