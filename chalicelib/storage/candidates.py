"""Problem candidates on DynamoDB (``ProblemCandidateModel``): one item per candidate under its
stable id, read one state at a time through the ``by_state`` index (never a Scan)."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.config import get_settings
from chalicelib.domain.candidates import STATES, Candidate
from chalicelib.domain.errors import Conflict
from chalicelib.observability import tracer
from chalicelib.storage.models import ProblemCandidateModel, bind_models


def _found_key(candidate: Candidate) -> str:
    from chalicelib.storage.models import format_instant

    moment = candidate.found_at or candidate.last
    return f"{format_instant(moment)}#{candidate.id}"


class DynamoCandidates:
    """:class:`chalicelib.services.candidates.CandidateStore` on DynamoDB."""

    def __init__(self) -> None:
        bind_models(get_settings())

    @tracer.capture_method
    def get(self, candidate_id: str) -> tuple[Candidate, int] | None:
        """The candidate and its stored version."""
        try:
            item = ProblemCandidateModel.get(candidate_id)
        except DoesNotExist:
            return None
        return Candidate.from_dict(item.body), int(item.version or 1)

    @tracer.capture_method
    def put(self, candidate: Candidate, version: int | None) -> None:
        """Store ``candidate``: a new one (``version`` None) or over the ``version`` read."""
        item = ProblemCandidateModel(
            candidate.id, state=candidate.state, found_key=_found_key(candidate), body=candidate.to_dict()
        )
        if version is not None:
            item.version = version
        try:
            item.save()
        except PutError as error:
            if "ConditionalCheckFailed" in str(error):
                raise Conflict(
                    f"candidate {candidate.id} changed since it was read; read it again and retry", field="id"
                ) from None
            raise

    @tracer.capture_method
    def in_state(self, state: str, limit: int) -> list[Candidate]:
        """The candidates in ``state``, newest found first (one Query)."""
        items = ProblemCandidateModel.by_state.query(state, scan_index_forward=False, limit=limit)
        return [Candidate.from_dict(item.body) for item in items]

    @tracer.capture_method
    def found_between(self, first: datetime, last: datetime) -> list[Candidate]:
        """Every candidate first found in ``[first, last)``: one Query per state on the index's
        ``found_key`` (the instant found, then the id)."""
        from chalicelib.storage.models import format_instant

        low, high = format_instant(first), format_instant(last)
        out = []
        for state in STATES:
            condition = ProblemCandidateModel.found_key.between(low, high)
            for item in ProblemCandidateModel.by_state.query(state, range_key_condition=condition):
                candidate = Candidate.from_dict(item.body)
                if first <= (candidate.found_at or candidate.last) < last:
                    out.append(candidate)
        return sorted(out, key=lambda c: (c.found_at or c.last, c.id))
