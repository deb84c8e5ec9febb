"""The document validation helper: one collector naming every problem, and the shared field readers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib.domain import validation as check
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.validation import PATTERN_MAX_LENGTH, Problems


def reported(problems: Problems) -> list[tuple[str, str]]:
    return [(e["field"], e["reason"]) for e in problems.errors]


# -- the collector ----------------------------------------------------------------------------


def test_check_names_every_problem_at_once_in_the_order_found() -> None:
    problems = Problems()
    problems.fail("name", "is required")
    problems.fail("keywords[2]", "must be a non-empty string")
    problems.fail("version", "must be an integer of at least 1")
    with pytest.raises(ValidationFailed) as exc:
        problems.check()
    assert exc.value.errors == [
        {"field": "name", "reason": "is required"},
        {"field": "keywords[2]", "reason": "must be a non-empty string"},
        {"field": "version", "reason": "must be an integer of at least 1"},
    ]
    assert exc.value.message == "name: is required"
    assert exc.value.field == "name"


def test_check_passes_without_problems() -> None:
    problems = Problems()
    problems.check()
    assert len(problems) == 0 and problems.errors == []


def test_a_nested_view_prefixes_its_paths_and_shares_the_problems() -> None:
    problems = Problems()
    step = problems.at("steps[0]")
    step.fail("on", "is required")
    step.at("actions[1]").fail("page", "must be a recipient")
    problems.fail("name", "is required")
    assert len(problems) == len(step) == 3
    assert reported(problems) == [
        ("steps[0].on", "is required"),
        ("steps[0].actions[1].page", "must be a recipient"),
        ("name", "is required"),
    ]


def test_absorb_files_a_nested_documents_problems_under_its_place() -> None:
    problems = Problems()
    problems.at("directory").absorb(ValidationFailed([{"field": "title", "reason": "is required"}]), "services[3]")
    assert reported(problems) == [("directory.services[3].title", "is required")]


def test_the_errors_property_is_a_copy() -> None:
    problems = Problems()
    problems.fail("a", "b")
    problems.errors.clear()
    assert len(problems) == 1


# -- whole documents --------------------------------------------------------------------------


def test_require_mapping_raises_at_once_for_a_non_object() -> None:
    assert check.require_mapping({"a": 1}, "rule") == {"a": 1}
    with pytest.raises(ValidationFailed) as exc:
        check.require_mapping(["a"], "rule")
    assert exc.value.errors == [{"field": "rule", "reason": "must be an object"}]


def test_unknown_fields_are_reported_sorted_with_an_optional_reason() -> None:
    problems = Problems()
    check.unknown_fields({"name": "x", "zeta": 1, "alpha": 2}, {"name"}, problems)
    check.unknown_fields({"colour": 1}, ("type",), problems, "unknown field; use type")
    assert reported(problems) == [
        ("alpha", "unknown field"),
        ("zeta", "unknown field"),
        ("colour", "unknown field; use type"),
    ]


@dataclass(frozen=True)
class Thing:
    name: str

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Thing:
        doc = check.require_mapping(doc, "thing")
        problems = Problems()
        name = check.name(doc.get("name"), "name", problems)
        problems.check()
        assert name is not None
        return cls(name)


def test_named_documents_reports_each_under_its_index_and_duplicates_by_position() -> None:
    problems = Problems()
    docs = [{"name": "a"}, {"name": "Bad"}, {"name": "a"}, "x", {"name": "b"}]
    parsed = check.named_documents(docs, "things", Thing.from_dict, problems)
    assert parsed == {0: Thing("a"), 4: Thing("b")}
    assert reported(problems) == [
        ("things[1].name", "'Bad' is not a name: use lowercase letters, digits and '-' (at most 63)"),
        ("things[2].name", "duplicates things[0]"),
        ("things[3].thing", "must be an object"),
    ]


def test_named_documents_checks_each_kept_document_in_its_place() -> None:
    problems = Problems()

    def references(thing: Thing, here: Problems) -> None:
        if thing.name != "a":
            here.fail("name", "unknown")

    check.named_documents([{"name": "b"}, {}, {"name": "a"}], "things", Thing.from_dict, problems, each=references)
    assert reported(problems) == [("things[0].name", "unknown"), ("things[1].name", "is required")]


def test_named_documents_needs_a_list() -> None:
    problems = Problems()
    assert check.named_documents("abc", "things", Thing.from_dict, problems) == {}
    assert reported(problems) == [("things", "must be a list")]


# -- field readers ----------------------------------------------------------------------------


def test_name_required_optional_and_invalid() -> None:
    problems = Problems()
    assert check.name("vpn-2", "name", problems) == "vpn-2"
    assert check.name(None, "name", problems) is None
    assert check.name(None, "escalation_group", problems, required=False) is None
    assert check.name("VPN", "lead", problems) is None
    assert check.name(3, "lead", problems) is None
    assert check.name("a" * 64, "lead", problems) is None
    assert reported(problems) == [
        ("name", "is required"),
        ("lead", "'VPN' is not a name: use lowercase letters, digits and '-' (at most 63)"),
        ("lead", "3 is not a name: use lowercase letters, digits and '-' (at most 63)"),
        ("lead", f"{'a' * 64!r} is not a name: use lowercase letters, digits and '-' (at most 63)"),
    ]


def test_name_with_another_pattern_and_reasons() -> None:
    problems = Problems()
    pattern = check.DOCUMENT_NAME_PATTERN
    assert check.name("Default_1.x", "name", problems, pattern=pattern) == "Default_1.x"
    assert check.name("bad name", "name", problems, pattern=pattern, reason=check.DOCUMENT_NAME_REASON) is None
    assert check.name(None, "rule", problems, missing="is required: a name", reason="is required: a name") is None
    assert reported(problems) == [
        ("name", "must be 1-100 characters: letters, digits, '_', '-', '.'"),
        ("rule", "is required: a name"),
    ]


def test_text_bounded_required_and_optional() -> None:
    problems = Problems()
    assert check.text("Remote access", "title", problems, required=True) == "Remote access"
    assert check.text(None, "title", problems, required=True) is None
    assert check.text("  ", "title", problems, required=True) is None
    assert check.text(5, "title", problems, required=True) is None
    assert check.text("x" * 11, "calendar", problems, required=False, max_length=10) is None
    assert check.text(None, "calendar", problems, required=False) is None
    assert check.text("", "description", problems, required=False) == ""
    assert check.text("x" * 200, "title", problems, required=True) == "x" * 200
    assert reported(problems) == [
        ("title", "is required"),
        ("title", "must be a non-empty string"),
        ("title", "must be a non-empty string"),
        ("calendar", "is longer than 10 characters"),
    ]


def test_string_and_choice() -> None:
    problems = Problems()
    assert check.string("", "description", problems) == ""
    assert check.string(["x"], "description", problems) == ""
    assert check.choice("high", "impact", problems, ("low", "medium", "high")) == "high"
    assert check.choice("huge", "impact", problems, ("low", "medium", "high")) is None
    assert check.choice(None, "impact", problems, ("low",)) is None
    assert reported(problems) == [
        ("description", "must be a string"),
        ("impact", "must be one of low, medium, high"),
        ("impact", "must be one of low"),
    ]


def test_items_reads_each_with_its_indexed_path() -> None:
    problems = Problems()
    seen: list[str] = []

    def read(item: object, path: str) -> int | None:
        seen.append(path)
        return item if isinstance(item, int) else None

    assert check.items([1, "x", 3], "counts", problems, read) == [1, 3]
    assert seen == ["counts[0]", "counts[1]", "counts[2]"]
    assert check.items(None, "counts", problems, read) == []
    assert check.items("123", "counts", problems, read) == []
    assert check.items({"a": 1}, "counts", problems, read, reason="must be a list of counts") == []
    assert reported(problems) == [("counts", "must be a list"), ("counts", "must be a list of counts")]


def test_string_list_names_every_bad_item() -> None:
    problems = Problems()

    def no_digits(item: str) -> str | None:
        return "has digits" if any(c.isdigit() for c in item) else None

    value = ["vpn", "", 3, "x" * 11, "abc1", "tunnel"]
    got = check.string_list(value, "keywords", problems, max_length=10, refuse=no_digits)
    assert got == ("vpn", "tunnel")
    assert check.string_list(None, "aliases", problems) == ()
    assert check.string_list("vpn", "aliases", problems) == ()
    assert check.string_list(["x" * 100], "aliases", problems) == ("x" * 100,)
    assert reported(problems) == [
        ("keywords[1]", "must be a non-empty string"),
        ("keywords[2]", "must be a non-empty string"),
        ("keywords[3]", "is longer than 10 characters"),
        ("keywords[4]", "has digits"),
        ("aliases", "must be a list of strings"),
    ]


def test_name_list_keeps_each_name_once() -> None:
    problems = Problems()
    assert check.name_list(["network", "vpn", "network", "Bad!", None], "groups", problems) == ("network", "vpn")
    assert check.name_list(None, "skills", problems) == ()
    assert check.name_list("network", "skills", problems) == ()
    assert reported(problems) == [
        ("groups[3]", "'Bad!' is not a name: use lowercase letters, digits and '-' (at most 63)"),
        ("groups[4]", "is required"),
        ("skills", "must be a list of names"),
    ]


def test_flag_with_default() -> None:
    problems = Problems()
    assert check.flag(None, "active", problems, True) is True
    assert check.flag(False, "active", problems, True) is False
    assert check.flag("yes", "supported", problems, True) is True
    assert reported(problems) == [("supported", "must be true or false")]


def test_positive_int_with_default_and_reason() -> None:
    problems = Problems()
    assert check.positive_int(None, "version", problems, default=1) == 1
    assert check.positive_int(7, "max_open", problems) == 7
    assert check.positive_int(None, "max_open", problems) == 1
    assert check.positive_int(True, "version", problems, default=3) == 3
    assert check.positive_int(0, "version", problems, reason="must be an integer >= 1") == 1
    assert check.positive_int(2.0, "count", problems) == 1
    assert reported(problems) == [
        ("max_open", "must be an integer of at least 1"),
        ("version", "must be an integer of at least 1"),
        ("version", "must be an integer >= 1"),
        ("count", "must be an integer of at least 1"),
    ]


def test_regex_compiles_safely() -> None:
    problems = Problems()
    compiled = check.regex(r"(?i)\bvpn\b", "patterns[0]", problems)
    assert isinstance(compiled, re.Pattern) and compiled.search("My VPN")
    assert check.regex("", "patterns[1]", problems) is None
    assert check.regex(None, "patterns[2]", problems) is None
    assert check.regex("a" * (PATTERN_MAX_LENGTH + 1), "patterns[3]", problems) is None
    assert check.regex("(unclosed", "pattern", problems) is None
    errors = reported(problems)
    assert errors[:3] == [
        ("patterns[1]", "must be a non-empty regular expression string"),
        ("patterns[2]", "must be a non-empty regular expression string"),
        ("patterns[3]", f"is longer than {PATTERN_MAX_LENGTH} characters"),
    ]
    assert errors[3][0] == "pattern" and errors[3][1].startswith("is not a valid regular expression: ")
