"""Mail as the desk reads it: a raw RFC 5322 message turned into what intake needs. Pure (stdlib
``email`` only, no I/O).

:func:`parse_mail` reads one raw message (as SES stores it in S3, or as the local SMTP listener
receives it) into an :class:`InboundMail`:

* **who and what**: the sender's address (``From``), the desk addresses it was sent to (``To``,
  ``Cc``, ``Delivered-To``, ``X-Original-To``), the subject with RFC 2047 encoded words decoded;
* **the thread**: ``Message-ID`` (the idempotency key; a hash of the raw bytes when missing),
  ``In-Reply-To`` and ``References``, and a ticket number in the subject (``[INC-000123]``) or in
  a plus address (``desk+INC-000123@``, the ``Reply-To`` of the desk's own mail);
* **the text**: the plain part, else the HTML part as text (:func:`html_to_text`), with quoted
  history and the signature cut off (:func:`strip_quoted`);
* **the files**: every attachment with its name, type and bytes;
* **machine mail** (:func:`automated_reason`): auto-replies and auto-generated mail (RFC 3834
  ``Auto-Submitted``), ``Precedence: bulk/list/junk``, bounces (``Return-Path: <>``, delivery
  reports, ``MAILER-DAEMON``), vacation responders' own headers, mailing lists (``List-Id``),
  mail SES marked as spam or virus, and mail whose From domain failed SES's DMARC check (a forged
  sender: answering it would write to the person it pretends to be). Such mail never opens a
  ticket and is never answered.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from chalicelib.domain.ticket import REQUESTER_TYPES

#: A ticket number as the desk writes it in a subject: ``[INC-000123]``.
TICKET_TAG = re.compile(r"\[((?:INC|REQ|CHG|PRB)-\d{6})\]")
_NUMBER = re.compile(r"^(?:INC|REQ|CHG|PRB)-\d{6}$")
#: The plus address that asks for a type: ``desk+incident@``, ``desk+request@``, ``desk+change@``.
PLUS_TYPES = {"incident": "incident", "request": "service_request", "change": "change_request"}
assert set(PLUS_TYPES.values()) <= set(REQUESTER_TYPES)
#: Reply prefixes in the languages the desk reads (English, German, and what clients add).
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|aw|wg|fw|fwd|sv|antw)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)
#: The most thread ids (``In-Reply-To`` and ``References``) a message is looked up by.
MAX_THREAD_IDS = 10
_AUTOMATED_PRECEDENCE = ("bulk", "list", "junk", "auto_reply")
_AUTOREPLY_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply")
_BOUNCE_SENDERS = ("mailer-daemon", "postmaster")
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
#: Control characters the API refuses in text (tab and newline are kept; CR becomes newline).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: SES's verdict on the From domain (``Authentication-Results: amazonses.com; ... dmarc=fail``).
_DMARC_FAIL = re.compile(r"\bamazonses\.com\b[^,]*?;.*?\bdmarc=fail\b", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class MailFile:
    """One attachment of a message."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class InboundMail:
    """One received message, as intake reads it."""

    message_id: str
    sender: str
    sender_name: str
    recipients: tuple[str, ...]
    subject: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    #: The new text of the message: HTML as text, quoted history and signature removed.
    text: str
    files: tuple[MailFile, ...]
    #: Why this is machine mail (never opens a ticket, never answered); None for a person's mail.
    automated: str | None

    @property
    def ticket_number(self) -> str | None:
        """The ticket a reply is about: ``[INC-000123]`` in the subject, else a recipient's plus
        address naming it (``desk+INC-000123@``)."""
        found = TICKET_TAG.search(self.subject)
        if found:
            return found.group(1)
        for address in self.recipients:
            tag = plus_tag(address)
            if tag and _NUMBER.match(tag.upper()):
                return tag.upper()
        return None

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """The message ids this one answers, the nearest first (``In-Reply-To``, then
        ``References`` from the newest), at most :data:`MAX_THREAD_IDS`."""
        seen: list[str] = []
        for mid in (*self.in_reply_to, *reversed(self.references)):
            if mid not in seen:
                seen.append(mid)
        return tuple(seen[:MAX_THREAD_IDS])

    def requested_type(self, desk_address: str) -> str | None:
        """The ticket type a plus address of the desk asks for (``desk+request@`` ->
        ``service_request``); None when the mail went to the plain address."""
        local, _, domain = desk_address.lower().partition("@")
        for address in self.recipients:
            name, _, at = address.partition("@")
            base, plus, tag = name.partition("+")
            if plus and base == local and at == domain and tag in PLUS_TYPES:
                return PLUS_TYPES[tag]
        return None

    @property
    def title(self) -> str:
        """The subject without reply prefixes and ticket tags, else the text's first line."""
        subject = " ".join(TICKET_TAG.sub(" ", _REPLY_PREFIX.sub("", self.subject)).split())
        if subject:
            return subject[:200]
        first = next((line.strip() for line in self.text.splitlines() if line.strip()), "")
        return (first or "(no subject)")[:200]


def plus_tag(address: str) -> str | None:
    """``INC-000123`` of ``desk+INC-000123@example.com``; None without a plus."""
    local = address.partition("@")[0]
    base, plus, tag = local.partition("+")
    return tag if plus and base and tag else None


def message_ids(value: str | None) -> tuple[str, ...]:
    """The ``<id>`` items of a ``Message-ID``, ``In-Reply-To`` or ``References`` header, without
    the angle brackets."""
    return tuple(_MESSAGE_ID.findall(str(value or "")))


def _addresses(message: Message, *names: str) -> tuple[str, ...]:
    values = [str(v) for name in names for v in (message.get_all(name) or [])]
    found: list[str] = []
    for _, address in getaddresses(values):
        address = address.strip().lower()
        if "@" in address and address not in found:
            found.append(address)
    return tuple(found)


