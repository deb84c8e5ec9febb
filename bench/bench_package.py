"""The Lambda deployment package: its zipped and unzipped size, and what takes the room.

Built with ``chalice package --stage dev`` (Chalice fetches manylinux wheels for ``requirements.txt``
from PyPI). The build runs on a copy of the app's sources in a temporary directory, so Chalice's
package cache (``.chalice/deployments/``) is not written into the working tree. If Chalice cannot
build the package here, the fallback installs ``requirements.txt`` with pip into a temporary target,
adds ``app.py`` and ``chalicelib/``, and zips that; ``method`` says which one ran (1 = chalice
package, 2 = pip fallback). AWS Lambda's limits (50 MB zipped upload, 250 MB unzipped) are reported
alongside as reference figures.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
LAMBDA_ZIPPED_LIMIT_MB = 50.0
LAMBDA_UNZIPPED_LIMIT_MB = 250.0
LARGEST = 5
#: What the deployment package is built from: the app, its package and the stage configuration.
SOURCES = ("app.py", "chalicelib", "requirements.txt", ".chalice/config.json")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache")


def _copy_sources(target: Path) -> None:
    target.mkdir(parents=True)
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=IGNORED)
        else:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    for policy in (ROOT / ".chalice").glob("policy-*.json"):
        shutil.copy2(policy, target / ".chalice" / policy.name)


def _chalice_package(work: Path) -> Path:
    """``deployment.zip`` from ``chalice package``; raises CalledProcessError if Chalice fails."""
    source = work / "app"
    _copy_sources(source)
    chalice = Path(sys.executable).with_name("chalice")
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    out = work / "package"
    subprocess.run(
        [str(chalice), "package", "--stage", "dev", str(out)],
        cwd=source,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out / "deployment.zip"


def _pip_package(work: Path) -> Path:
    """The fallback: requirements installed with pip into a target directory, the app added, zipped."""
    target = work / "fallback"
    requirements = str(ROOT / "requirements.txt")
    install = [sys.executable, "-m", "pip", "install", "--quiet", "-r", requirements, "--target", str(target)]
    subprocess.run(install, check=True, capture_output=True, text=True)
    shutil.copy2(ROOT / "app.py", target / "app.py")
    shutil.copytree(ROOT / "chalicelib", target / "chalicelib", ignore=IGNORED)
    archive = work / "deployment.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(target.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                bundle.write(path, path.relative_to(target).as_posix())
    return archive


def _top_level_name(entry: str) -> str:
    """The top-level package an archive entry belongs to (``six.py`` and ``_x.cpython-311.so`` too)."""
    head, _, rest = entry.partition("/")
    return head if rest else head.split(".", 1)[0]


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()


def measure(archive: Path) -> dict[str, float]:
    with zipfile.ZipFile(archive) as bundle:
        entries = [info for info in bundle.infolist() if not info.is_dir()]
    unzipped = sum(info.file_size for info in entries)
    by_package: Counter[str] = Counter()
    for info in entries:
        by_package[_top_level_name(info.filename)] += info.file_size
    zipped = archive.stat().st_size
    out: dict[str, float] = {
        "zip_bytes": zipped,
        "zip_mb": zipped / MB,
        "unzipped_bytes": unzipped,
        "unzipped_mb": unzipped / MB,
        "files": len(entries),
        "app_code_mb": (by_package["chalicelib"] + by_package["app"]) / MB,
        "lambda_limit_zip_mb": LAMBDA_ZIPPED_LIMIT_MB,
        "lambda_limit_unzipped_mb": LAMBDA_UNZIPPED_LIMIT_MB,
        "zip_share_of_limit": zipped / MB / LAMBDA_ZIPPED_LIMIT_MB,
        "unzipped_share_of_limit": unzipped / MB / LAMBDA_UNZIPPED_LIMIT_MB,
    }
    for rank, (name, size) in enumerate(by_package.most_common(LARGEST), start=1):
        out[f"largest_{rank}_{_key(name)}_mb"] = size / MB
    return out


def run() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="desk-package-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        try:
            archive, method = _chalice_package(work), 1.0
        except subprocess.CalledProcessError as failure:
            print(f"chalice package failed ({failure.returncode}); using the pip fallback", file=sys.stderr)
            print(failure.stderr[-2000:], file=sys.stderr)
            archive, method = _pip_package(work), 2.0
        seconds = time.perf_counter() - started
        return {"method": method, "build_seconds": seconds, **measure(archive)}


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name:48s} {value:14.3f}" if isinstance(value, float) else f"{name:48s} {value:>14}")
