"""Runs the desk locally: moto's server as the embedded AWS, the tables, the seeds, the API.

    python scripts/run_local.py [--port 8000] [--aws-port 0] [--data-dir .run] [--smtp-port 2525]

Starts moto's server (DynamoDB, SNS, SQS, S3, SES) on a loopback port, creates the dev stage's tables,
puts back the data of the last run, stores the default configuration not stored yet, prints the
API's URL and (to a terminal only) a ready agent token, then serves the API with ``chalice local``
and runs the scheduled functions on their schedules until interrupted. It listens for mail
on 127.0.0.1 ``--smtp-port`` and writes the mail the desk sends to ``<data-dir>/mail/sent``
(``scripts/local_mail.py``). Everything talks to moto
through the same endpoint settings the desk reads on AWS.

The desk runs marked local (``DESK_LOCAL=true``), the one place HS256 tokens are accepted, with
the secret kept in the data directory (generated there the first time; ``desk token`` reads it).
``PUBLIC_URL`` follows ``--port``, so links in notices point at this desk. The Slack signing
secret and the GitHub and Jira webhook secrets are generated in the data directory the same way
(``slack-signing-secret``, ``github-webhook-secret``, ``jira-webhook-secret``), so signed requests
can be tried with curl; desk events go to moto's EventBridge bus.

The data survives restarts: every table is backed up (``chalicelib.services.backup``, as
``desk backup`` does) into ``<data-dir>/snapshot`` every ``--snapshot-seconds`` and on shutdown,
and restored from there at start. ``make reset`` removes the data directory to start empty.

``--demo`` (``make run DEMO=1``) first fills an empty desk with a month of history ending now
(``scripts/demo.py``, as ``make demo`` does), before the server starts.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing answered on port {port} within {timeout:.0f}s")


#: The inbound channels' secrets a local desk generates in its data directory: file -> variable.
LOCAL_CHANNEL_SECRETS = {
    "slack-signing-secret": "SLACK_SIGNING_SECRET",
    "github-webhook-secret": "GITHUB_WEBHOOK_SECRET",
    "jira-webhook-secret": "JIRA_WEBHOOK_SECRET",
}


def local_value(data_dir: Path, name: str) -> str:
    """The secret kept in ``data_dir/name`` (owner-only), generated the first time."""
    import secrets as token_source

    path = data_dir / name
    if path.is_file() and path.read_text().strip():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = token_source.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(value + "\n")
    return value


def local_environment(port: int, aws_endpoint: str, data_dir: Path) -> dict[str, str]:
    """The variables the local desk runs with, on top of the dev stage's (``chalice local``
    applies the stage's variables over these, so the stage must not set any of them)."""
    from chalicelib.cli import local_secret

    secret = local_secret(data_dir, create=True)
    assert secret is not None
    return {
        **{variable: local_value(data_dir, name) for name, variable in LOCAL_CHANNEL_SECRETS.items()},
        "EVENTS_ENDPOINT": aws_endpoint,
        "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "local"),
        "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        "DYNAMODB_ENDPOINT": aws_endpoint,
        "SNS_ENDPOINT": aws_endpoint,
        "SQS_ENDPOINT": aws_endpoint,
        "S3_ENDPOINT": aws_endpoint,
        "SES_ENDPOINT": aws_endpoint,
        "EMAIL_SENDER": os.environ.get("EMAIL_SENDER", "desk@example.com"),
        "MAIL_UNKNOWN_SENDERS": os.environ.get("MAIL_UNKNOWN_SENDERS", "true"),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DESK_LOCAL": "true",
        "JWT_HS256_SECRET": secret,
    }


def show_token(token: str, out: TextIO) -> None:
    """The ready token goes to a terminal only; where the output is kept (a file, a pipe, a
    log), a hint takes its place."""
    if out.isatty():
        print(f"agent token: {token}", file=out, flush=True)
    else:
        print("agent token: desk token --user agent.local --role agent", file=out, flush=True)


def restore_snapshot(snapshot_dir: Path) -> str:
    """Put the last run's data back (what it did, in words); nothing when there is none."""
    from chalicelib.config import get_settings
    from chalicelib.services.backup import MANIFEST, restore
    from chalicelib.storage.aws import client
    from chalicelib.storage.tables import stage_tables

    if not (snapshot_dir / MANIFEST).is_file():
        return f"starting empty (nothing kept in {snapshot_dir})"
    counts = restore(client("dynamodb"), stage_tables(get_settings()), snapshot_dir)
    return f"restored {sum(c.items for c in counts)} items from {snapshot_dir}"


