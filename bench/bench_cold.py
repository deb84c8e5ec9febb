"""The cold path as a requester meets it: a fresh process's init (``import app``) plus its first
request, per route family, against its warm requests.

Each sample is a fresh Python process against an in-process moto whose tables are restored from
a snapshot (tables created, default documents seeded, one ticket opened) before anything is
timed; the snapshot is restored with boto3 alone, so the desk's own modules are first imported
by ``import app``. The sample then times

* ``init``:  ``import app`` (what Lambda's init phase runs, with its full CPU);
* ``first``: the process's first request of one family, through ``chalice.test.Client``
  (the authorizer included, as in ``chalice local``);
* ``warm``:  the median of the next few requests of the same family.

``DESK_WARMUP=0`` turns the init-time warm-up of ``app.py`` off: the bench samples both ways,
so ``init_plus_first_vs_lazy`` compares init plus first request with the deferred-only path
(import, then the first request pays for everything). Wall times: on a busy machine compare
figures of the same run. moto and boto3 are already imported in a
sample process (moto needs them), so on Lambda both ``init`` columns are larger by boto3's import.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

#: family -> (method, path, whether the body opens a ticket); ``{number}`` is the seeded ticket.
#: A family that has an API function of its own on Lambda (``infra.stack.API_SPLITS``) is sampled
#: with that function's ``DESK_API_FAMILY``.
FAMILIES: dict[str, tuple[str, str, bool]] = {
    "intake": ("POST", "/tickets", True),
    "read": ("GET", "/tickets/{number}", False),
    "admin": ("GET", "/admin/sla-policies", False),
}
WARM_REQUESTS = 5
BODY = json.dumps({"type": "incident", "title": "Cold start", "description": "Timing the first request"})


def _stage_environment() -> dict[str, str]:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    env = dict(config.get("environment_variables", {}))
    env.update(config["stages"]["dev"].get("environment_variables", {}))
    return env


#: One secret for the setup and every sample process of a run.
LOCAL_SECRET = secrets.token_hex(32)


def _environment(warmup: bool) -> dict[str, str]:
    env = {
        **os.environ,
        **_stage_environment(),
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "DESK_WARMUP": "1" if warmup else "0",
        # An in-process desk is a local one, with a secret of its own.
        "DESK_LOCAL": "true",
        "JWT_HS256_SECRET": LOCAL_SECRET,
        # As in the deployed package (``infra.package``), the desk's own modules are loaded from
        # the bytecode shipped beside them (a copy of the app made by :func:`_compiled_app`);
        # nothing else is written.
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("DYNAMODB_ENDPOINT", None)
    return env


# -- inside the sample processes ---------------------------------------------------------------


def _prepare(snapshot: Path) -> None:
    """Create and seed the tables, open one ticket, and write what a sample needs to restore."""
    from moto import mock_aws

    sys.path.insert(0, str(ROOT))
    with mock_aws():
        from chalice.test import Client

        from app import app
        from chalicelib.config import get_settings
        from chalicelib.services.seeding import seed_defaults
        from chalicelib.services.tokens import mint_token
        from chalicelib.storage.aws import client
        from chalicelib.storage.tables import create_tables
        from chalicelib.wiring import desk

        dynamodb = client("dynamodb")
        create_tables(get_settings(), dynamodb)
        seed_defaults(desk().config_service)
        token = mint_token(get_settings(), "bench.agent", "agent", ttl_seconds=3600)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        with Client(app, stage_name="dev") as test_client:
            number = test_client.http.post("/tickets", headers=headers, body=BODY).json_body["number"]
        tables = []
        for name in dynamodb.list_tables()["TableNames"]:
            described = dynamodb.describe_table(TableName=name)["Table"]
            spec: dict[str, Any] = {
                "TableName": name,
                "BillingMode": "PAY_PER_REQUEST",
                "KeySchema": described["KeySchema"],
                "AttributeDefinitions": described["AttributeDefinitions"],
            }
            gsis = [
                {"IndexName": g["IndexName"], "KeySchema": g["KeySchema"], "Projection": g["Projection"]}
                for g in described.get("GlobalSecondaryIndexes", [])
            ]
            if gsis:
                spec["GlobalSecondaryIndexes"] = gsis
            items = [item for page in dynamodb.get_paginator("scan").paginate(TableName=name) for item in page["Items"]]
            tables.append({"spec": spec, "items": items})
    snapshot.write_text(json.dumps({"token": token, "number": number, "tables": tables}))


def _restore(state: dict[str, Any]) -> None:
    import boto3

    dynamodb = boto3.session.Session().client("dynamodb", region_name="us-east-1")
    for table in state["tables"]:
        dynamodb.create_table(**table["spec"])
        for item in table["items"]:
            dynamodb.put_item(TableName=table["spec"]["TableName"], Item=item)


def _compiled_app(target: Path) -> Path:
    """A copy of ``app.py`` and ``chalicelib/`` with each module's bytecode beside it, compiled as
    ``make package`` compiles the deployment package's (:func:`infra.package.bytecode`)."""
    from infra.package import bytecode

    shutil.copy2(ROOT / "app.py", target / "app.py")
    shutil.copytree(ROOT / "chalicelib", target / "chalicelib", ignore=shutil.ignore_patterns("__pycache__"))
    for module in [target / "app.py", *(target / "chalicelib").rglob("*.py")]:
        entry = module.relative_to(target).as_posix()
        cached, compiled = bytecode(entry, module.read_bytes())
        (target / cached).parent.mkdir(exist_ok=True)
        (target / cached).write_bytes(compiled)
    return target


