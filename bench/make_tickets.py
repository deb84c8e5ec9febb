"""Synthetic, labelled IT service desk tickets for measuring the ticket classifier.

The generator writes a CSV with the columns ``subject,body,type,queue,priority``. Tickets are in English
and (about 30 %) German, with greetings, signatures, typos, quoted noise, vocabulary shared between
support groups and between ticket types, priority cues that are often missing, and about 5 % of labels
replaced at random, so a classifier scores realistically rather than perfectly. The output depends only
on ``--rows`` and ``--seed``.

    python -m bench.make_tickets --rows 50000 --seed 1 --out /tmp/t.csv
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TextIO

TYPES = ("incident", "service_request", "change_request", "problem")
#: Rough share of each type in a desk's inflow.
TYPE_WEIGHTS = (0.50, 0.33, 0.10, 0.07)
PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
COLUMNS = ("subject", "body", "type", "queue", "priority")
GERMAN_SHARE = 0.30
LABEL_NOISE = 0.05


@dataclass(frozen=True)
class Lang:
    """One support group's vocabulary in one language."""

    things: tuple[str, ...]
    symptoms: tuple[str, ...]
    requests: tuple[str, ...]
    changes: tuple[str, ...]


@dataclass(frozen=True)
class Group:
    name: str
    weight: float
    en: Lang
    de: Lang


def _g(name: str, weight: float, en: Sequence[Sequence[str]], de: Sequence[Sequence[str]]) -> Group:
    return Group(name, weight, Lang(*(tuple(x) for x in en)), Lang(*(tuple(x) for x in de)))


