"""``make package STAGE=...``: the stage's template and deployment package in ``build/<stage>/``.

``chalice package --stage <stage> --merge-template`` merges :mod:`infra.stack`'s template into
Chalice's (one template per stage holding everything), then the package is trimmed of what the
Lambda Python runtime already provides: ``boto3``, ``botocore``, ``s3transfer`` and ``jmespath``
(``pynamodb`` pulls ``botocore`` in; the desk runs on the runtime's copies, which the runtime
keeps patched), and the desk's own modules get their bytecode beside them. ``build/<stage>/``
then holds ``template.json`` beside ``deployment.zip``, ready for ``sam deploy`` (``make deploy``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from infra.stack import STAGES, merge_template, split_api

ROOT = Path(__file__).resolve().parent.parent
#: Top-level packages the Lambda Python runtime provides, left out of the package.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath")


def _runtime_provided(entry: str) -> bool:
    head = entry.split("/", 1)[0]
    name = head.split("-", 1)[0] if head.endswith((".dist-info", ".egg-info")) else head
    return name.lower() in RUNTIME_PROVIDED


def _desk_module(entry: str) -> bool:
    return entry.endswith(".py") and (entry == "app.py" or entry.startswith("chalicelib/"))


def bytecode(entry: str, source: bytes) -> tuple[str, bytes]:
    """The ``__pycache__`` entry of one module and its bytecode, compiled by this interpreter as
    an unchecked-hash ``.pyc``: Python loads it without comparing it with the source's time
    stamp, which a zip does not keep exactly (a checked one would be found stale and compiled
    again on every cold start, in a read-only directory)."""
    import importlib.util
    from importlib._bootstrap_external import _code_to_hash_pyc  # type: ignore[attr-defined]

    code = compile(source, entry, "exec", dont_inherit=True, optimize=0)
    cached = importlib.util.cache_from_source(entry)
    return cached, bytes(_code_to_hash_pyc(code, importlib.util.source_hash(source), checked=False))


def trim(source: Path, target: Path) -> list[str]:
    """Copy the zip at ``source`` to ``target`` without the runtime's packages, the desk's own
    modules beside their bytecode (:func:`bytecode`: a cold start then compiles none of them);
    returns what was left out."""
    left_out: set[str] = set()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if _runtime_provided(info.filename):
                left_out.add(info.filename.split("/", 1)[0])
                continue
            data = src.read(info.filename)
            dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
            if _desk_module(info.filename):
                cached, compiled = bytecode(info.filename, data)
                dst.writestr(zipfile.ZipInfo(cached, info.date_time), compiled, compress_type=zipfile.ZIP_DEFLATED)
    return sorted(left_out)


def check_runtime(template: dict[str, Any]) -> None:
    """The functions run the Python this package's bytecode was compiled by (``python3.11``)."""
    wanted = f"python{sys.version_info.major}.{sys.version_info.minor}"
    runtimes = {r["Properties"].get("Runtime") for r in template["Resources"].values()
                if r.get("Type") == "AWS::Serverless::Function" and "Runtime" in r.get("Properties", {})}
    if runtimes - {wanted}:
        raise SystemExit(f"the functions run {sorted(runtimes)}, the bytecode is {wanted}'s: package with that Python")


def _template_project(target: Path) -> Path:
    """A copy of the app without its requirements: the template does not depend on them, and
    Chalice then builds no dependency layer (offline, in seconds)."""
    shutil.rmtree(target, ignore_errors=True)
    ignored = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "chalicelib", target / "chalicelib", ignore=ignored)
    shutil.copy2(ROOT / "app.py", target / "app.py")
    (target / ".chalice").mkdir()
    for config in (ROOT / ".chalice").glob("*.json"):
        shutil.copy2(config, target / ".chalice" / config.name)
    (target / "requirements.txt").write_text("")
    return target


def build(stage: str, out: Path, template_only: bool = False) -> dict[str, Any]:
    """Build the stage's template and package into ``out``; returns what was built
    (``template_only``: the template alone, for the offline checks)."""
    out.mkdir(parents=True, exist_ok=True)
    merge = out / "merge.json"
    env = {**os.environ, "DESK_STAGE": stage, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    env.pop("DESK_LOCAL", None)
    env.pop("JWT_HS256_SECRET", None)
    merge.write_text(json.dumps(merge_template(stage), indent=2) + "\n")
    chalice_out = out / "chalice"
    shutil.rmtree(chalice_out, ignore_errors=True)
    chalice = Path(sys.executable).with_name("chalice")
    project = _template_project(out / "project") if template_only else ROOT
    subprocess.run(
        [str(chalice), "package", "--stage", stage, "--merge-template", str(merge), str(chalice_out)],
        cwd=project, env=env, check=True,
    )
    if template_only:
        shutil.rmtree(project)
    left_out = [] if template_only else trim(chalice_out / "deployment.zip", out / "deployment.zip")
    template = split_api(json.loads((chalice_out / "sam.json").read_text()))
    check_runtime(template)
    (out / "template.json").write_text(json.dumps(template, indent=2) + "\n")
    shutil.rmtree(chalice_out)
    merge.unlink()
    return {"template": out / "template.json", "package": out / "deployment.zip", "left_out": left_out}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build one stage's template and package")
    parser.add_argument("--stage", required=True, choices=STAGES)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--template-only", action="store_true", help="build the template alone")
    args = parser.parse_args(argv)
    built = build(args.stage, args.out or ROOT / "build" / args.stage, args.template_only)
    if args.template_only:
        print(built["template"])
        return 0
    package = Path(str(built["package"]))
    with zipfile.ZipFile(package) as bundle:
        unzipped = sum(i.file_size for i in bundle.infolist())
    print(f"{built['template']}")
    print(f"{package}: {package.stat().st_size / 2**20:.1f} MB zipped, {unzipped / 2**20:.1f} MB unzipped "
          f"(left to the runtime: {', '.join(str(x) for x in built['left_out'])})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
