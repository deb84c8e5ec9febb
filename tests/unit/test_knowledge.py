"""Knowledge articles: the document and its validation."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.knowledge import Article, slug


def test_an_article_reads_and_round_trips() -> None:
    article = Article.from_dict(
        {"name": "kb-vpn", "question": "VPN drops?", "answer": "Use vpn2", "services": ["vpn"], "audience": "internal"},
        {"vpn"},
    )
    assert not article.public and article.services == ("vpn",)
    assert Article.from_dict(article.to_dict()) == article
    assert Article.from_dict({"name": "kb-x", "question": "q", "answer": "a"}).public


def test_a_bad_article_names_every_field() -> None:
    with pytest.raises(ValidationFailed) as refused:
        Article.from_dict(
            {"name": "Not A Name", "answer": "", "services": ["payroll"], "audience": "all", "x": 1}, {"vpn"}
        )
    fields = {e["field"] for e in refused.value.errors}
    assert fields == {"x", "name", "question", "answer", "services[0]", "audience"}


def test_slugs() -> None:
    assert slug("How do I reset my password?") == "kb-how-do-i-reset-my-password"
    assert slug("PRB-000001".lower()) == "kb-prb-000001"
    assert len(slug("word " * 40)) <= 63