GROUPS: tuple[Group, ...] = (
    _g(
        "network",
        0.12,
        [
            [
                "VPN",
                "wifi",
                "WLAN",
                "network drive",
                "switch in room {room}",
                "internet connection",
                "Cisco AnyConnect",
                "LAN port",
                "proxy",
                "DNS",
                "firewall",
                "access point on floor {floor}",
            ],
            [
                "keeps disconnecting every few minutes",
                "is very slow since this morning",
                "cannot connect",
                "drops packets, ping times over 900ms",
                "shows no internet access",
                "times out",
                "is down for the whole floor",
                "gives error 'connection refused'",
                "does not resolve hostnames",
            ],
            [
                "set up a VPN account for a new contractor",
                "open a network port for the meeting room",
                "get guest wifi vouchers for a visitor group",
                "patch the LAN port at desk {room}",
                "increase the bandwidth for the branch office",
            ],
            [
                "replace the core switch in the data center",
                "change the firewall rule for the partner subnet",
                "upgrade the router firmware at the {site} site",
                "migrate the VLAN for the {site} office",
                "change DNS entries for the new load balancer",
            ],
        ],
        [
            [
                "VPN",
                "WLAN",
                "Netzlaufwerk",
                "Switch im Raum {room}",
                "Internetverbindung",
                "Netzwerkdose",
                "Proxy",
                "DNS",
                "Firewall",
                "Access Point im {floor}. OG",
                "VPN-Verbindung",
            ],
            [
                "bricht ständig ab",
                "ist seit heute früh sehr langsam",
                "verbindet sich nicht",
                "hat keine Verbindung",
                "funktioniert nicht mehr",
                "ist im ganzen Stockwerk ausgefallen",
                "zeigt 'Zeitüberschreitung'",
                "löst keine Namen mehr auf",
            ],
            [
                "einen VPN-Zugang für einen neuen Externen einrichten",
                "eine Netzwerkdose im Besprechungsraum freischalten",
                "Gast-WLAN Zugänge für Besucher bereitstellen",
                "die Bandbreite für die Niederlassung erhöhen",
            ],
            [
                "den Core-Switch im Rechenzentrum tauschen",
                "die Firewallregel für das Partnernetz ändern",
                "die Router-Firmware am Standort {site} aktualisieren",
                "das VLAN für das Büro {site} umziehen",
            ],
        ],
    ),
    _g(
        "identity-access",
        0.13,
        [
            [
                "password",
                "account",
                "Active Directory account",
                "MFA token",
                "authenticator app",
                "SSO login",
                "access to the {share} share",
                "group membership",
                "Okta",
                "login",
            ],
            [
                "is locked out",
                "has expired",
                "does not accept my password",
                "asks for MFA in a loop",
                "shows 'invalid credentials'",
                "was disabled by mistake",
                "fails after the password change",
            ],
            [
                "reset my password",
                "unlock my account",
                "grant read access to the {share} share",
                "add me to the {share} distribution group",
                "create accounts for {n} new joiners",
                "remove access for a leaver",
                "enroll a new MFA device",
                "give write permission on {share}",
            ],
            [
                "change the password policy to 14 characters",
                "switch the SSO provider for the intranet",
                "move the service accounts to a new OU",
                "enable conditional access for all users",
            ],
        ],
        [
            [
                "Passwort",
                "Konto",
                "AD-Konto",
                "Benutzerkonto",
                "MFA-Token",
                "Authenticator-App",
                "SSO-Anmeldung",
                "Zugriff auf das Laufwerk {share}",
                "Gruppenmitgliedschaft",
                "Anmeldung",
            ],
            [
                "ist gesperrt",
                "ist abgelaufen",
                "wird nicht akzeptiert",
                "fragt ständig nach MFA",
                "meldet 'ungültige Anmeldedaten'",
                "wurde versehentlich deaktiviert",
            ],
            [
                "mein Passwort zurücksetzen",
                "mein Konto entsperren",
                "Lesezugriff auf {share} vergeben",
                "Konten für {n} neue Mitarbeiter anlegen",
                "Berechtigungen eines Austritts entfernen",
                "ein neues MFA-Gerät registrieren",
                "Schreibrechte auf {share} erteilen",
            ],
            [
                "die Passwortrichtlinie auf 14 Zeichen ändern",
                "den SSO-Anbieter für das Intranet wechseln",
                "Dienstkonten in eine neue OU verschieben",
            ],
        ],
    ),
    _g(
        "end-user-computing",
        0.16,
        [
            [
                "laptop",
                "printer on floor {floor}",
                "docking station",
                "monitor",
                "keyboard",
                "headset",
                "Windows update",
                "Teams client",
                "mouse",
                "notebook",
                "desktop PC",
                "scanner",
                "webcam",
                "Outlook on my laptop",
            ],
            [
                "does not turn on",
                "is extremely slow",
                "shows a blue screen",
                "keeps restarting",
                "is not recognised",
                "prints blank pages",
                "has a broken screen",
                "freezes after login",
                "is stuck at 'preparing Windows'",
                "has no sound",
                "battery does not charge",
            ],
            [
                "order a new laptop for a new colleague",
                "install Visio on my notebook",
                "get a second monitor",
                "replace my broken headset",
                "install the printer driver",
                "get admin rights to install software",
                "set up a desk for a new joiner",
            ],
            [
                "roll out the Windows 11 upgrade to the {site} office",
                "change the default browser to Edge",
                "deploy the new printer fleet",
                "update the standard laptop image",
            ],
        ],
        [
            [
                "Laptop",
                "Drucker im {floor}. OG",
                "Dockingstation",
                "Bildschirm",
                "Tastatur",
                "Headset",
                "Windows-Update",
                "Teams",
                "Maus",
                "Notebook",
                "Rechner",
                "Scanner",
                "Webcam",
            ],
            [
                "startet nicht",
                "ist extrem langsam",
                "zeigt einen Bluescreen",
                "startet ständig neu",
                "wird nicht erkannt",
                "druckt leere Seiten",
                "Display ist kaputt",
                "friert nach der Anmeldung ein",
                "hat keinen Ton",
                "Akku lädt nicht",
            ],
            [
                "einen neuen Laptop für eine neue Kollegin bestellen",
                "Visio auf meinem Notebook installieren",
                "einen zweiten Bildschirm bekommen",
                "den Druckertreiber installieren",
                "Adminrechte zur Softwareinstallation bekommen",
                "einen Arbeitsplatz für einen Neuzugang einrichten",
            ],
            [
                "das Windows 11 Upgrade am Standort {site} ausrollen",
                "den Standardbrowser auf Edge umstellen",
                "das neue Laptop-Image verteilen",
            ],
        ],
    ),
    _g(
        "email-collab",
        0.11,
        [
            [
                "Outlook",
                "mailbox",
                "shared mailbox {share}",
                "calendar",
                "Teams meeting",
                "SharePoint site",
                "OneDrive",
                "distribution list",
                "email",
                "out of office reply",
                "Exchange",
            ],
            [
                "does not receive emails",
                "is full",
                "does not sync",
                "shows 'disconnected'",
                "sends mails twice",
                "cannot open attachments",
                "meeting invites are lost",
                "bounces with 550 error",
                "keeps asking for the password",
            ],
            [
                "create a shared mailbox for {share}",
                "increase my mailbox quota",
                "set up a Teams channel",
                "give me access to the {share} calendar",
                "create a SharePoint site for the project",
                "add an email alias",
                "restore a deleted email folder",
            ],
            [
                "migrate the mailboxes to Exchange Online",
                "change the mail retention policy",
                "enable DKIM for the domain",
                "switch the spam filter to the new vendor",
            ],
        ],
        [
            [
                "Outlook",
                "Postfach",
                "Sammelpostfach {share}",
                "Kalender",
                "Teams-Besprechung",
                "SharePoint-Seite",
                "OneDrive",
                "Verteiler",
                "E-Mail",
                "Abwesenheitsnotiz",
            ],
            [
                "empfängt keine Mails",
                "ist voll",
                "synchronisiert nicht",
                "zeigt 'getrennt'",
                "verschickt Mails doppelt",
                "Anhänge lassen sich nicht öffnen",
                "Einladungen gehen verloren",
            ],
            [
                "ein Sammelpostfach für {share} anlegen",
                "mein Postfach vergrößern",
                "einen Teams-Kanal einrichten",
                "Zugriff auf den Kalender {share} geben",
                "eine SharePoint-Seite für das Projekt anlegen",
                "eine gelöschte Mail wiederherstellen",
            ],
            [
                "die Postfächer nach Exchange Online migrieren",
                "die Aufbewahrungsrichtlinie für Mails ändern",
                "DKIM für die Domain aktivieren",
            ],
        ],
    ),
    _g(
        "database",
        0.07,
        [
            [
                "Oracle database",
                "SQL Server instance",
                "PostgreSQL cluster",
                "reporting database",
                "nightly backup job",
                "replication",
                "query",
                "tablespace",
                "DB connection pool",
            ],
            [
                "is running out of space",
                "is very slow",
                "has failed",
                "shows deadlocks",
                "rejects connections",
                "replication lag is over 2 hours",
                "returns ORA-01555",
                "is down",
            ],
            [
                "create a read-only database user",
                "restore the {share} database to yesterday",
                "set up a test database",
                "grant select on the sales schema",
                "export a table to CSV",
            ],
            [
                "upgrade PostgreSQL to version 16",
                "add an index on the orders table",
                "apply the quarterly Oracle patch",
                "migrate the reporting DB to the new cluster",
            ],
        ],
        [
            [
                "Oracle-Datenbank",
                "SQL-Server-Instanz",
                "PostgreSQL-Cluster",
                "Reporting-Datenbank",
                "nächtliches Backup",
                "Replikation",
                "Abfrage",
                "Datenbankverbindung",
            ],
            [
                "hat keinen Speicherplatz mehr",
                "ist sehr langsam",
                "ist fehlgeschlagen",
                "hat Deadlocks",
                "lehnt Verbindungen ab",
                "ist nicht erreichbar",
            ],
            [
                "einen lesenden Datenbankbenutzer anlegen",
                "die Datenbank {share} auf gestern zurücksetzen",
                "eine Testdatenbank bereitstellen",
                "einen Tabellenexport als CSV erstellen",
            ],
            [
                "PostgreSQL auf Version 16 aktualisieren",
                "einen Index auf der Auftragstabelle anlegen",
                "den Oracle-Quartalspatch einspielen",
            ],
        ],
    ),
    _g(
        "erp",
        0.10,
        [
            [
                "SAP",
                "SAP GUI",
                "purchase order",
                "invoice posting",
                "cost center report",
                "Fiori app",
                "material master",
                "month-end closing",
                "goods receipt",
                "ERP",
            ],
            [
                "throws a short dump",
                "is very slow",
                "cannot be posted",
                "shows wrong totals",
                "is locked by another user",
                "fails with error message M7 021",
                "does not load",
            ],
            [
                "create an SAP user for a new buyer",
                "add the role for invoice approval",
                "extend my SAP authorisation for cost center {n}",
                "install SAP GUI on my PC",
                "create a new vendor in the system",
                "unlock my SAP user",
            ],
            [
                "transport the new pricing logic to production",
                "change the approval workflow for orders",
                "apply the SAP support package",
                "add a new company code",
            ],
        ],
        [
            [
                "SAP",
                "SAP GUI",
                "Bestellung",
                "Rechnungsbuchung",
                "Kostenstellenbericht",
                "Fiori-App",
                "Materialstamm",
                "Monatsabschluss",
                "Wareneingang",
            ],
            [
                "bricht mit Kurzdump ab",
                "ist sehr langsam",
                "lässt sich nicht buchen",
                "zeigt falsche Summen",
                "ist durch einen anderen Benutzer gesperrt",
                "lädt nicht",
            ],
            [
                "einen SAP-Benutzer für einen neuen Einkäufer anlegen",
                "die Rolle für Rechnungsfreigabe zuweisen",
                "meine SAP-Berechtigung für Kostenstelle {n} erweitern",
                "meinen SAP-Benutzer entsperren",
                "einen neuen Kreditor anlegen",
            ],
            [
                "die neue Preislogik in Produktion transportieren",
                "den Freigabeworkflow für Bestellungen ändern",
                "das SAP Support Package einspielen",
            ],
        ],
    ),
    _g(
        "facilities",
        0.07,
        [
            [
                "badge",
                "door access",
                "meeting room screen",
                "air conditioning in room {room}",
                "desk booking tool",
                "parking gate",
                "projector in room {room}",
                "phone in the lobby",
            ],
            [
                "does not open",
                "is broken",
                "is not working",
                "is way too cold",
                "shows no signal",
                "makes a loud noise",
                "does not read my card",
            ],
            [
                "order a new access badge",
                "book the large meeting room",
                "move my desk to floor {floor}",
                "get door access to the lab",
                "set up a video conference room",
            ],
            [
                "replace the badge readers on floor {floor}",
                "change the door access schedule for the weekend",
                "install new screens in all meeting rooms",
            ],
        ],
        [
            [
                "Ausweis",
                "Zutrittskarte",
                "Bildschirm im Besprechungsraum",
                "Klimaanlage in Raum {room}",
                "Tischbuchung",
                "Schranke der Tiefgarage",
                "Beamer in Raum {room}",
            ],
            [
                "öffnet nicht",
                "ist kaputt",
                "funktioniert nicht",
                "ist viel zu kalt",
                "zeigt kein Signal",
                "liest meine Karte nicht",
            ],
            [
                "einen neuen Mitarbeiterausweis bestellen",
                "den großen Besprechungsraum buchen",
                "meinen Arbeitsplatz ins {floor}. OG umziehen",
                "Zutritt zum Labor bekommen",
            ],
            ["die Kartenleser im {floor}. OG tauschen", "die Zutrittszeiten für das Wochenende ändern"],
        ],
    ),
    _g(
        "security",
        0.08,
        [
            [
                "phishing email",
                "suspicious login",
                "antivirus alert",
                "USB stick",
                "malware",
                "certificate",
                "Defender",
                "ransomware warning",
                "suspicious link",
                "data leak",
            ],
            [
                "was clicked by a colleague",
                "came from an unknown country",
                "reports a trojan",
                "has expired",
                "asks to enter my password on an external site",
                "encrypted some files",
                "blocks a legitimate application",
            ],
            [
                "review a suspicious email",
                "issue a TLS certificate for {share}.example.com",
                "whitelist a USB device",
                "grant an exception in the web filter",
                "run a vulnerability scan on our server",
            ],
            [
                "enforce disk encryption on all laptops",
                "change the web filter categories",
                "rotate the root certificates",
                "block legacy authentication",
            ],
        ],
        [
            [
                "Phishing-Mail",
                "verdächtige Anmeldung",
                "Virenwarnung",
                "USB-Stick",
                "Schadsoftware",
                "Zertifikat",
                "Defender",
                "verdächtiger Link",
            ],
            [
                "wurde von einem Kollegen angeklickt",
                "kam aus einem unbekannten Land",
                "meldet einen Trojaner",
                "ist abgelaufen",
                "fragt auf einer externen Seite nach meinem Passwort",
                "hat Dateien verschlüsselt",
            ],
            [
                "eine verdächtige Mail prüfen",
                "ein TLS-Zertifikat für {share}.example.com ausstellen",
                "einen USB-Stick freigeben",
                "eine Ausnahme im Webfilter einrichten",
            ],
            [
                "Festplattenverschlüsselung auf allen Laptops erzwingen",
                "die Webfilter-Kategorien ändern",
                "die Root-Zertifikate erneuern",
            ],
        ],
    ),
    _g(
        "hr-systems",
        0.07,
        [
            [
                "Workday",
                "payroll",
                "time tracking",
                "payslip",
                "vacation request",
                "employee portal",
                "onboarding checklist",
                "expense report",
                "SuccessFactors",
            ],
            [
                "shows the wrong salary",
                "does not save my hours",
                "cannot be submitted",
                "shows an error when I log in",
                "is missing for last month",
                "approvals are stuck",
            ],
            [
                "correct my vacation balance",
                "add a new cost center to time tracking",
                "give my manager access to the team calendar in Workday",
                "create an employee record",
                "export the headcount report",
            ],
            [
                "change the payroll cutoff date",
                "add the new bonus plan to Workday",
                "update the onboarding workflow",
            ],
        ],
        [
            [
                "Workday",
                "Gehaltsabrechnung",
                "Zeiterfassung",
                "Lohnzettel",
                "Urlaubsantrag",
                "Mitarbeiterportal",
                "Reisekostenabrechnung",
                "SuccessFactors",
            ],
            [
                "zeigt das falsche Gehalt",
                "speichert meine Stunden nicht",
                "lässt sich nicht einreichen",
                "meldet einen Fehler beim Anmelden",
                "fehlt für den letzten Monat",
                "Freigaben hängen",
            ],
            [
                "meinen Urlaubsanspruch korrigieren",
                "eine neue Kostenstelle in der Zeiterfassung anlegen",
                "einen Personalstammsatz anlegen",
                "den Headcount-Bericht exportieren",
            ],
            ["den Stichtag der Gehaltsabrechnung ändern", "den neuen Bonusplan in Workday einpflegen"],
        ],
    ),
    _g(
        "cloud-platform",
        0.09,
        [
            [
                "AWS account",
                "Kubernetes cluster",
                "Azure subscription",
                "S3 bucket",
                "CI pipeline",
                "Lambda function",
                "EC2 instance",
                "load balancer",
                "Terraform state",
                "container registry",
            ],
            [
                "returns 502 errors",
                "is out of quota",
                "deployment fails",
                "pods are crashlooping",
                "costs exploded overnight",
                "is unreachable",
                "throws AccessDenied",
                "is very slow",
            ],
            [
                "create a new AWS account for the data team",
                "grant access to the {share} bucket",
                "increase the EC2 quota",
                "set up a new namespace",
                "add a deploy key to the pipeline",
            ],
            [
                "upgrade the Kubernetes cluster to 1.29",
                "move the workload to eu-central-1",
                "change the autoscaling limits",
                "rotate the IAM access keys",
            ],
        ],
        [
            [
                "AWS-Konto",
                "Kubernetes-Cluster",
                "Azure-Subscription",
                "S3-Bucket",
                "CI-Pipeline",
                "Lambda-Funktion",
                "EC2-Instanz",
                "Loadbalancer",
                "Container-Registry",
            ],
            [
                "liefert 502-Fehler",
                "Kontingent erschöpft",
                "Deployment schlägt fehl",
                "Pods starten ständig neu",
                "Kosten über Nacht explodiert",
                "ist nicht erreichbar",
            ],
            [
                "ein neues AWS-Konto für das Datenteam anlegen",
                "Zugriff auf den Bucket {share} geben",
                "das EC2-Kontingent erhöhen",
                "einen neuen Namespace einrichten",
            ],
            [
                "den Kubernetes-Cluster auf 1.29 aktualisieren",
                "die Workload nach eu-central-1 umziehen",
                "die Autoscaling-Grenzen ändern",
            ],
        ],
    ),
)

