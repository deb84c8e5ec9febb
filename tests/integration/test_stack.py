"""The stage templates ``make package`` builds: valid for CloudFormation (cfn-lint, offline),
every function wired to the stack's own resources, nothing typed by hand."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from chalicelib.config import get_settings
from chalicelib.storage.tables import stage_tables
from infra.package import build, trim
from infra.stack import API_SPLITS, STAGES, function_names, merge_template, table_variables
from tests.conftest import ROOT

pytestmark = pytest.mark.usefixtures("aws")


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each stage's template as ``chalice package --merge-template`` builds it (no package)."""
    out = tmp_path_factory.mktemp("build")
    return {stage: Path(build(stage, out / stage, template_only=True)["template"]) for stage in STAGES}


def test_every_stage_template_passes_cfn_lint(templates: dict[str, Path]) -> None:
    from cfnlint.api import lint_file

    for stage, path in templates.items():
        matches = lint_file(path)
        assert matches == [], f"{stage}: " + "\n".join(str(m) for m in matches)


def _resources(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text())["Resources"])


def test_every_function_reads_the_stacks_own_tables_queue_and_topic(templates: dict[str, Path]) -> None:
    resources = _resources(templates["prod"])
    tables = table_variables(resources)
    assert len(tables) == len(stage_tables(get_settings()))  # every table the desk knows
    for logical in function_names():
        variables = resources[logical]["Properties"]["Environment"]["Variables"]
        for name, ref in tables.items():
            assert variables[name] == ref, (logical, name)
        assert variables["NOTICES_QUEUE_URL"] == {"Ref": "NoticesQueue"}
        assert variables["ALERTS_TOPIC_ARN"] == {"Ref": "AlertsTopic"}
        assert variables["DESK_STAGE"] == "prod"
        assert "JWT_HS256_SECRET" not in variables and "DESK_LOCAL" not in variables


def test_the_api_functions_have_one_whole_vcpu(templates: dict[str, Path]) -> None:
    """1,769 MB is one vCPU: the cold path and latency figures are measured on one core, and the
    app (about 60 MB) with a 1,000,000-weight model (about 140 MB more) fits; the other functions
    keep Lambda's 128 MB."""
    for stage, path in templates.items():
        resources = _resources(path)
        memory = {logical: r["Properties"].get("MemorySize") for logical, r in resources.items()
                  if r.get("Type") == "AWS::Serverless::Function"}
        assert memory.pop("APIHandler") == memory.pop("AdminAPIHandler") == 1769, stage
        assert set(memory.values()) == {128}, stage


def test_the_admin_routes_have_an_api_function_of_their_own(templates: dict[str, Path]) -> None:
    """Every admin route (its CORS preflight too) goes to ``AdminAPIHandler``, every other route
    to ``APIHandler``; the two functions differ only in their name and their family."""
    resources = _resources(templates["prod"])
    assert list(API_SPLITS) == ["AdminAPIHandler"]
    targets: dict[tuple[str, str], str] = {}
    for path, methods in resources["RestAPI"]["Properties"]["DefinitionBody"]["paths"].items():
        for method, operation in methods.items():
            uri = operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
            targets[(path, method)] = uri.rsplit("${", 1)[1].split(".Arn}")[0]
    admin = {key for key in targets if key[0].startswith("/admin/")}
    assert ("/admin/sla-policies", "put") not in admin and ("/admin/sla-policies/{name}", "put") in admin
    assert ("/admin/kinds", "options") in admin
    assert {targets[key] for key in admin} == {"AdminAPIHandler"}
    assert {targets[key] for key in targets.keys() - admin} == {"APIHandler"}
    main, clone = resources["APIHandler"]["Properties"], resources["AdminAPIHandler"]["Properties"]
    assert clone["Environment"]["Variables"] == {**main["Environment"]["Variables"], "DESK_API_FAMILY": "admin"}
    assert clone["FunctionName"] == {"Fn::Sub": "desk-${Stage}-api-admin"}
    assert {k: v for k, v in clone.items() if k not in ("Environment", "FunctionName")} == {
        k: v for k, v in main.items() if k not in ("Environment", "FunctionName")}
    assert resources["AdminAPIHandlerInvokePermission"]["Properties"]["FunctionName"] == {"Ref": "AdminAPIHandler"}
    statements = resources["ApiHandlerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    logs = next(s["Resource"] for s in statements if "logs:PutLogEvents" in s["Action"])
    assert {"Fn::GetAtt": ["AdminAPIHandlerLogGroup", "Arn"]} in logs


@pytest.mark.parametrize("stage", STAGES)
def test_the_stack_names_its_tables_as_the_settings_do(stage: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the environment the template gives, a stage's settings still find its tables
    (the command line's ``--stage``): the same names on both sides."""
    for name in table_variables(merge_template(stage)["Resources"]):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DESK_STAGE", stage)
    get_settings.cache_clear()
    declared = {
        r["Properties"]["TableName"]["Fn::Sub"].replace("${Stage}", stage)
        for r in merge_template(stage)["Resources"].values()
        if r.get("Type") == "AWS::DynamoDB::Table"
    }
    assert declared == set(stage_tables(get_settings()).values())
    get_settings.cache_clear()


def test_the_stage_configuration_holds_no_secret_and_no_resource_name() -> None:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    for stage in config["stages"].values():
        variables = stage.get("environment_variables", {})
        assert not {n for n in variables if n.endswith(("_TABLE", "_SECRET", "_ARN", "_URL")) and variables[n]}
        assert not {n for n in variables if "SECRET" in n or "WEBHOOK" in n or n == "NOTICES_QUEUE_NAME"}


def test_the_package_leaves_the_runtimes_sdk_out(tmp_path: Path) -> None:
    source, target = tmp_path / "in.zip", tmp_path / "out.zip"
    with zipfile.ZipFile(source, "w") as bundle:
        for name in ("botocore/client.py", "botocore-1.44.8.dist-info/METADATA", "boto3/__init__.py",
                     "jmespath/lexer.py", "pynamodb/models.py", "chalicelib/app.py", "botocore_extra.py"):
            bundle.writestr(name, "x")
    assert trim(source, target) == ["boto3", "botocore", "botocore-1.44.8.dist-info", "jmespath"]
    with zipfile.ZipFile(target) as bundle:
        assert sorted(bundle.namelist()) == [
            "botocore_extra.py", "chalicelib/__pycache__/app.cpython-311.pyc", "chalicelib/app.py",
            "pynamodb/models.py",
        ]


def test_the_desks_modules_ship_with_bytecode_python_loads_unchecked(tmp_path: Path) -> None:
    """A cold start compiles none of the desk's modules: each has an unchecked-hash ``.pyc``
    (valid whatever time stamp the zip gives the source), which runs as the source does."""
    import importlib.util

    source, target = tmp_path / "in.zip", tmp_path / "out.zip"
    with zipfile.ZipFile(source, "w") as bundle:
        bundle.writestr("chalicelib/shape.py", "SIDES = 3 * 2\n")
    trim(source, target)
    with zipfile.ZipFile(target) as bundle:
        bundle.extractall(tmp_path / "task")
    pyc = tmp_path / "task" / "chalicelib" / "__pycache__" / "shape.cpython-311.pyc"
    flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
    assert flags == 0b01  # hash-based, not checked against the source
    (tmp_path / "task" / "chalicelib" / "shape.py").write_text("SIDES = 0\n")  # never read again
    spec = importlib.util.spec_from_file_location("shape", tmp_path / "task" / "chalicelib" / "shape.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.SIDES == 6
