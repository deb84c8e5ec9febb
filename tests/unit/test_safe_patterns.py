"""Document patterns are of a restricted, linear kind, and run on a bounded part of the text."""

from __future__ import annotations

import pytest

from chalicelib.domain.catalog.documents import Service
from chalicelib.domain.catalog.text import FoldedText
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.intake import ClassificationRule
from chalicelib.domain.validation import PATTERN_TEXT_LIMIT, unsafe_pattern

CATASTROPHIC = [
    r"^(a+)+$",
    r"(a|ab)*c",
    r"^(\w+\s?)*$",
    r"(.*a){12}",
    r"(?:a?)+b",
    r"a*a*a*a*a*b",
    r"\w+\d+x",
    r"(x)\1",
    r"(?:ab|a)+$",
    r"(?:(?:a|b)(?:a|b)?)+$",
]
SAFE = [
    r"(?i)\bvpn\b",
    r"(?i)archive\s+down",
    r"(?i)\bbreach",
    r".*vpn.*",
    r"\d+\s+\w+",
    r"(\d{3})+",
    r"(?:ab|cd)+",
    r"(?i)^(?:re|aw|fwd?):\s*",
    r"[A-Z]{3}-\d{6}",
]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_catastrophic_patterns_are_refused(pattern: str) -> None:
    assert unsafe_pattern(pattern) is not None


@pytest.mark.parametrize("pattern", SAFE)
def test_ordinary_patterns_are_accepted(pattern: str) -> None:
    assert unsafe_pattern(pattern) is None


def test_a_rule_with_a_catastrophic_pattern_is_refused_naming_it() -> None:
    with pytest.raises(ValidationFailed) as exc:
        ClassificationRule.from_dict({"name": "slow", "pattern": "^(a+)+$", "set": {"type": "incident"}})
    errors = {e["field"]: e["reason"] for e in exc.value.errors}
    assert "exponential" in errors["pattern"]


def test_a_service_with_a_catastrophic_pattern_is_refused_naming_it() -> None:
    doc = {
        "name": "vpn",
        "title": "Remote access VPN",
        "description": "VPN client and remote access.",
        "support_group": "network",
        "patterns": [r"(?i)\bvpn\b", r"^(a+)+$"],
    }
    with pytest.raises(ValidationFailed) as exc:
        Service.from_dict(doc)
    assert "patterns[1]" in {e["field"] for e in exc.value.errors}


def test_patterns_run_on_the_start_of_the_text_only() -> None:
    import re

    needle = re.compile("needle")
    assert FoldedText("a needle here").search(needle)
    assert not FoldedText("a" * PATTERN_TEXT_LIMIT + " needle").search(needle)
    # The terms still see the whole text.
    assert FoldedText("a" * PATTERN_TEXT_LIMIT + " needle").contains("needle")


def test_every_shipped_pattern_is_safe() -> None:
    from chalicelib.domain.catalog.defaults import default_catalog

    for service in default_catalog():
        for pattern in service["patterns"] if isinstance(service, dict) else service.patterns:
            assert unsafe_pattern(pattern) is None, pattern
