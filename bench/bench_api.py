"""API costs: DynamoDB requests per call (moto in-process) and the cold-start import cost."""

from __future__ import annotations

import json
import os
import secrets
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _import_seconds(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def cold_start(repeats: int = 9) -> dict[str, float]:
    """Median wall time of importing ``app`` and of importing ``boto3`` alone, in fresh processes."""
    _import_seconds("import app")  # warm the file system cache and the bytecode
    app_times, boto_times = [], []
    for _ in range(repeats):
        boto_times.append(_import_seconds("import boto3"))
        app_times.append(_import_seconds("import app"))
    app_ms = statistics.median(app_times) * 1000
    boto_ms = statistics.median(boto_times) * 1000
    return {"import_app_ms": app_ms, "import_boto3_ms": boto_ms, "cold_start_ratio": app_ms / boto_ms}


def request_counts() -> dict[str, float]:
    """DynamoDB requests made by one read and one open (with and without an Idempotency-Key), a
    list, and the requester's rating of a resolution."""
    from moto import mock_aws

    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
            # An in-process desk is a local one, with a secret of its own.
            "DESK_LOCAL": "true",
            "JWT_HS256_SECRET": secrets.token_hex(32),
        }
    )
    sys.path.insert(0, str(ROOT))
    from chalicelib.cli import apply_stage_environment

    apply_stage_environment("dev")
    with mock_aws():
        from chalice.test import Client

        from app import app
        from chalicelib import wiring
        from chalicelib.config import get_settings
        from chalicelib.services.tokens import mint_token
        from chalicelib.storage import aws
        from chalicelib.storage.tables import create_tables

        aws.reset_clients()
        wiring.install(None)
        create_tables(get_settings(), aws.client("dynamodb"))
        token = mint_token(get_settings(), "bench", "agent")
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        body = json.dumps({"type": "incident", "title": "Bench", "description": "Counting requests"})
        out: dict[str, float] = {}
        with Client(app, stage_name="dev") as client:
            client.http.post("/tickets", headers=headers, body=body)  # warm caches
            with aws.count_dynamodb_requests() as counter:
                number = client.http.post("/tickets", headers=headers, body=body).json_body["number"]
            out["requests_open_ticket"] = counter.total
            with aws.count_dynamodb_requests() as counter:
                client.http.post("/tickets", headers={**headers, "Idempotency-Key": "b1"}, body=body)
            out["requests_open_ticket_with_idempotency_key"] = counter.total
            with aws.count_dynamodb_requests() as counter:
                client.http.post("/tickets", headers={**headers, "Idempotency-Key": "b1"}, body=body)
            out["requests_open_ticket_replayed"] = counter.total
            with aws.count_dynamodb_requests() as counter:
                client.http.get(f"/tickets/{number}", headers=headers)
            out["requests_read_ticket"] = counter.total
            with aws.count_dynamodb_requests() as counter:
                client.http.get("/tickets?status=new&limit=25", headers=headers)
            out["requests_list_tickets"] = counter.total
            version = client.http.get(f"/tickets/{number}", headers=headers).json_body["version"]
            moved = json.dumps({"to": "resolved", "version": version})
            client.http.post(f"/tickets/{number}/transitions", headers=headers, body=moved)
            with aws.count_dynamodb_requests() as counter:
                client.http.post(f"/tickets/{number}/rating", headers=headers, body=json.dumps({"rating": 4}))
            out["requests_rate_resolution"] = counter.total
        return out


def run() -> dict[str, Any]:
    return {**request_counts(), **cold_start()}


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name:48s} {value:10.3f}" if isinstance(value, float) else f"{name:48s} {value:>10}")