SITES = ("Hamburg", "Munich", "Berlin", "London", "Vienna", "Zurich", "Frankfurt", "Leeds", "Lyon")
SHARES = ("finance", "hr", "sales", "marketing", "legal", "controlling", "projects", "procurement", "ops")
NAMES = (
    "Anna Schmidt",
    "Tom Baker",
    "Lena Müller",
    "Jürgen Weiß",
    "Sarah O'Neil",
    "Mehmet Yilmaz",
    "Priya Patel",
    "Klaus Fischer",
    "Emma Brown",
    "Luca Rossi",
    "Sophie Wagner",
    "David Kim",
)
DEPTS = ("Finance", "Sales", "Logistics", "Marketing", "Controlling", "HR", "Legal", "Production")

# Wording that marks the ticket type, shared by all support groups.
EN_SUBJ = {
    "incident": (
        "{Thing} {symptom}",
        "Problem with {thing}",
        "{Thing} not working",
        "URGENT: {thing}",
        "issue: {thing}",
        "{thing} error",
        "Help - {thing}",
        "{Thing} broken?",
    ),
    "service_request": (
        "Request: {request}",
        "Please {request}",
        "New request - {thing}",
        "Need help with {thing}",
        "{Thing}",
        "Question about {thing}",
        "access / {thing}",
    ),
    "change_request": (
        "RFC: {change}",
        "Change request - {thing}",
        "Planned change: {change}",
        "CR for {thing}",
        "Maintenance window {date}",
        "{Thing} change",
    ),
    "problem": (
        "Recurring issue with {thing}",
        "{Thing} {symptom} again",
        "Root cause needed: {thing}",
        "Problem record: {thing}",
        "Again {thing}!!",
        "Repeated outages {thing}",
    ),
}
DE_SUBJ = {
    "incident": (
        "{Thing} {symptom}",
        "Problem mit {thing}",
        "{Thing} geht nicht",
        "DRINGEND: {thing}",
        "Störung {thing}",
        "Fehler {thing}",
        "Hilfe - {thing}",
    ),
    "service_request": (
        "Anfrage: {request}",
        "Bitte {request}",
        "Neue Anfrage - {thing}",
        "Frage zu {thing}",
        "{Thing}",
        "Antrag {thing}",
    ),
    "change_request": (
        "RFC: {change}",
        "Änderungsantrag - {thing}",
        "Geplante Änderung: {change}",
        "Change {thing}",
        "Wartungsfenster {date}",
    ),
    "problem": (
        "Wiederkehrendes Problem mit {thing}",
        "{Thing} {symptom} schon wieder",
        "Ursachenanalyse {thing}",
        "Problem-Ticket: {thing}",
        "Schon wieder {thing}!!",
    ),
}
EN_BODY = {
    "incident": (
        "My {thing} {symptom}.",
        "Since {when} the {thing} {symptom}.",
        "The {thing} {symptom} and I cannot work.",
        "We noticed that the {thing} {symptom}.",
        "{Thing} {symptom}, tried restarting already.",
        "Hi, {thing} {symptom} - please help asap",
    ),
    "service_request": (
        "Could you please {request}?",
        "I would like to {request}.",
        "Please {request}.",
        "Can someone {request} for me?",
        "We need to {request} by {date}.",
        "My manager approved that you {request}.",
        "is it possible to {request}",
    ),
    "change_request": (
        "We plan to {change} on {date} between 22:00 and 02:00.",
        "Please approve: {change}. Rollback plan is attached.",
        "Requesting a change to {change}. Risk: low, tested in staging.",
        "CAB please review - we want to {change} next week.",
        "Scheduled maintenance: {change}, expected downtime 30 minutes.",
    ),
    "problem": (
        "The {thing} {symptom} again, this is the {nth} time this month.",
        "We keep seeing that the {thing} {symptom}. Please find the root cause.",
        "Several incidents in the last weeks: {thing} {symptom}. Needs a permanent fix.",
        "Recurring: {thing} {symptom}. Workaround is a restart but it comes back.",
        "Linked incidents show the same pattern - the {thing} {symptom}.",
    ),
}
DE_BODY = {
    "incident": (
        "Mein {thing} {symptom}.",
        "Seit {when} {symptom} {thing}.",
        "{Thing} {symptom}, ich kann nicht arbeiten.",
        "Wir haben festgestellt, {thing} {symptom}.",
        "{Thing} {symptom}, Neustart schon versucht.",
        "Hallo, {thing} {symptom} - bitte schnell helfen",
    ),
    "service_request": (
        "Könnten Sie bitte {request}?",
        "Ich möchte gerne {request}.",
        "Bitte {request}.",
        "Kann jemand für mich {request}?",
        "Wir müssen bis {date} {request}.",
        "Mein Vorgesetzter hat genehmigt: bitte {request}.",
    ),
    "change_request": (
        "Wir planen am {date} zwischen 22:00 und 02:00 Uhr {change}.",
        "Bitte genehmigen: {change}. Rollback-Plan liegt bei.",
        "Änderungsantrag: {change}. Risiko gering, in Staging getestet.",
        "Bitte CAB prüfen - wir wollen nächste Woche {change}.",
        "Geplante Wartung: {change}, Ausfallzeit ca. 30 Minuten.",
    ),
    "problem": (
        "{Thing} {symptom} schon wieder, das ist das {nth}. Mal diesen Monat.",
        "Wir sehen immer wieder: {thing} {symptom}. Bitte Ursache finden.",
        "Mehrere Störungen in den letzten Wochen: {thing} {symptom}. Wir brauchen eine dauerhafte Lösung.",
        "Wiederkehrend: {thing} {symptom}. Workaround ist ein Neustart, aber es kommt wieder.",
    ),
}
EN_IMPACT = {
    "high": (
        "The whole department is affected.",
        "Nobody on floor {floor} can work.",
        "This affects all users at {site}.",
        "Production is stopped.",
        "Customers are impacted.",
    ),
    "medium": ("My team is affected.", "A few colleagues have the same issue.", "Some users are affected."),
    "low": ("Only me.", "Just my machine, others are fine.", "Not a big deal, only affects me."),
}
EN_URGENCY = {
    "high": (
        "Urgent!",
        "Please fix ASAP.",
        "We have a deadline today.",
        "Needed within the hour.",
        "CEO presentation in 30 minutes.",
    ),
    "medium": ("Would be good to have it this week.", "Please look at it today if possible."),
    "low": ("No rush.", "Whenever you have time.", "Not urgent.", "Next week is fine."),
}
DE_IMPACT = {
    "high": (
        "Die ganze Abteilung ist betroffen.",
        "Im {floor}. OG kann niemand arbeiten.",
        "Alle Nutzer am Standort {site} sind betroffen.",
        "Die Produktion steht.",
    ),
    "medium": ("Mein Team ist betroffen.", "Einige Kollegen haben dasselbe Problem."),
    "low": ("Nur ich bin betroffen.", "Nur mein Rechner, bei anderen geht es."),
}
DE_URGENCY = {
    "high": ("Dringend!", "Bitte sofort beheben.", "Wir haben heute eine Deadline.", "Eilt sehr!"),
    "medium": ("Wäre gut, wenn es diese Woche klappt.", "Bitte heute noch ansehen, wenn möglich."),
    "low": ("Keine Eile.", "Wenn Sie Zeit haben.", "Nicht dringend.", "Nächste Woche reicht."),
}
PRIORITY_MATRIX = {
    ("high", "high"): "P1",
    ("high", "medium"): "P2",
    ("medium", "high"): "P2",
    ("high", "low"): "P3",
    ("medium", "medium"): "P3",
    ("low", "high"): "P3",
    ("medium", "low"): "P4",
    ("low", "medium"): "P4",
    ("low", "low"): "P5",
}
LEVELS = ("high", "medium", "low")
LEVEL_WEIGHTS = (0.15, 0.45, 0.40)