def save_snapshot(snapshot_dir: Path) -> int:
    """Back every table up into ``snapshot_dir`` (replacing the last one when complete)."""
    from datetime import datetime, timezone

    from chalicelib.config import get_settings
    from chalicelib.services.backup import backup
    from chalicelib.storage.aws import client
    from chalicelib.storage.tables import stage_tables

    settings = get_settings()
    snapshot_dir.parent.mkdir(parents=True, exist_ok=True)
    counts = backup(
        client("dynamodb"), stage_tables(settings), snapshot_dir, now=datetime.now(timezone.utc), stage=settings.stage
    )
    return sum(c.items for c in counts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--aws-port", type=int, default=int(os.environ.get("AWS_PORT", "0")))
    parser.add_argument("--stage", default="dev")
    parser.add_argument(
        "--smtp-port", type=int, default=int(os.environ.get("SMTP_PORT", "0")),
        help="where the desk listens for mail (SMTP on 127.0.0.1; `make run`: 2525; default 0: no listener)",
    )
    parser.add_argument("--no-scheduler", action="store_true", help="do not run the scheduled functions")
    parser.add_argument(
        "--demo", action="store_true", help="fill an empty desk with a month of history first (scripts/demo.py)"
    )
    parser.add_argument("--demo-days", type=int, default=30, help="how many days of history --demo makes (default 30)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("DESK_DATA_DIR") or ROOT / ".run"),
        help="where the data and the local token secret are kept between runs (default .run/)",
    )
    parser.add_argument(
        "--snapshot-seconds", type=float, default=60.0, help="how often the data is saved while running (default 60)"
    )
    args = parser.parse_args()
    snapshot_dir = args.data_dir.resolve() / "snapshot"

    import logging

    from moto.server import ThreadedMotoServer

    from scripts.moto_tuning import cheap_transaction_snapshots

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    cheap_transaction_snapshots()

    aws_port = args.aws_port or free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=aws_port, verbose=False)
    moto.start()
    wait_for_port(aws_port)
    endpoint = f"http://127.0.0.1:{aws_port}"
    os.environ.update(local_environment(args.port, endpoint, args.data_dir))

    from chalicelib.cli import apply_stage_environment

    os.chdir(ROOT)
    apply_stage_environment(args.stage)

    from chalicelib.config import get_settings
    from chalicelib.services.problem_seeds import seed_problem_examples
    from chalicelib.services.seeding import seed_defaults
    from chalicelib.services.tokens import mint_token
    from chalicelib.storage.aws import client
    from chalicelib.storage.tables import create_event_bus, create_messaging, create_tables
    from chalicelib.wiring import desk

    settings = get_settings()
    create_tables(settings, client("dynamodb"))
    from chalicelib.storage.attachments import create_bucket, s3_client

    create_bucket(s3_client(settings), settings.attachments_bucket, settings.region)
    create_bucket(s3_client(settings), settings.inbound_mail_bucket, settings.region)
    client("ses").verify_email_identity(EmailAddress=settings.email_sender)
    restored = restore_snapshot(snapshot_dir)
    os.environ.update(create_messaging(settings, client("sqs"), client("sns")))
    create_event_bus(settings, client("events"))
    get_settings.cache_clear()
    settings = get_settings()
    if args.demo:
        from datetime import datetime, timezone

        from scripts.demo import fill_local

        print(f"demo: making {args.demo_days} days of history (a few minutes)...", flush=True)
        print(fill_local(datetime.now(timezone.utc).replace(microsecond=0), days=args.demo_days, seed=7), flush=True)
    counts = seed_defaults(desk().config_service)
    counts.update(seed_problem_examples(desk()))
    token = mint_token(settings, "agent.local", "agent")

    chalice = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("chalice")),
            "local",
            "--stage",
            args.stage,
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
            "--no-autoreload",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    stop = threading.Event()

    def shutdown(*_: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, shutdown)
    signal.signal(signal.SIGTERM, shutdown)
    smtp = None
    try:
        wait_for_port(args.port, timeout=60)
        print(f"service desk: http://127.0.0.1:{args.port}", flush=True)
        print(f"embedded AWS (moto): {endpoint}", flush=True)
        print("seeded: " + (", ".join(f"{n} {k}" for k, n in counts.items()) or "nothing new"), flush=True)
        print(f"data: {restored}", flush=True)
        if args.smtp_port:
            from scripts.local_mail import start_smtp, watch_sent_mail

            smtp = start_smtp(args.smtp_port)
            watch_sent_mail(stop, args.data_dir.resolve() / "mail" / "sent")
            print(f"mail: smtp://127.0.0.1:{args.smtp_port} to {settings.mail_address} "
                  f"(sent mail in {args.data_dir.resolve() / 'mail' / 'sent'})", flush=True)
        show_token(token, sys.stdout)
        print(f'try: curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:{args.port}/tickets', flush=True)
        if not args.no_scheduler:
            from scripts.local_scheduler import start_scheduler

            start_scheduler(stop)
        saved_at = time.monotonic()
        while not stop.is_set() and chalice.poll() is None:
            stop.wait(0.5)
            if time.monotonic() - saved_at >= args.snapshot_seconds:
                save_snapshot(snapshot_dir)
                saved_at = time.monotonic()
    finally:
        if smtp is not None:
            smtp.stop()
        if chalice.poll() is None:
            chalice.terminate()
            try:
                chalice.wait(timeout=10)
            except subprocess.TimeoutExpired:
                chalice.kill()
        try:
            counts_saved = save_snapshot(snapshot_dir)
            print(f"data kept: {counts_saved} items in {snapshot_dir}", flush=True)
        finally:
            moto.stop()
    return 0 if chalice.returncode in (0, None, -signal.SIGTERM) else int(chalice.returncode or 1)


if __name__ == "__main__":
    raise SystemExit(main())
