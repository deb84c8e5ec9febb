"""The app's init-time warm-up, observed in fresh processes (``import app`` runs it once)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from tests.conftest import ROOT, TEST_SECRET, stage_environment

PROBE = """
import json, sys
import app

modules = sorted(m for m in ("jwt", "pydantic", "holidays.countries") if m in sys.modules)
schemas = sys.modules.get("chalicelib.api.schemas")
from chalicelib.observability import tracer
from chalicelib.storage import aws
from chalicelib.storage.models import ALL_MODELS

clients = set()
for model in ALL_MODELS:
    connection = model._connection.connection if model._connection is not None else None
    if connection is not None and connection._client is not None:
        clients.add(id(connection._client))
print(json.dumps({
    "validators_built": schemas is not None and schemas.OpenTicketBody.__pydantic_complete__,
    "modules": modules,
    "boto3_clients": aws.client.cache_info().currsize,
    "model_clients": len(clients),
    "tracer_built": tracer._tracer is not None,
}))
"""


def _probe(**env: str) -> dict[str, Any]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "DESK_", "_HANDLER", "POWERTOOLS_"))
    }
    environment.update(stage_environment())
    environment.update(
        {
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "POWERTOOLS_TRACE_DISABLED": "true",
            # A local desk, as the tests' own (HS256 only there).
            "DESK_LOCAL": "true",
            "JWT_HS256_SECRET": TEST_SECRET,
            # Nothing listens here: a request made by the warm-up would fail it.
            "DYNAMODB_ENDPOINT": "http://127.0.0.1:9",
        }
    )
    environment.update(env)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "warm-up failed" not in out.stdout + out.stderr
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.mark.parametrize("handler", [None, "app.app"])
def test_init_prepares_the_routes_without_calling_aws(handler: str | None) -> None:
    result = _probe(**CREDENTIALS, **({"_HANDLER": handler} if handler else {}))
    assert result["validators_built"] is True
    assert "pydantic" in result["modules"]
    # Holidays are computed by the first request that needs a business calendar, not by every
    # container's init: most first requests (reads, admin) never do.
    assert "holidays.countries" not in result["modules"]
    assert result["boto3_clients"] == 1
    assert result["model_clients"] == 1  # every table on one client
    assert result["tracer_built"] is False  # tracing is off: the X-Ray SDK stays unloaded
    assert ("jwt" in result["modules"]) is (handler is None)  # on Lambda the authorizer is apart


def test_the_authorizer_init_loads_only_the_token_verifier() -> None:
    result = _probe(**CREDENTIALS, _HANDLER="app.desk_authorizer")
    assert result["modules"] == ["jwt"]
    assert result["validators_built"] is False
    assert result["boto3_clients"] == 0


def test_the_admin_functions_init_creates_the_clients_and_leaves_intakes_work() -> None:
    """On Lambda the admin routes have a function of their own (``DESK_API_FAMILY=admin``)."""
    result = _probe(**CREDENTIALS, _HANDLER="app.app", DESK_API_FAMILY="admin")
    assert result["validators_built"] is False
    assert "pydantic" not in result["modules"]
    assert result["boto3_clients"] == 1
    assert result["model_clients"] == 1


def test_without_credentials_in_the_environment_no_client_is_created() -> None:
    result = _probe()
    assert result["validators_built"] is True
    assert result["boto3_clients"] == 0
    assert result["model_clients"] == 0


def test_desk_warmup_0_leaves_everything_to_the_first_request() -> None:
    result = _probe(**CREDENTIALS, DESK_WARMUP="0")
    assert result == {
        "validators_built": False,
        "modules": [],
        "boto3_clients": 0,
        "model_clients": 0,
        "tracer_built": False,
    }