def automated_reason(message: Message) -> str | None:
    """Why ``message`` was sent by a machine (RFC 3834 and the headers mail systems use), or None."""
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto and not auto.startswith("no"):
        return f"Auto-Submitted: {auto}"
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in _AUTOMATED_PRECEDENCE:
        return f"Precedence: {precedence}"
    return_path = message.get("Return-Path")
    if return_path is not None and not str(return_path).strip().strip("<>").strip():
        return "Return-Path: <> (a bounce)"
    if message.get_content_type() == "multipart/report":
        return "a delivery or disposition report (multipart/report)"
    for header in _AUTOREPLY_HEADERS:
        if message.get(header) is not None:
            return f"{header} (an automatic reply)"
    if message.get("List-Id") is not None or message.get("List-Unsubscribe") is not None:
        return "mailing list mail (List-Id)"
    sender = parseaddr(str(message.get("From", "")))[1].lower()
    if sender.partition("@")[0] in _BOUNCE_SENDERS:
        return f"sent by {sender} (a bounce)"
    for verdict in ("X-SES-Spam-Verdict", "X-SES-Virus-Verdict"):
        if str(message.get(verdict, "")).strip().upper() == "FAIL":
            return f"{verdict}: FAIL"
    if _DMARC_FAIL.search(" ".join(str(v) for v in message.get_all("Authentication-Results") or [])):
        return "Authentication-Results: dmarc=fail (the sender's domain did not send it)"
    return None


class _TextOfHtml(HTMLParser):
    """Collects an HTML document's text: blocks on their own lines, list items marked, links
    followed by their address, scripts, styles and the head left out."""

    _BLOCKS = frozenset(
        {"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "hr",
         "pre", "section", "article", "header", "footer"}
    )
    _HIDDEN = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self.hidden += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")
            if tag == "li":
                self.parts.append("- ")
        elif tag == "a":
            self.href = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self._BLOCKS and tag != "li":
            self.parts.append("\n")
        elif tag == "a" and self.href:
            if self.href.startswith(("http://", "https://")):
                self.parts.append(f" ({self.href})")
            self.href = None

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The text of an HTML mail body: one line per block, spaces collapsed, at most one empty line
    between paragraphs; markup never survives as text."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


#: Where quoted history begins: "On ... wrote:", "Am ... schrieb ...:", Outlook's separators.
_QUOTE_HEADERS = (
    re.compile(r"^on\b.{0,200}\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^am\b.{0,200}\bschrieb\b.{0,200}:\s*$", re.IGNORECASE),
    re.compile(r"^-{2,}\s*(?:original message|ursprüngliche nachricht|forwarded message)\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^_{10,}\s*$"),
)
_OUTLOOK_FROM = re.compile(r"^(?:from|von):\s+\S", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^(?:sent|gesendet|date|datum|to|an|subject|betreff):\s", re.IGNORECASE)
_MOBILE_SIGNATURES = re.compile(
    r"^(?:sent from my \w+|von meinem \w+ gesendet|get outlook for \w+)\.?$", re.IGNORECASE
)


def strip_quoted(text: str) -> str:
    """The new part of a reply: everything before the quoted history (``On ... wrote:``, ``Am ...
    schrieb ...:``, ``-----Original Message-----``, an Outlook ``From:``/``Sent:`` block), without
    ``>`` quoted lines, the signature (after ``-- ``) or a "Sent from my phone" line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        joined = f"{stripped} {lines[i + 1].strip()}" if i + 1 < len(lines) else stripped
        if any(p.match(stripped) for p in _QUOTE_HEADERS):
            break
        if stripped.lower().startswith(("on ", "am ")) and any(p.match(joined) for p in _QUOTE_HEADERS[:2]):
            break  # the attribution line wrapped
        if _OUTLOOK_FROM.match(stripped) and any(_OUTLOOK_NEXT.match(n.strip()) for n in lines[i + 1 : i + 4]):
            break
        if line.rstrip("\n") in ("-- ", "--"):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    while kept and (not kept[-1].strip() or _MOBILE_SIGNATURES.match(kept[-1].strip())):
        kept.pop()
    while kept and not kept[0].strip():
        kept.pop(0)
    return "\n".join(kept)


def _body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):  # an unknown or lying charset: read what can be read
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    text = str(content)
    return html_to_text(text) if part.get_content_type() == "text/html" else text


def _files(message: EmailMessage) -> tuple[MailFile, ...]:
    found: list[MailFile] = []
    for part in message.iter_attachments():
        if not isinstance(part, EmailMessage) or part.is_multipart():
            continue
        filename = part.get_filename()
        if not filename:
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        found.append(MailFile(str(filename), part.get_content_type(), data))
    return tuple(found)


def parse_mail(raw: bytes) -> InboundMail:
    """One raw message as intake reads it (see the module's docstring)."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    ids = message_ids(message.get("Message-ID"))
    message_id = ids[0] if ids else "sha256:" + hashlib.sha256(raw).hexdigest()
    name, sender = parseaddr(str(message.get("From", "")))
    automated = automated_reason(message)
    text = "" if automated else _CONTROL.sub("", strip_quoted(_body_text(message)))
    return InboundMail(
        message_id=message_id,
        sender=sender.strip().lower(),
        sender_name=name.strip(),
        recipients=_addresses(message, "To", "Cc", "Delivered-To", "X-Original-To"),
        subject=" ".join(_CONTROL.sub(" ", str(message.get("Subject", ""))).split()),
        in_reply_to=message_ids(message.get("In-Reply-To")),
        references=message_ids(message.get("References")),
        text=text,
        files=() if automated else _files(message),
        automated=automated,
    )
