"""Knowledge base articles: standard answers to common questions. Pure, no I/O.

Seed 001 ("Provide Information"): "a standard response to commonly asked questions (FAQ) ... made
online and ... available to all service desk agents", to "define the possible solution to commonly
occurring service issues ... to improve first-call resolution rates". An :class:`Article` is a
versioned document (the desk's configuration store keeps every version): a question, its answer,
the catalog services it concerns and its audience, ``public`` (requesters see it, intake offers
it) or ``internal`` (staff only); ``source`` names the known error or ticket it was made from.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import validation as check
from chalicelib.domain.validation import Problems

PUBLIC = "public"
INTERNAL = "internal"
AUDIENCES = (PUBLIC, INTERNAL)
FIELDS = ("name", "question", "answer", "services", "audience", "source", "version")
QUESTION_MAX = 500
ANSWER_MAX = 20_000


@dataclass(frozen=True)
class Article:
    name: str
    question: str
    answer: str
    services: tuple[str, ...] = ()
    audience: str = PUBLIC
    source: str | None = None

    @property
    def public(self) -> bool:
        return self.audience == PUBLIC

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "question": self.question,
            "answer": self.answer,
            "services": list(self.services),
            "audience": self.audience,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any], services: Collection[str] | None = None) -> Article:
        """Validate an article document (against the catalog's ``services`` when given)."""
        doc = check.require_mapping(doc, "body")
        problems = Problems()
        check.unknown_fields(doc, FIELDS, problems)
        name = check.name(doc.get("name"), "name", problems)
        question = check.text(doc.get("question"), "question", problems, required=True, max_length=QUESTION_MAX)
        answer = check.text(doc.get("answer"), "answer", problems, required=True, max_length=ANSWER_MAX)
        named = check.name_list(doc.get("services"), "services", problems)
        if services is not None:
            for index, service in enumerate(named):
                if service not in services:
                    problems.fail(f"services[{index}]", f"{service} is not a service of the catalog")
        audience = doc.get("audience", PUBLIC)
        check.choice(audience, "audience", problems, AUDIENCES)
        source = check.text(doc.get("source"), "source", problems, required=False, max_length=40)
        problems.check()
        assert name is not None and question is not None and answer is not None
        return cls(name, question, answer, named, str(audience), source)


def slug(text: str, prefix: str = "kb") -> str:
    """An article name from a question or a ticket number: lowercase words joined by ``-``."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    name = "-".join([prefix, *words])[:63].rstrip("-")
    return name or prefix