EN_GREET = ("Hi,", "Hello team,", "Dear Service Desk,", "Hi all", "Good morning,", "hey", "Hello,", "")
DE_GREET = (
    "Hallo,",
    "Hallo zusammen,",
    "Sehr geehrte Damen und Herren,",
    "Guten Morgen,",
    "Moin,",
    "Hi,",
    "",
)
EN_CLOSE = ("Thanks,", "Thank you!", "Best regards,", "Cheers,", "Kind regards,", "thx", "BR")
DE_CLOSE = ("Danke,", "Vielen Dank!", "Viele Grüße,", "Mit freundlichen Grüßen,", "Gruß,", "LG", "VG")
EN_WHEN = ("this morning", "yesterday", "the last update", "Monday", "lunch time", "two days")
DE_WHEN = ("heute Morgen", "gestern", "dem letzten Update", "Montag", "der Mittagspause", "zwei Tagen")
EN_NTH = ("third", "fourth", "fifth", "sixth")
DE_NTH = ("dritte", "vierte", "fünfte", "sechste")
NOISE = (
    "Sent from my iPhone",
    "This e-mail may contain confidential information. If you are not the intended recipient, delete it.",
    "Diese E-Mail enthält vertrauliche Informationen. "
    "Wenn Sie nicht der richtige Adressat sind, löschen Sie sie.",
    "-----Original Message-----",
    "Please consider the environment before printing this email.",
    "[EXTERNAL] Be careful with links and attachments.",
    "Ticket ref: {ref}",
    "Screenshot attached.",
    "Screenshot im Anhang.",
    "Tel. +49 40 {ref}",
    "Von meinem Smartphone gesendet",
)
#: Sentences naming another group's things, so vocabulary overlaps between groups.
EN_ASIDE = (
    "I already restarted the {other}.",
    "The {other} works fine though.",
    "Maybe related to the {other}?",
    "Colleague said it could be the {other}.",
)
DE_ASIDE = (
    "{Other} habe ich schon neu gestartet.",
    "{Other} funktioniert aber.",
    "Vielleicht hängt es mit {other} zusammen?",
)


