"""A ticket's triage reasons are bounded: contesting again and again cannot grow the ticket."""

from __future__ import annotations

from chalicelib.domain.classification import MAX_TRIAGE_REASONS, Triage


def test_contests_keep_the_newest_reasons_only() -> None:
    triage = Triage(True, ("low confidence",))
    for n in range(200):
        triage = triage.contested("alice", f"reason {n} " + "x" * 2_000)
    assert triage.pending
    assert len(triage.reasons) == MAX_TRIAGE_REASONS
    assert triage.reasons[-1].startswith("contested by alice: reason 199 ")
    assert triage.reasons[0].startswith("contested by alice: reason 190 ")
