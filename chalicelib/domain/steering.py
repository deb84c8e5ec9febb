"""The weekly steering report (seed 000: QA and process improvement in a weekly meeting with the
Service Manager): the week against the previous four, as JSON, CSV and HTML with SVG charts.
Pure: the figures come in (from the rollups), the shapes and the drawing go out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from html import escape
from typing import Any

from chalicelib.domain.errors import ValidationFailed

WEEKS_COMPARED = 4


def parse_week(value: str | None) -> date:
    """The Monday of an ISO week ``YYYY-Www``."""
    if value is None:
        raise ValidationFailed([{"field": "week", "reason": "is required (YYYY-Www, e.g. 2026-W48)"}])
    parts = value.split("-W")
    try:
        if len(parts) != 2 or len(parts[0]) != 4 or len(parts[1]) != 2 or not value.isascii():
            raise ValueError(value)
        return date.fromisocalendar(int(parts[0]), int(parts[1]), 1)
    except ValueError:
        raise ValidationFailed([{"field": "week", "reason": "must be an ISO week YYYY-Www, e.g. 2026-W48"}]) from None


def week_name(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year:04d}-W{week:02d}"


def weeks_back(monday: date) -> list[tuple[str, date, date]]:
    """The week and the previous four, oldest first: ``(name, first day, last day)``."""
    out = []
    for back in range(WEEKS_COMPARED, -1, -1):
        first = monday - timedelta(weeks=back)
        out.append((week_name(first), first, first + timedelta(days=6)))
    return out


def _svg_bars(title: str, labels: Sequence[str], series: Mapping[str, Sequence[float]], unit: str = "") -> str:
    """Grouped bars: one group per label, one bar per series. Text is escaped."""
    width, height, left, bottom = 640, 220, 40, 30
    peak = max([v for values in series.values() for v in values] + [1.0])
    names = list(series)
    group = (width - left) / max(len(labels), 1)
    bar = group * 0.8 / max(len(names), 1)
    palette = ["#2f6db5", "#d9822b", "#3a9a5b", "#9b59b6", "#c0392b", "#7f8c8d"]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height + 40}" '
        f'viewBox="0 0 {width} {height + 40}"><title>{escape(title)}</title>',
        f'<text x="{left}" y="14" font-size="13">{escape(title)}</text>',
    ]
    for g, label in enumerate(labels):
        x0 = left + g * group + group * 0.1
        parts.append(f'<text x="{x0:.0f}" y="{height + 30}" font-size="11">{escape(label)}</text>')
        for s, name in enumerate(names):
            value = float(series[name][g])
            h = (height - bottom) * value / peak
            y = height - h
            parts.append(
                f'<rect x="{x0 + s * bar:.1f}" y="{y:.1f}" width="{bar * 0.9:.1f}" height="{h:.1f}" '
                f'fill="{palette[s % len(palette)]}"><title>{escape(name)} {escape(label)}: '
                f'{value:g}{escape(unit)}</title></rect>'
            )
    for s, name in enumerate(names):
        parts.append(
            f'<text x="{left + s * 120}" y="{height + 14}" font-size="11" fill="{palette[s % len(palette)]}">'
            f"{escape(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def charts(report: Mapping[str, Any]) -> list[str]:
    """The SVG charts of a steering report, five weeks each: volumes by process, SLA compliance,
    known errors and problem candidates added, and satisfaction (a report kept before these were
    measured draws the first two only)."""
    labels = [w["week"] for w in report["weeks"]]
    processes = sorted({p for w in report["weeks"] for p in w["opened_by_process"]})
    volumes = {p: [w["opened_by_process"].get(p, 0) for w in report["weeks"]] for p in processes}
    compliance = {
        clock: [round(100 * (w["sla"].get(clock) or 0), 1) for w in report["weeks"]]
        for clock in ("first_response", "resolution")
    }
    drawn = [
        _svg_bars("Tickets opened by process", labels, volumes or {"none": [0] * len(labels)}),
        _svg_bars("SLA compliance (%)", labels, compliance, "%"),
    ]
    weeks = report["weeks"]
    if all("satisfaction" in w for w in weeks):
        added = {
            "known errors": [w.get("known_errors_added", 0) for w in weeks],
            "problem candidates": [w.get("problem_candidates_added", 0) for w in weeks],
        }
        satisfaction = {
            "response rate (%)": [round(100 * (w["satisfaction"].get("response_rate") or 0), 1) for w in weeks],
            "mean rating x 20": [round(20 * (w["satisfaction"].get("mean_rating") or 0), 1) for w in weeks],
        }
        drawn.append(_svg_bars("Known errors and problem candidates added", labels, added))
        drawn.append(_svg_bars("Satisfaction: response rate and mean rating (5 = 100)", labels, satisfaction))
    return drawn


#: The columns of the week-by-week table of what was added and how satisfied requesters were.
ADDED_COLUMNS = ("week", "known_errors_added", "problem_candidates_added", "resolutions", "rated",
                 "response_rate", "mean_rating")


def _added_row(week: Mapping[str, Any]) -> dict[str, Any]:
    """One week's known errors and problem candidates added, and its satisfaction figures (a
    report kept before these were measured shows them empty)."""
    satisfaction = week.get("satisfaction") or {}
    return {
        "week": week["week"],
        "known_errors_added": week.get("known_errors_added", ""),
        "problem_candidates_added": week.get("problem_candidates_added", ""),
        **{k: satisfaction.get(k, "") for k in ("resolutions", "rated", "response_rate", "mean_rating")},
    }


def to_html(report: Mapping[str, Any]) -> str:
    """The report as one HTML page (charts inline as SVG; every text escaped)."""

    def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
        head = "".join(f"<th>{escape(c)}</th>" for c in columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(str(r.get(c, '')))}</td>" for c in columns) + "</tr>" for r in rows
        )
        return f"<table><tr>{head}</tr>{body}</table>"

    def lines(items: Sequence[str]) -> str:
        return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>" if items else "<p>none</p>"

    week = report["week"]
    current = report["weeks"][-1]
    sections = [
        f"<h1>Steering report {escape(week)}</h1>",
        f"<p>{escape(report['from'])} to {escape(report['to'])} ({escape(report['zone'])})</p>",
        *charts(report),
        "<h2>The week against the previous four</h2>",
        table(
            [{"week": w["week"], **{k: w[k] for k in ("opened", "resolved", "fcr_rate", "reopen_rate",
                                                        "median_resolve_s", "backlog")}} for w in report["weeks"]],
            ["week", "opened", "resolved", "fcr_rate", "reopen_rate", "median_resolve_s", "backlog"],
        ),
        "<h2>Satisfaction, known errors and problem candidates against the previous four</h2>",
        table([_added_row(w) for w in report["weeks"]], list(ADDED_COLUMNS)),
        "<h2>SLA compliance by business unit</h2>",
        table(report["sla_by_business_unit"], ["key", "clock", "met", "breached", "compliance",
                                                "compliance_without_pauses"]),
        "<h2>SLA compliance by service</h2>",
        table(report["sla_by_service"], ["key", "clock", "met", "breached", "compliance",
                                          "compliance_without_pauses"]),
        "<h2>Breaches</h2>", lines(report["breaches"]),
        "<h2>Reopened</h2>", lines(report["reopened"]),
        "<h2>Long paused</h2>", lines(report["long_paused"]),
        "<h2>Known errors added</h2>", lines(report["known_errors_added"]),
        "<h2>Problem candidates added</h2>", lines(report.get("problem_candidates_added", [])),
        "<h2>Low satisfaction ratings</h2>", lines(report.get("low_ratings", [])),
        "<h2>Changes and their outcomes</h2>",
        table([{"key": k, **v} for k, v in current["changes_by_model"].items()],
              ["key", "count", "success_rate", "caused_incidents"]),
        "<h2>Classification corrections</h2>",
        table([{"field": k, "corrections": v} for k, v in report["corrections"]["fields"].items()],
              ["field", "corrections"]),
        lines(report["corrections"]["tickets"]),
    ]
    style = "body{font-family:sans-serif;max-width:60em;margin:auto}td,th{padding:2px 8px;text-align:left}"
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Steering {escape(week)}</title>'
        f"<style>{style}</style></head><body>{''.join(sections)}</body></html>"
    )


def to_csv(report: Mapping[str, Any]) -> str:
    """The weekly figures as CSV: one line per week (the week and the previous four)."""
    columns = ["week", "from", "to", "opened", "resolved", "fcr_rate", "reopen_rate", "median_resolve_s",
               "backlog", "sla_first_response", "sla_resolution", "changes", "change_success_rate",
               "known_errors_added", "problem_candidates_added", "satisfaction_response_rate",
               "satisfaction_mean_rating"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for w in report["weeks"]:
        writer.writerow({
            **w,
            "sla_first_response": w["sla"].get("first_response"),
            "sla_resolution": w["sla"].get("resolution"),
            "changes": w["changes"]["count"],
            "change_success_rate": w["changes"]["success_rate"],
            "satisfaction_response_rate": (w.get("satisfaction") or {}).get("response_rate"),
            "satisfaction_mean_rating": (w.get("satisfaction") or {}).get("mean_rating"),
        })
    return out.getvalue()


def to_text(report: Mapping[str, Any]) -> str:
    """The report as the text of a notice: the week's headline figures and its lists."""
    week = report["weeks"][-1]
    before = report["weeks"][:-1]

    def average(key: str) -> str:
        values = [w[key] for w in before if w.get(key) is not None]
        return f"{sum(values) / len(values):.2f}" if values else "-"

    lines = [
        f"Steering report {report['week']} ({report['from']} to {report['to']}, {report['zone']})",
        f"Opened {week['opened']} (previous four weeks: {average('opened')} a week), resolved {week['resolved']}, "
        f"backlog {week['backlog']}",
        f"First-contact resolution {_share(week['fcr_rate'])}, reopen rate {_share(week['reopen_rate'])}",
        "SLA compliance: " + (", ".join(f"{clock} {_share(value)}" for clock, value in week["sla"].items()) or "-"),
        f"Changes {week['changes'].get('count', 0)}, success rate {_share(week['changes'].get('success_rate'))}",
        f"Classification corrections {report['corrections']['count']}",
        f"Known errors added {week.get('known_errors_added', 0)} (previous four weeks: "
        f"{average('known_errors_added')} a week), problem candidates added "
        f"{week.get('problem_candidates_added', 0)} (previous four weeks: {average('problem_candidates_added')})",
        _satisfaction_line(week.get("satisfaction") or {}),
    ]
    for title, key in (("Breaches", "breaches"), ("Reopened", "reopened"), ("Long paused", "long_paused"),
                       ("Known errors added", "known_errors_added"),
                       ("Problem candidates added", "problem_candidates_added"), ("Low ratings", "low_ratings")):
        items = report.get(key, [])
        lines.append(f"\n{title} ({len(items)})")
        lines.extend(f"  {item}" for item in items or ["none"])
    return "\n".join(lines)


def _share(fraction: Any) -> str:
    """A rate for people: ``0.9`` as ``90 %``; no figure (nothing to count) as ``-``."""
    return "-" if fraction is None else f"{100 * float(fraction):.0f} %"


def _satisfaction_line(satisfaction: Mapping[str, Any]) -> str:
    rated, resolutions = satisfaction.get("rated", 0), satisfaction.get("resolutions", 0)
    mean = satisfaction.get("mean_rating")
    return (
        f"Satisfaction: {rated} of {resolutions} resolutions rated (response rate "
        f"{_share(satisfaction.get('response_rate'))}), mean rating {mean if mean is not None else '-'}"
    )
