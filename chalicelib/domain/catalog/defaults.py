"""What ships: the services, support groups and agents the desk starts with (documents, validated
by :func:`chalicelib.domain.catalog.documents.load_directory` when seeded)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _service(
    name: str,
    title: str,
    group: str,
    description: str,
    aliases: Sequence[str],
    keywords: Sequence[str],
    patterns: Sequence[str] = (),
    *,
    impact: str = "medium",
    calendar: str | None = None,
    sla_policy: str | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "title": title,
        "description": description,
        "aliases": list(aliases),
        "keywords": list(keywords),
        "patterns": list(patterns),
        "support_group": group,
        "default_impact": impact,
        "calendar": calendar,
        "sla_policy": sla_policy,
        "supported": True,
        "version": 1,
    }


def default_catalog() -> list[dict[str, Any]]:
    """The services the desk ships with, each with English and German terms.

    The two services of seed 000's Spectrograph-era bundle run on the ``24x7`` calendar under the
    ``incident-spectrograph-24x7`` SLA policy; security incident reporting also runs on ``24x7``.
    """
    spectro_policy = "incident-spectrograph-24x7"
    return [
        _service(
            "email", "E-mail and calendar (Exchange)", "email-collab",
            "Mailboxes, shared mailboxes, distribution lists, calendars and Outlook.",
            ["exchange", "shared mailbox", "distribution list", "postfach", "verteiler"],
            ["email", "e-mail", "mail", "outlook", "mailbox", "calendar", "kalender", "posteingang"],
            [r"(?i)\be-?mails?\b"],
        ),
        _service(
            "vpn", "Remote access VPN", "network",
            "VPN client, remote access from home and travel.",
            ["remote access", "fernzugriff", "home office"],
            ["vpn", "anyconnect", "tunnel", "globalprotect"],
            [r"(?i)\bvpn\b"],
        ),
        _service(
            "network", "Wi-Fi and wired network", "network",
            "Wireless and wired campus network, network ports, DNS and connectivity.",
            ["wi-fi", "wireless network", "netzwerkdose", "network port"],
            ["wifi", "wlan", "network", "netzwerk", "ethernet", "lan", "dns", "internet", "eduroam", "switch"],
            [r"(?i)\bw-?lan\b"],
        ),
        _service(
            "hardware", "Laptop and desktop hardware", "end-user-computing",
            "Laptops, desktops, monitors, docking stations and peripherals: faults and new equipment.",
            ["docking station", "new computer", "neuer rechner"],
            ["laptop", "notebook", "desktop", "computer", "rechner", "monitor", "bildschirm", "tastatur",
             "keyboard", "maus", "mouse", "akku", "battery", "gerät"],
        ),
        _service(
            "printing", "Printing and scanning", "end-user-computing",
            "Network printers, print queues, toner and scanning.",
            ["print queue", "druckerwarteschlange"],
            ["printer", "printing", "drucker", "drucken", "toner", "scanner", "scannen", "plotter"],
        ),
        _service(
            "accounts", "Identity and access: accounts, passwords, MFA", "identity-access",
            "User accounts, password resets, multi-factor authentication, group membership and permissions.",
            ["password reset", "locked out", "new account", "passwort zurücksetzen", "konto gesperrt",
             "two-factor", "zwei-faktor"],
            ["password", "passwort", "kennwort", "account", "konto", "benutzerkonto", "login", "anmeldung",
             "mfa", "2fa", "authenticator", "permission", "berechtigung", "zugang", "onboarding"],
            [r"(?i)\b(mfa|2fa|sso)\b"],
        ),
        _service(
            "erp", "ERP and finance application", "erp",
            "The ERP system: purchasing, invoices, cost centres, finance reports.",
            ["purchase order", "cost centre", "cost center", "kostenstelle", "bestellanforderung"],
            ["erp", "sap", "invoice", "rechnung", "finance", "finanzen", "buchung", "purchasing", "einkauf"],
            [r"(?i)\bsap\b"],
        ),
        _service(
            "hr-system", "HR system", "hr-systems",
            "The HR system: personnel records, leave, time recording and payroll self-service.",
            ["time recording", "zeiterfassung", "leave request", "urlaubsantrag", "payslip"],
            ["hr", "personalabteilung", "personnel", "payroll", "gehalt", "gehaltsabrechnung", "lohn", "urlaub",
             "vacation", "timesheet"],
        ),
        _service(
            "database", "Databases", "database",
            "Managed databases (PostgreSQL, MySQL, Oracle): access, performance, backups and restores.",
            ["database restore", "datenbank wiederherstellen", "slow query"],
            ["database", "datenbank", "postgres", "postgresql", "mysql", "oracle", "sql", "db", "schema",
             "backup", "sicherung"],
        ),
        _service(
            "cloud", "Cloud platform", "cloud-platform",
            "Cloud accounts, projects, virtual machines, containers and storage buckets.",
            ["cloud account", "virtual machine", "virtuelle maschine", "s3 bucket"],
            ["cloud", "aws", "azure", "gcp", "kubernetes", "k8s", "container", "vm", "bucket", "terraform"],
        ),
        _service(
            "security-incident", "Security incident reporting", "security",
            "Phishing, malware, lost or stolen devices and suspected breaches; reported any time.",
            ["security incident", "sicherheitsvorfall", "stolen laptop", "gestohlen", "data breach",
             "datenleck", "suspicious email", "verdächtige e-mail"],
            ["phishing", "malware", "virus", "ransomware", "trojaner", "trojan", "hacked", "gehackt",
             "compromised", "kompromittiert", "spam"],
            [r"(?i)\bphish\w*"],
            impact="high",
            calendar="24x7",
        ),
        _service(
            "facilities-av", "Facilities and meeting-room AV", "facilities",
            "Meeting-room audio and video, projectors, displays and conference phones.",
            ["meeting room", "besprechungsraum", "conference room", "konferenzraum", "video conference",
             "videokonferenz"],
            ["projector", "beamer", "beamers", "lautsprecher", "speaker", "microphone", "mikrofon", "hdmi",
             "room", "raum", "zoom", "webex"],
        ),
        _service(
            "spectrograph-archive", "Spectrograph data archive", "spectrograph-ops",
            "The archive of Spectrograph-era observation data: ingest, storage, retrieval.",
            ["spectrograph archive", "observation archive", "beobachtungsarchiv", "data archive"],
            ["archive", "archiv", "ingest", "retrieval", "spektrograph", "spectrograph"],
            [r"(?i)\bspe[ck]tro\w*\s+archiv"],
            impact="high",
            calendar="24x7",
            sla_policy=spectro_policy,
        ),
        _service(
            "spectrograph-pipeline", "Spectrograph processing pipeline", "spectrograph-ops",
            "The Spectrograph-era data processing pipeline: nightly processing, reductions, alerts.",
            ["spectrograph pipeline", "processing pipeline", "verarbeitungspipeline", "nightly processing"],
            ["pipeline", "reduction", "reduktion", "processing", "verarbeitung", "spektrograph", "spectrograph"],
            [r"(?i)\bspe[ck]tro\w*\s+pipeline"],
            impact="high",
            calendar="24x7",
            sla_policy=spectro_policy,
        ),
    ]


def default_groups() -> list[dict[str, Any]]:
    """The support groups: the tier-1 service desk escalates to tier 2; specialist groups are tier 2."""
    tier2 = "service-desk-tier2"

    def group(name: str, title: str, lead: str, tier: int = 2, escalation: str | None = None) -> dict[str, Any]:
        return {"name": name, "title": title, "lead": lead, "tier": tier, "escalation_group": escalation}

    return [
        group("service-desk", "Service Desk", "ann", 1, tier2),
        group(tier2, "Service Desk tier 2", "tomas"),
        group("network", "Network", "nadia"),
        group("identity-access", "Identity and Access", "ida"),
        group("end-user-computing", "End-User Computing", "elena", 1, tier2),
        group("email-collab", "E-mail and Collaboration", "maria"),
        group("erp", "ERP Applications", "frieda"),
        group("hr-systems", "HR Systems", "hanna"),
        group("database", "Database Services", "dora"),
        group("cloud-platform", "Cloud Platform", "carla"),
        group("security", "Information Security", "sven"),
        group("facilities", "Facilities and AV", "fatima", 1, tier2),
        group("spectrograph-ops", "Spectrograph Operations", "stella"),
    ]


def default_agents() -> list[dict[str, Any]]:
    """Two or three agents per group; skills name catalog services and topics."""

    def agent(
        name: str, display: str, groups: Sequence[str], skills: Sequence[str], shift: str = "office"
    ) -> dict[str, Any]:
        return {
            "name": name,
            "display_name": display,
            "groups": list(groups),
            "skills": list(skills),
            "shift": shift,
            "active": True,
            "max_open": 20,
        }

    return [
        agent("ann", "Ann Berger", ["service-desk"], ["accounts", "email", "printing", "hardware"]),
        agent("ben", "Ben Okafor", ["service-desk"], ["accounts", "vpn", "network"]),
        agent("chloe", "Chloé Martin", ["service-desk"], ["hardware", "printing", "facilities-av"]),
        agent("tomas", "Tomás Ruiz", ["service-desk-tier2", "service-desk"], ["vpn", "network", "accounts", "email"]),
        agent("uma", "Uma Patel", ["service-desk-tier2"], ["hardware", "erp", "hr-system"]),
        agent("nadia", "Nadia Schulz", ["network"], ["network", "vpn", "dns", "wifi"]),
        agent("noah", "Noah Kim", ["network"], ["network", "wifi", "switch"]),
        agent("nils", "Nils Wagner", ["network"], ["vpn", "firewall"]),
        agent("ida", "Ida Lindqvist", ["identity-access"], ["accounts", "mfa", "sso"]),
        agent("ivan", "Ivan Petrov", ["identity-access"], ["accounts", "permissions"]),
        agent("elena", "Elena Rossi", ["end-user-computing"], ["hardware", "laptop", "printing"]),
        agent("erik", "Erik Hansen", ["end-user-computing"], ["hardware", "desktop", "monitor"]),
        agent("emil", "Emil Weber", ["end-user-computing"], ["printing", "scanner"]),
        agent("maria", "Maria Fischer", ["email-collab"], ["email", "calendar", "exchange"]),
        agent("marco", "Marco Bianchi", ["email-collab"], ["email", "teams"]),
        agent("frieda", "Frieda Koch", ["erp"], ["erp", "finance", "invoices"]),
        agent("felix", "Felix Braun", ["erp"], ["erp", "purchasing"]),
        agent("hanna", "Hanna Vogel", ["hr-systems"], ["hr-system", "payroll"]),
        agent("henrik", "Henrik Larsen", ["hr-systems"], ["hr-system", "time-recording"]),
        agent("dora", "Dora Keller", ["database"], ["database", "postgresql", "backup"]),
        agent("dieter", "Dieter Hoffmann", ["database"], ["database", "oracle", "mysql"]),
        agent("carla", "Carla Mendes", ["cloud-platform"], ["cloud", "aws", "kubernetes"]),
        agent("cem", "Cem Yilmaz", ["cloud-platform"], ["cloud", "azure", "terraform"]),
        agent("sven", "Sven Richter", ["security"], ["security-incident", "phishing", "malware"], "24x7"),
        agent("sara", "Sara Nowak", ["security"], ["security-incident", "forensics"]),
        agent("fatima", "Fatima Haddad", ["facilities"], ["facilities-av", "video-conference"]),
        agent("finn", "Finn Schmidt", ["facilities"], ["facilities-av", "projector"]),
        agent("stella", "Stella Park", ["spectrograph-ops"], ["spectrograph-archive", "spectrograph-pipeline"], "24x7"),
        agent("sam", "Sam Osei", ["spectrograph-ops"], ["spectrograph-pipeline", "database"], "24x7"),
        agent("otto", "Otto Krüger", ["spectrograph-ops"], ["spectrograph-archive", "storage"]),
    ]