_SLOT = re.compile(r"\{(\w+)\}")


GROUP_BY_NAME = {g.name: g for g in GROUPS}
#: Share of tickets naming no particular thing ("it", "the system").
VAGUE_SHARE = 0.10
#: Share of tickets naming a thing of a neighbouring support group.
BORROWED_SHARE = 0.12
#: Share of tickets whose body is worded like a confusable type.
MIXED_TYPE_SHARE = 0.15
#: Share of faults described in words any support group could hear.
GENERIC_SYMPTOM_SHARE = 0.25
EN_GENERIC = ("does not work", "is broken", "is very slow", "shows an error", "stopped working", "crashes")
DE_GENERIC = ("geht nicht", "funktioniert nicht", "ist sehr langsam", "zeigt einen Fehler", "stürzt ab")
EN_VAGUE = ("it", "the system", "the application", "my computer", "the tool", "this thing", "the portal")
DE_VAGUE = ("es", "das System", "die Anwendung", "mein Rechner", "das Tool", "das Portal")
NEIGHBOURS = {
    "network": ("security", "cloud-platform", "end-user-computing"),
    "identity-access": ("security", "erp", "hr-systems", "email-collab"),
    "end-user-computing": ("email-collab", "network", "facilities"),
    "email-collab": ("end-user-computing", "identity-access", "security"),
    "database": ("erp", "cloud-platform"),
    "erp": ("database", "hr-systems", "identity-access"),
    "facilities": ("end-user-computing", "security"),
    "security": ("identity-access", "network", "email-collab"),
    "hr-systems": ("erp", "identity-access"),
    "cloud-platform": ("database", "network", "security"),
}
CONFUSABLE_TYPES = {
    "incident": ("problem", "service_request"),
    "service_request": ("incident", "change_request"),
    "change_request": ("service_request",),
    "problem": ("incident",),
}


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 2:
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeiounrst") + word[i + 1 :]


