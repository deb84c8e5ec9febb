"""The Lambda deployment package: its zipped and unzipped size, and what takes the room.

Built as ``make package`` builds it (:mod:`infra.package`: ``chalice package --stage dev``, which
fetches manylinux wheels for ``requirements.txt``, then the runtime's own boto3/botocore left out),
into a temporary directory. If Chalice cannot
build the package here, the fallback installs ``requirements.txt`` with pip into a temporary target,
adds ``app.py`` and ``chalicelib/``, and zips that; ``method`` says which one ran (1 = chalice
package, 2 = pip fallback). AWS Lambda's limits (50 MB zipped upload, 250 MB unzipped) are reported
alongside as reference figures.
"""

from __future__ import annotations

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
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache")


def _chalice_package(work: Path) -> Path:
    """``deployment.zip`` as ``make package`` builds it (``chalice package``, then trimmed of the
    runtime's boto3/botocore); raises CalledProcessError if Chalice fails."""
    from infra.package import build

    built = build("dev", work / "package")
    return Path(str(built["package"]))


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
