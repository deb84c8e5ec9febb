"""The pages' files: vendored modules match their manifest, nothing inline or evaluated, the
whole UI stays small; attachments' rules; the banner's sources."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from chalicelib.domain.attachments import check_upload, parse_key, safe_filename
from chalicelib.domain.errors import ValidationFailed
from chalicelib.services.portal import KnownBroken, KnownIssue
from tests.unit.fakes import FakeClock

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "chalicelib" / "web"


@pytest.mark.parametrize("folder", [WEB / "vendor", ROOT / "tests" / "browser" / "vendor"])
def test_every_vendored_module_matches_its_manifest(folder: Path) -> None:
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    listed = {m["file"] for m in manifest["modules"]}
    assert listed == {p.name for p in folder.iterdir() if p.suffix in (".js", ".css")}
    for module in manifest["modules"]:
        assert hashlib.sha256((folder / module["file"]).read_bytes()).hexdigest() == module["sha256"]
        assert module["version"] in module["file"] and module["tarball_integrity"].startswith("sha512-")


def test_the_pages_have_no_inline_script_no_eval_and_no_markup_from_text() -> None:
    page = (WEB / "index.html").read_text()
    assert re.findall(r"<script[^>]*>", page) == ['<script type="module" src="ui/app.js">']
    assert " on" not in re.sub(r"<noscript>.*</noscript>", "", page, flags=re.S).split("<body>")[1].lower()
    for script in WEB.glob("*.js"):
        text = script.read_text()
        for word in ("innerHTML", "eval(", "new Function", "localStorage.", "document.write"):
            assert word not in text, f"{script.name} uses {word}"


def test_the_ui_adds_well_under_a_megabyte() -> None:
    total = sum(p.stat().st_size for p in WEB.rglob("*") if p.is_file())
    assert total < 400_000, total  # "well under 1 MB": the pages stay a small part of the package


def test_stored_file_names_are_plain() -> None:
    assert safe_filename("Fehlerprotokoll März.txt") == "Fehlerprotokoll_Marz.txt"
    assert safe_filename("../../etc/passwd") == "etc_passwd"
    assert safe_filename("...") == "file"
    long = safe_filename("a" * 300 + ".pdf")
    assert len(long) == 120 and long.endswith(".pdf")


def test_an_upload_is_checked_on_every_field_at_once() -> None:
    assert check_upload("shot.PNG", "image/png", 10, 100) == "shot.PNG"
    with pytest.raises(ValidationFailed) as refused:
        check_upload("shot.svg", "image/svg+xml", 0, 100)
    assert {p["field"] for p in refused.value.errors} == {"content_type", "size"}


def test_only_keys_of_the_ticket_are_its_attachments() -> None:
    good = "tickets/INC-000001/" + "a" * 32 + "/log.txt"
    assert parse_key("INC-000001", good) == ("a" * 32, "log.txt")
    assert parse_key("INC-000002", good) is None
    assert parse_key("INC-000001", "tickets/INC-000001/short/log.txt") is None
    assert parse_key("INC-000001", "tickets/INC-000001/" + "a" * 32 + "/x/y.txt") is None


def test_the_banner_joins_its_sources_and_reads_them_once_per_interval() -> None:
    clock = FakeClock(datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc))
    calls: list[datetime] = []

    def incidents(now: datetime) -> list[KnownIssue]:
        calls.append(now)
        return [KnownIssue("major_incident", "vpn", "VPN", "VPN is down.", now - timedelta(hours=1))]

    def known_errors(now: datetime) -> list[KnownIssue]:
        words = "Email: attachments over 10 MB bounce."
        return [KnownIssue("known_error", "email", "Email", words, now - timedelta(days=3))]

    banner = KnownBroken([incidents, known_errors], clock, cache_seconds=30)
    assert [i.service for i in banner.issues()] == ["email", "vpn"]  # oldest first
    clock.advance(seconds=10)
    banner.issues()
    assert len(calls) == 1
    clock.advance(seconds=30)
    banner.issues()
    assert len(calls) == 2