def _typos(text: str, rng: random.Random, rate: float) -> str:
    words = text.split(" ")
    return " ".join(_typo(w, rng) if rng.random() < rate else w for w in words)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


#: Exponent of the Zipf weights of the sub-groups inside a group.
SUBGROUP_ZIPF = 1.5
SUBGROUP_NAMES: tuple[str, ...] = tuple(
    f"{g.name}-{k + 1:02d}" for g in GROUPS for k in range(min(len(g.en.things), len(g.de.things)))
)


class TicketGenerator:
    """Draws tickets one by one from a seeded random source."""

    def __init__(self, seed: int, subgroups: bool = False) -> None:
        self.rng = random.Random(seed)
        self.group_weights = [g.weight for g in GROUPS]
        self.subgroups = subgroups

    def _fill(self, template: str, slots: dict[str, str]) -> str:
        if "{" not in template:
            return template

        def slot(match: re.Match[str]) -> str:
            key = match.group(1)
            if key in slots:
                return slots[key]
            if key.lower() in slots:
                return _cap(slots[key.lower()])
            return match.group(0)

        return _SLOT.sub(slot, template)

    def ticket(self) -> dict[str, str]:
        rng = self.rng
        group = rng.choices(GROUPS, weights=self.group_weights)[0]
        kind = rng.choices(TYPES, weights=TYPE_WEIGHTS)[0]
        german = rng.random() < GERMAN_SHARE
        lang = group.de if german else group.en
        other_group = rng.choice(GROUPS)
        other = other_group.de if german else other_group.en
        common = {
            "room": str(rng.randrange(100, 520)),
            "floor": str(rng.randrange(1, 9)),
            "site": rng.choice(SITES),
            "share": rng.choice(SHARES),
            "n": str(rng.randrange(2, 12)),
            "date": f"{rng.randrange(1, 29):02d}.{rng.randrange(1, 13):02d}.",
            "ref": str(rng.randrange(10**5, 10**7)),
        }
        queue = group.name
        if self.subgroups:
            # One support group per thing a group looks after (the n-th English and n-th German thing
            # share one), drawn with Zipf weights: a few busy groups and a long tail of quiet ones.
            count = min(len(group.en.things), len(group.de.things))
            position = rng.choices(range(count), weights=[1.0 / (k + 1) ** SUBGROUP_ZIPF for k in range(count)])[0]
            thing = lang.things[position]
            queue = f"{group.name}-{position + 1:02d}"
        else:
            thing = rng.choice(lang.things)
        roll = rng.random()
        if roll < VAGUE_SHARE:
            thing = rng.choice(DE_VAGUE if german else EN_VAGUE)
        elif roll < VAGUE_SHARE + BORROWED_SHARE:
            # The group that owns the fault is not the one whose thing the requester names.
            lender = GROUP_BY_NAME[rng.choice(NEIGHBOURS[group.name])]
            thing = rng.choice((lender.de if german else lender.en).things)
        symptom = rng.choice(lang.symptoms)
        if rng.random() < GENERIC_SYMPTOM_SHARE:
            symptom = rng.choice(DE_GENERIC if german else EN_GENERIC)
        slots = {
            "thing": thing,
            "symptom": symptom,
            "request": rng.choice(lang.requests),
            "change": rng.choice(lang.changes),
            "when": rng.choice(DE_WHEN if german else EN_WHEN),
            "nth": rng.choice(DE_NTH if german else EN_NTH),
            "other": rng.choice(other.things),
        }
        slots = {k: self._fill(v, common) for k, v in slots.items()}
        slots.update(common)
        subject = self._fill(rng.choice((DE_SUBJ if german else EN_SUBJ)[kind]), slots)
        parts: list[str] = []
        greet = rng.choice(DE_GREET if german else EN_GREET)
        if greet:
            parts.append(greet)
        # Requesters often describe one type in the words of another (a request that reads like a fault).
        body_kind = rng.choice(CONFUSABLE_TYPES[kind]) if rng.random() < MIXED_TYPE_SHARE else kind
        sentences = [self._fill(rng.choice((DE_BODY if german else EN_BODY)[body_kind]), slots)]
        if rng.random() < 0.35:
            # A second sentence, sometimes of a neighbouring type (an incident that also asks for something).
            second = kind if rng.random() < 0.6 else rng.choice(TYPES)
            slots2 = dict(slots, thing=self._fill(rng.choice(lang.things), common))
            sentences.append(self._fill(rng.choice((DE_BODY if german else EN_BODY)[second]), slots2))
        if rng.random() < 0.25:
            sentences.append(self._fill(rng.choice(DE_ASIDE if german else EN_ASIDE), slots))
        impact = rng.choices(LEVELS, weights=LEVEL_WEIGHTS)[0]
        urgency = rng.choices(LEVELS, weights=LEVEL_WEIGHTS)[0]
        if kind in ("change_request", "problem") and urgency == "high" and rng.random() < 0.6:
            urgency = "medium"
        if rng.random() < 0.65:
            sentences.append(self._fill(rng.choice((DE_IMPACT if german else EN_IMPACT)[impact]), slots))
        if rng.random() < 0.65:
            sentences.append(self._fill(rng.choice((DE_URGENCY if german else EN_URGENCY)[urgency]), slots))
        if rng.random() < 0.3:
            rng.shuffle(sentences)
        parts.append(" ".join(sentences))
        if rng.random() < 0.7:
            name = rng.choice(NAMES)
            parts.append(f"{rng.choice(DE_CLOSE if german else EN_CLOSE)}\n{name}\n{rng.choice(DEPTS)}")
        for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
            parts.append(self._fill(rng.choice(NOISE), common))
        body = "\n".join(parts)
        if rng.random() < 0.5:
            body = _typos(body, rng, rng.choice((0.01, 0.03, 0.06)))
        if rng.random() < 0.15:
            subject = subject.lower()
        elif rng.random() < 0.05:
            subject = subject.upper()
        if rng.random() < 0.03:
            subject = ""
        labels = {"type": kind, "queue": queue, "priority": PRIORITY_MATRIX[(impact, urgency)]}
        for column, choices in (
            ("type", TYPES),
            ("queue", SUBGROUP_NAMES if self.subgroups else tuple(g.name for g in GROUPS)),
            ("priority", PRIORITIES),
        ):
            if rng.random() < LABEL_NOISE:
                labels[column] = rng.choice(choices)
        return {"subject": subject, "body": body, **labels}

    def tickets(self, rows: int) -> Iterator[dict[str, str]]:
        for _ in range(rows):
            yield self.ticket()


def generate(rows: int, seed: int, subgroups: bool = False) -> list[dict[str, str]]:
    """``rows`` tickets as dicts with the keys of :data:`COLUMNS`; with ``subgroups`` the queue is
    one of :data:`SUBGROUP_NAMES` (93 groups, most of them under 1 % of the tickets)."""
    return list(TicketGenerator(seed, subgroups).tickets(rows))


def write_csv(tickets: Sequence[dict[str, str]], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(tickets)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="-", help="CSV file to write, '-' for stdout")
    parser.add_argument("--subgroups", action="store_true", help="93 support groups with a long tail")
    args = parser.parse_args(argv)
    tickets = generate(args.rows, args.seed, args.subgroups)
    if args.out == "-":
        write_csv(tickets, sys.stdout)
    else:
        with open(args.out, "w", encoding="utf-8", newline="") as handle:
            write_csv(tickets, handle)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