def _app_root() -> str:
    """Where a sample imports the app from: the compiled copy (``DESK_BENCH_APP``)."""
    return os.environ.get("DESK_BENCH_APP") or str(ROOT)


def _sample(family: str, snapshot: Path) -> None:
    """One fresh process: restore, then time init, the first request and warm requests."""
    from moto import mock_aws

    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, _app_root())
    state = json.loads(snapshot.read_text())
    method, path, opens = FAMILIES[family]
    path = path.format(number=state["number"])
    headers = {"Authorization": f"Bearer {state['token']}", "Content-Type": "application/json"}
    with mock_aws():
        _restore(state)
        from chalice.test import Client  # the harness, not the desk: not timed

        started, cpu = time.perf_counter(), time.process_time()
        import app

        init, init_cpu = time.perf_counter() - started, time.process_time() - cpu
        with Client(app.app, stage_name="dev") as test_client:
            times, cpus = [], []
            for _ in range(1 + WARM_REQUESTS):
                started, cpu = time.perf_counter(), time.process_time()
                response = test_client.http.request(method, path, headers=headers, body=BODY.encode() if opens else b"")
                times.append(time.perf_counter() - started)
                cpus.append(time.process_time() - cpu)
                if response.status_code >= 300:
                    raise SystemExit(f"{method} {path} answered {response.status_code}: {response.body!r}")
    figures = {"init": init, "first": times[0], "warm": statistics.median(times[1:])}
    figures.update({"init_cpu": init_cpu, "first_cpu": cpus[0], "warm_cpu": statistics.median(cpus[1:])})
    print(json.dumps(figures))


# -- in the bench process ----------------------------------------------------------------------


def _function_family(family: str) -> dict[str, str]:
    """The ``DESK_API_FAMILY`` of the function that serves ``family`` on Lambda, if it has one."""
    from infra.stack import API_SPLITS

    return {"DESK_API_FAMILY": family} if family in {f for _, f, _ in API_SPLITS.values()} else {}


def _run_sample(family: str, snapshot: Path, warmup: bool, app_root: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_cold", "--sample", family, str(snapshot)],
        cwd=ROOT,
        env={**_environment(warmup), **_function_family(family), "DESK_BENCH_APP": str(app_root)},
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise RuntimeError(f"cold sample {family} failed:\n{out.stderr[-3000:]}")
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def cold_path(samples: int = 5) -> dict[str, Any]:
    """Per family, medians in ms: init, first, warm, first - warm, init + first, and init + first
    against the same without the warm-up (``DESK_WARMUP=0``); then the process's CPU time."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        snapshot = Path(tmp) / "snapshot.json"
        app_root = _compiled_app(Path(tmp))
        subprocess.run(
            [sys.executable, "-m", "bench.bench_cold", "--prepare", str(snapshot)],
            cwd=ROOT,
            env=_environment(True),
            check=True,
            capture_output=True,
        )
        for family in FAMILIES:
            _run_sample(family, snapshot, True, app_root)  # file system cache
            runs: dict[bool, list[dict[str, float]]] = {True: [], False: []}
            for _ in range(samples):
                for warmup in (False, True):
                    runs[warmup].append(_run_sample(family, snapshot, warmup, app_root))
            medians = {
                warmup: {k: statistics.median(r[k] for r in rows) * 1000 for k in ("init", "first", "warm")}
                for warmup, rows in runs.items()
            }
            lazy_total = statistics.median((r["init"] + r["first"]) * 1000 for r in runs[False])
            total = statistics.median((r["init"] + r["first"]) * 1000 for r in runs[True])
            now = medians[True]
            out[f"{family}_init_ms"] = now["init"]
            out[f"{family}_first_ms"] = now["first"]
            out[f"{family}_warm_ms"] = now["warm"]
            out[f"{family}_first_minus_warm_ms"] = now["first"] - now["warm"]
            out[f"{family}_init_plus_first_ms"] = total
            out[f"{family}_lazy_init_plus_first_ms"] = lazy_total
            out[f"{family}_lazy_first_minus_warm_ms"] = medians[False]["first"] - medians[False]["warm"]
            out[f"{family}_init_plus_first_vs_lazy"] = total / lazy_total
            # The same in CPU time of the process, steadier than wall time on a shared machine.
            cpu = {
                warmup: statistics.median((r["init_cpu"] + r["first_cpu"]) * 1000 for r in rows)
                for warmup, rows in runs.items()
            }
            out[f"{family}_cpu_first_minus_warm_ms"] = statistics.median(
                (r["first_cpu"] - r["warm_cpu"]) * 1000 for r in runs[True]
            )
            out[f"{family}_cpu_init_plus_first_ms"] = cpu[True]
            out[f"{family}_cpu_lazy_init_plus_first_ms"] = cpu[False]
    return out


def run() -> dict[str, Any]:
    return cold_path()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--prepare"]:
        _prepare(Path(sys.argv[2]))
    elif sys.argv[1:2] == ["--sample"]:
        _sample(sys.argv[2], Path(sys.argv[3]))
    else:
        for name, value in run().items():
            print(f"{name:48s} {value:10.3f}" if isinstance(value, float) else f"{name:48s} {value:>10}")
