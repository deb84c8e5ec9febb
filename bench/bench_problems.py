"""The cost of one problem-candidate scan as the tickets grow (moto in-process).

The scan (``desk().candidate_finder.scan``) reads the incidents opened in its window (7 days) with
one Query on the type index over the creation keys (``incidents_since``), never a Scan. The same
scan runs with 1,000 and 100,000 tickets stored: the recent incidents (``RECENT``: three groups of
look-alike incidents in English and German, and unrelated ones) are the same in both stores; the
filler was opened months before the window. The requests and the items they return must not grow
with the store: the ratio of the two counts is the figure (1.0 is flat).
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

from bench.bench_changes import _count_items
from bench.bench_sweep import BenchClock, _desk, add_filler

#: The filler of ``bench_sweep`` was opened up to 486 days before 23 November 2026; the scan runs
#: 30 days after its newest ticket, so none of it lies in the window.
SCAN_AT = datetime(2026, 12, 23, 15, 0, tzinfo=timezone.utc)
STORE_SIZES = (1_000, 100_000)
RECENT = [
    ("vpn", "VPN drops every few minutes, AnyConnect disconnects"),
    ("vpn", "VPN bricht alle paar Minuten ab, AnyConnect trennt die Verbindung"),
    ("vpn", "AnyConnect VPN keeps dropping the connection every few minutes"),
    ("printing", "Printer on the second floor has a paper jam in tray 2"),
    ("printing", "Drucker im zweiten Stock: Papierstau in Fach 2"),
    ("printing", "Paper jam again in the second floor printer, tray 2"),
    ("email", "Outlook cannot send emails, they are stuck in the outbox"),
    ("email", "E-Mails bleiben im Postausgang haengen, Outlook sendet nicht"),
    ("email", "Emails stuck in Outlook outbox, sending fails"),
    ("accounts", "My password expired and now my account is locked"),
    ("erp", "SAP crashes when I open an invoice in the ERP"),
    ("database", "Nightly database backup failed for the PostgreSQL cluster"),
]


def _open_recent(clock: BenchClock) -> None:
    from chalicelib import wiring
    from chalicelib.domain.identity import Identity
    from chalicelib.services.tickets import OpenTicket

    tickets = wiring.desk().ticket_service
    for i, (service, text) in enumerate(RECENT):
        clock.now = SCAN_AT - timedelta(days=3) + timedelta(hours=i)
        request = OpenTicket("incident", text, text, service=service, impact="low", urgency="low")
        tickets.open_ticket(request, Identity(f"user{i}", "requester"))
    clock.now = SCAN_AT


def candidate_scan(store_size: int) -> dict[str, float]:
    from chalicelib import wiring
    from chalicelib.storage.aws import count_dynamodb_requests

    label = f"{store_size // 1000}k"
    out: dict[str, float] = {}
    clock = BenchClock(SCAN_AT)
    with _desk(clock):
        started = time.perf_counter()
        add_filler(store_size - len(RECENT))
        out[f"load_{label}_tickets_seconds"] = time.perf_counter() - started
        _open_recent(clock)
        finder = wiring.desk().candidate_finder
        wiring.desk().service_terms()  # warm: the catalog, as a warm Lambda has it
        with count_dynamodb_requests() as requests, _count_items() as items:
            found = finder.scan()
        out[f"candidates_{label}"] = len(found)
        out[f"requests_{label}"] = requests.total
        for operation, n in sorted(Counter(requests.calls).items()):
            out[f"requests_{label}_{operation}"] = n
        out[f"items_read_{label}"] = items.items
    return out


def run() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for size in STORE_SIZES:
        out.update(candidate_scan(size))
    small, large = (f"{s // 1000}k" for s in STORE_SIZES)
    out[f"requests_ratio_{large}_to_{small}"] = out[f"requests_{large}"] / out[f"requests_{small}"]
    out[f"items_read_ratio_{large}_to_{small}"] = out[f"items_read_{large}"] / out[f"items_read_{small}"]
    return out


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name:48s} {value:12.3f}" if isinstance(value, float) else f"{name:48s} {value:>12}")
