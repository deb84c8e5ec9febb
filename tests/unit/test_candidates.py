"""Problem candidates: grouping on a fixed set of real-looking incidents (English and German),
and the scan, accept and dismiss over in-memory fakes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.candidates import DISMISSED, NEW, Candidate, Incident, find_candidates
from chalicelib.domain.errors import Forbidden, NotFound, ValidationFailed
from chalicelib.domain.identity import Identity
from chalicelib.domain.similarity import features
from chalicelib.services.candidates import CandidateFinder, KeptCandidates
from chalicelib.services.tickets import OpenTicket
from tests.unit.test_problem_service import ALICE, ANN, MAX, Desk
from tests.unit.test_similarity import TERMS, TOPICS

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
SERVICE_OF = {
    "vpn-drops": "vpn",
    "printer-jam": "printing",
    "outlook-send": "email",
    "password-expired": "accounts",
    "erp-invoice": "erp",
    "projector": "facilities-av",
    "database-backup": "database",
}


def _incidents(service: str | None = None) -> list[Incident]:
    out = []
    n = 0
    for topic, texts in TOPICS.items():
        for text in texts:
            n += 1
            out.append(
                Incident(
                    number=f"INC-{n:06d}",
                    service=service or SERVICE_OF[topic],
                    priority="P3",
                    status="assigned",
                    created_at=NOW + timedelta(hours=n),
                    features=features(text, TERMS),
                )
            )
    return out


def test_every_topic_of_three_becomes_one_candidate_and_nothing_unrelated_joins() -> None:
    found = find_candidates(_incidents())
    groups = sorted(c.incidents for c in found)
    assert groups == [("INC-000001", "INC-000002", "INC-000003"), ("INC-000004", "INC-000005", "INC-000006"),
                      ("INC-000007", "INC-000008", "INC-000009"), ("INC-000010", "INC-000011", "INC-000012"),
                      ("INC-000013", "INC-000014", "INC-000015")]  # fmt: skip
    vpn = next(c for c in found if c.service == "vpn")
    assert vpn.id == "vpn:INC-000001" and vpn.reason == "3 incidents on vpn look alike"
    assert "vpn" in vpn.shared_words and 0 < vpn.score <= 1
    assert (vpn.first, vpn.last) == (NOW + timedelta(hours=1), NOW + timedelta(hours=3))


def test_even_on_one_service_unrelated_incidents_are_never_grouped() -> None:
    incidents = _incidents(service="network")
    topic_of = {}
    for incident, (topic, _text) in zip(incidents, [(t, x) for t, xs in TOPICS.items() for x in xs], strict=True):
        topic_of[incident.number] = topic
    found = find_candidates(incidents, min_size=2)
    assert len(found) == len(TOPICS)  # every topic, pairs included, and nothing else
    for candidate in found:
        assert len({topic_of[n] for n in candidate.incidents}) == 1, candidate


def test_a_major_incident_resolved_without_a_problem_is_a_candidate_alone() -> None:
    major = Incident("INC-000099", "vpn", "P1", "resolved", NOW, features("Core switch down", TERMS), resolved=True)
    [found] = find_candidates([major])
    assert found.id == "major:INC-000099" and found.reason == "a P1 incident resolved without a problem"
    assert find_candidates([major], major=("P1",))[0].incidents == ("INC-000099",)
    assert find_candidates([major], major=()) == []


def test_a_candidate_round_trips() -> None:
    found = find_candidates(_incidents())[0].evolve(found_at=NOW)
    assert Candidate.from_dict(found.to_dict()) == found


Store = KeptCandidates


@pytest.fixture
def desk() -> Desk:
    return Desk()


def _finder(desk: Desk, store: Store) -> CandidateFinder:
    return CandidateFinder(desk.repo, store, desk.clock, lambda: TERMS, lambda: desk.service)


def _open(desk: Desk, title: str, service: str = "vpn") -> str:
    request = OpenTicket("incident", title, "", service=service, impact="low", urgency="low")
    return desk.tickets.open_ticket(request, ALICE).number


def test_scan_accept_and_dismiss(desk: Desk) -> None:
    store = Store()
    finder = _finder(desk, store)
    vpn = [_open(desk, text) for text in TOPICS["vpn-drops"]]
    printers = [_open(desk, text, "printing") for text in TOPICS["printer-jam"]]
    [_open(desk, "Toner empty on floor 3", "printing")]
    fresh = finder.scan()
    assert {c.id for c in fresh} == {f"vpn:{vpn[0]}", f"printing:{printers[0]}"}
    assert desk.repo.recent_queries == 1
    assert finder.scan() == []  # found already
    with pytest.raises(Forbidden):
        finder.run_now(ANN)
    assert finder.run_now(MAX) == []
    assert {c.id for c in finder.listed(NEW, 10, ANN)} == {f"vpn:{vpn[0]}", f"printing:{printers[0]}"}
    with pytest.raises(ValidationFailed):
        finder.listed("maybe", 10, ANN)

    candidate, problem = finder.accept(f"vpn:{vpn[0]}", ANN)
    assert candidate.state == "accepted" and candidate.problem == problem.number
    assert {link.target for link in desk.get(problem.number).links} == set(vpn)
    with pytest.raises(ValidationFailed):
        finder.accept(f"vpn:{vpn[0]}", ANN)
    with pytest.raises(NotFound):
        finder.accept("vpn:INC-999999", ANN)
    with pytest.raises(Forbidden):
        finder.dismiss(f"printing:{printers[0]}", Identity("alice", "requester"))

    assert finder.dismiss(f"printing:{printers[0]}", ANN).state == DISMISSED
    desk.clock.advance(hours=1)
    assert finder.scan() == []  # dismissed, and the accepted incidents have their problem now
    joined = _open(desk, "Paper jam in the second floor printer tray 2 again", "printing")
    [back] = finder.scan()
    assert back.id == f"printing:{printers[0]}" and joined in back.incidents and back.state == NEW


def test_the_scan_reads_only_the_window(desk: Desk) -> None:
    store = Store()
    for text in TOPICS["vpn-drops"]:
        _open(desk, text)
    desk.clock.advance(days=8)
    assert _finder(desk, store).scan() == []


def test_the_morning_patrol_lists_the_new_candidates() -> None:
    from datetime import date

    from chalicelib.domain.patrol import morning_patrol

    candidate = find_candidates(_incidents())[0].evolve(found_at=NOW)
    digest = morning_patrol([], patrol_date=date(2026, 11, 24), previous_patrol=None, now=NOW + timedelta(days=1),
                            candidates=[candidate.to_dict()])  # fmt: skip
    assert digest.to_dict()["problem_candidates"][0]["id"] == candidate.id
    text = digest.to_text()
    assert "New problem candidates (1)" in text and candidate.id in text and candidate.incidents[0] in text
    assert "New problem candidates (0)\n  none" in morning_patrol([], patrol_date=date(2026, 11, 24),
                                                                  previous_patrol=None, now=NOW).to_text()  # fmt: skip


def test_a_candidate_changed_meanwhile_is_a_conflict() -> None:
    from chalicelib.domain.errors import Conflict

    store = KeptCandidates()
    candidate = find_candidates(_incidents())[0]
    store.put(candidate, None)
    with pytest.raises(Conflict):
        store.put(candidate, None)
