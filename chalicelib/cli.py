"""``desk``: the administrator's command line.

    desk token --user alice --role agent      print a local (HS256) bearer token
    desk tables                               create the stage's tables where missing
    desk seed                                 store the default configuration documents
    desk backup --out DIR                     every table's items into a backup directory
    desk restore --from DIR                   put a backup's items back (idempotent)
    desk classifier train|predict|evaluate    bootstrap the classifier from an export
    desk classifier install|retrain           install a trained model; retrain from the desk's history

Settings come from the environment; variables the environment lacks are taken from the
stage's section of the project's ``.chalice/config.json`` (``--stage``, default ``dev``). The
project is the one the desk is installed from (``pip install -e .``), whatever the working
directory; a copy installed elsewhere looks in the working directory and its parents.

``desk token`` talks to the local desk only: it signs with the secret ``make run`` keeps in the
project's ``.run/`` (``--data-dir`` for another), and is refused anywhere else.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: Where the local desk keeps its data (its HS256 secret), under the project root.
LOCAL_DATA_DIR = ".run"
LOCAL_SECRET_FILE = "jwt-hs256-secret"


def project_root() -> Path | None:
    """The project holding ``.chalice/config.json``: the one this package is installed from,
    else the working directory or one of its parents."""
    installed = Path(__file__).resolve().parent.parent
    for folder in (installed, Path.cwd(), *Path.cwd().parents):
        if (folder / ".chalice" / "config.json").is_file():
            return folder
    return None


def _find_chalice_config() -> Path | None:
    root = project_root()
    return root / ".chalice" / "config.json" if root is not None else None


def default_data_dir() -> Path:
    """The local desk's data directory: ``.run/`` in the project (the working directory when
    no project is found)."""
    return (project_root() or Path.cwd()) / LOCAL_DATA_DIR


def local_secret(data_dir: Path, *, create: bool = False) -> str | None:
    """The local desk's HS256 secret kept in ``data_dir`` (readable by its owner only); with
    ``create``, one is generated the first time. None when there is none."""
    path = data_dir / LOCAL_SECRET_FILE
    if path.is_file():
        return path.read_text().strip() or None
    if not create:
        return None
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secret + "\n")
    return secret


def load_stage_environment(stage: str) -> dict[str, str]:
    """The environment variables ``.chalice/config.json`` gives ``stage`` (empty if no file)."""
    path = _find_chalice_config()
    if path is None:
        return {}
    config = json.loads(path.read_text())
    if stage not in config.get("stages", {}):
        raise SystemExit(f"desk: no stage {stage!r} in {path}")
    env = dict(config.get("environment_variables", {}))
    env.update(config["stages"][stage].get("environment_variables", {}))
    return {k: str(v) for k, v in env.items()}


def apply_stage_environment(stage: str) -> None:
    for name, value in load_stage_environment(stage).items():
        os.environ.setdefault(name, value)
    from chalicelib.config import get_settings

    get_settings.cache_clear()


def _cmd_token(args: argparse.Namespace) -> int:
    from chalicelib.config import get_settings
    from chalicelib.services.tokens import mint_token

    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    if not os.environ.get("JWT_HS256_SECRET"):
        secret = local_secret(data_dir)
        if secret is None:
            print(
                f"desk token: JWT_HS256_SECRET is not set and no local desk secret is in {data_dir}: "
                "start the desk with `make run` first (tokens are minted for the local desk only)",
                file=sys.stderr,
            )
            return 2
        os.environ["JWT_HS256_SECRET"] = secret
    os.environ["DESK_LOCAL"] = "true"
    get_settings.cache_clear()
    claims: dict[str, object] = {}
    if args.vip:
        claims["vip"] = True
    if args.business_unit:
        claims["business_unit"] = args.business_unit
    try:
        token = mint_token(get_settings(), args.user, args.role, ttl_seconds=args.ttl, **claims)
    except (RuntimeError, ValueError) as exc:
        print(f"desk token: {exc}", file=sys.stderr)
        return 2
    print(token)
    return 0


def _cmd_tables(args: argparse.Namespace) -> int:
    from chalicelib.config import get_settings
    from chalicelib.storage.aws import client
    from chalicelib.storage.tables import create_tables

    created = create_tables(get_settings(), client("dynamodb"))
    print(f"created {len(created)} tables: {', '.join(created) or 'none (all present)'}", file=sys.stderr)
    return 0


def _cmd_seed(args: argparse.Namespace) -> int:
    from chalicelib.services.seeding import seed_defaults
    from chalicelib.wiring import desk

    counts = seed_defaults(desk().config_service)
    print("seeded " + ", ".join(f"{n} {kind}" for kind, n in counts.items()), file=sys.stderr)
    return 0


def _cmd_backup(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from chalicelib.config import get_settings
    from chalicelib.services.backup import backup
    from chalicelib.storage.aws import client
    from chalicelib.storage.tables import stage_tables

    settings = get_settings()
    counts = backup(
        client("dynamodb"),
        stage_tables(settings),
        Path(args.out),
        now=datetime.now(timezone.utc),
        stage=settings.stage,
        page_size=args.page_size,
    )
    print(f"backed up {sum(c.items for c in counts)} items of {len(counts)} tables into {args.out}", file=sys.stderr)
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from chalicelib.config import get_settings
    from chalicelib.services.backup import BackupError, restore
    from chalicelib.storage.aws import client
    from chalicelib.storage.tables import create_tables, stage_tables

    settings = get_settings()
    dynamodb = client("dynamodb")
    if args.create_tables:
        create_tables(settings, dynamodb)
    try:
        counts = restore(dynamodb, stage_tables(settings), Path(args.source))
    except BackupError as exc:
        print(f"desk restore: {exc}", file=sys.stderr)
        return 2
    print(f"restored {sum(c.items for c in counts)} items into {len(counts)} tables", file=sys.stderr)
    return 0


def _day(value: str) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD") from None


def _cmd_reports_rebuild(args: argparse.Namespace) -> int:
    from chalicelib.storage.rollups import every_event
    from chalicelib.wiring import desk

    if args.last < args.first:
        print("desk reports rebuild: --to must not be before --from", file=sys.stderr)
        return 2
    result = desk().rollup_rebuild().rebuild(every_event(), args.first, args.last)
    print(
        f"rebuilt the rollups of {args.first} to {args.last}: {result['cells']} cells from "
        f"{result['tickets']} tickets' events ({result['writes']} writes)",
        file=sys.stderr,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    from chalicelib.domain.identity import ROLES

    parser = argparse.ArgumentParser(prog="desk", description="Service desk administration")
    parser.add_argument("--stage", default=os.environ.get("DESK_STAGE", "dev"), help="stage (default dev)")
    sub = parser.add_subparsers(dest="command", required=True)

    token = sub.add_parser("token", help="print a local bearer token")
    token.add_argument("--user", required=True)
    token.add_argument("--role", required=True, choices=ROLES)
    token.add_argument("--vip", action="store_true", help="mark the user as a VIP requester")
    token.add_argument("--business-unit", default=None)
    token.add_argument(
        "--ttl", type=int, default=None, help="lifetime in seconds (default and most: TOKEN_MAX_SECONDS, 12 h)"
    )
    token.add_argument("--data-dir", default=None, help="the local desk's data directory (default .run/)")
    token.set_defaults(handler=_cmd_token)

    tables = sub.add_parser("tables", help="create the stage's tables where missing")
    tables.set_defaults(handler=_cmd_tables)

    seed = sub.add_parser("seed", help="store the default configuration documents")
    seed.set_defaults(handler=_cmd_seed)

    backup = sub.add_parser("backup", help="write every table's items into a backup directory")
    backup.add_argument("--out", required=True, help="the backup directory (replaced when complete)")
    backup.add_argument("--page-size", type=int, default=None, help="items per Scan page (default: DynamoDB's)")
    backup.set_defaults(handler=_cmd_backup)

    restore = sub.add_parser("restore", help="put a backup's items back into the stage's tables")
    restore.add_argument("--from", dest="source", required=True, help="the backup directory")
    restore.add_argument(
        "--no-create-tables", dest="create_tables", action="store_false", help="do not create missing tables first"
    )
    restore.set_defaults(handler=_cmd_restore)

    reports = sub.add_parser("reports", help="the reports' rollups").add_subparsers(dest="reports", required=True)
    rebuild = reports.add_parser("rebuild", help="recompute the rollups of a range of days from the events")
    rebuild.add_argument("--from", dest="first", required=True, type=_day, help="first day (YYYY-MM-DD)")
    rebuild.add_argument("--to", dest="last", required=True, type=_day, help="last day (YYYY-MM-DD)")
    rebuild.set_defaults(handler=_cmd_reports_rebuild)

    try:
        from chalicelib.classifier_cli import add_classifier_commands
    except ImportError:  # pragma: no cover - the classifier ships with the desk
        pass
    else:
        from chalicelib.learning_cli import add_learning_commands, classifier_subparsers

        add_classifier_commands(sub)
        add_learning_commands(classifier_subparsers(sub))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    apply_stage_environment(args.stage)
    handler = args.handler
    result = handler(args)
    return int(result or 0)


if __name__ == "__main__":
    raise SystemExit(main())
