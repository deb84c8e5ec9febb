"""Mail to the local desk: a message sent with smtplib to ``make run``'s SMTP listener opens a
ticket, the same message again does not, and the requester finds it over HTTP."""

from __future__ import annotations

import json
import smtplib
import subprocess
import sys
import urllib.request
from email.message import EmailMessage

from tests.conftest import LocalDesk


def _token(desk: LocalDesk, user: str, role: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "chalicelib.cli", "token", "--user", user, "--role", role,
         "--data-dir", str(desk.data_dir)],
        cwd=desk.data_dir, env=desk.env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_mail_sent_with_smtplib_opens_one_ticket_for_its_sender(local_desk: LocalDesk) -> None:
    message = EmailMessage()
    message["From"], message["To"] = "erin.e2e@example.com", "desk+request@example.com"
    message["Subject"], message["Message-ID"] = "Second monitor for my desk", "<e2e-monitor@example.com>"
    message.set_content("Please send a second 24-inch monitor to room 3.12.\n\n-- \nErin")
    with smtplib.SMTP("127.0.0.1", local_desk.smtp_port, timeout=60) as smtp:
        smtp.send_message(message)
        smtp.send_message(message)  # delivered twice: acts once
    request = urllib.request.Request(
        f"{local_desk.url}/tickets", headers={"Authorization": f"Bearer {_token(local_desk, 'erin.e2e', 'requester')}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        tickets = json.loads(response.read())["tickets"]
    assert [(t["type"], t["title"]) for t in tickets] == [("service_request", "Second monitor for my desk")]
    assert "Erin" not in tickets[0]["description"]
