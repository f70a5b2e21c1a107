"""`posture-cam report`: a day or a week of posture history, in words and as a chart.

    history file --summary.load_period--> Period --> terminal table
                                                 --> chart (report_charts.py) --> PNG / HTML

The charts, and matplotlib with them, are imported only when a chart is asked for.
"""

from __future__ import annotations

import base64
import html
import math
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Sequence, TextIO

from .core.errors import UserError
from .history_sqlite import open_history_for_reading
from .storage import atomic_write_bytes
from .core.messages import duration_text, percent
from .core.readings import Readings
from .core.summary import Period, Summary, day_bounds, load_period, week_days

if TYPE_CHECKING:
    from matplotlib.figure import Figure

OUT_SUFFIXES = (".png", ".html", ".htm")


def run_report(stream: TextIO, history_path: Path, day_text: str | None, week: bool,
               out: Path | None, break_gap_s: float) -> int:
    """The summary of a day or week in `stream`, and the chart in `out` if given."""
    def say(*parts: object) -> None:
        print(*parts, file=stream)

    day = parse_day(day_text)
    if out is not None and out.suffix.lower() not in OUT_SUFFIXES:
        raise UserError(f"--out {out}: the chart is written as .png or .html",
                        hint="e.g. --out posture.png")
    if not history_path.exists() or history_path.stat().st_size == 0:
        say(f"No posture history yet ({history_path} does not exist). It fills up while "
              "`posture-cam monitor` runs; come back after a while at your desk.")
        return 0
    store = open_history_for_reading(history_path)
    try:
        days = week_days(day) if week else [day]
        periods = [load_period(store, *day_bounds(d), break_gap_s) for d in days]
        whole = load_period(store, day_bounds(days[0])[0], day_bounds(days[-1])[1], break_gap_s)
    finally:
        store.close()
    title = (f"Posture, week {days[0]:%a %d %b} - {days[-1]:%a %d %b %Y}" if len(days) > 1
             else f"Posture on {day:%a %d %b %Y}")
    if whole.summary.empty:
        when = f"the week up to {day:%a %d %b %Y}" if len(days) > 1 else f"{day:%a %d %b %Y}"
        say(f"Nothing recorded on {when} in {history_path}."
              + (" No chart written." if out else ""))
        return 0
    rows = summary_rows(whole.summary)
    say(title)
    say(format_rows(rows))
    if len(days) > 1:
        say()
        say(format_week_table(days, periods))
    if out is not None:
        from .report_charts import draw_day, draw_week

        figure = draw_week(days, periods, title) if len(days) > 1 else draw_day(whole, day, title)
        write_chart(figure, out, title, rows, days, periods)
        say(f"Chart written to {out}")
    return 0


def parse_day(text: str | None) -> date:
    return parse_date(text, "--day") if text else date.today()


def parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{option} {text!r} is not a date like 2026-11-25") from None


# --- words -------------------------------------------------------------------------------



def _clock(t_s: float, with_day: bool = False) -> str:
    return f"{datetime.fromtimestamp(t_s):{'%a ' if with_day else ''}%H:%M}"




def summary_rows(s: Summary) -> list[tuple[str, str]]:
    """The summary as (label, value) pairs, for the terminal and the HTML table alike."""
    streak = s.longest_streak
    several_days = s.end_s - s.start_s > 25 * 3600
    # how near each threshold on average; leaning the other way (below 0) is not nearer
    nearness = ", ".join(f"{name} {percent(max(0.0, value))}" for name, value
                         in zip(Readings.names(), s.mean_severity.values()) if math.isfinite(value))
    return [
        ("at the desk", duration_text(s.present_s, precise=True)),
        ("upright", f"{percent(s.upright_share)} of that time"),
        ("slouched", f"{duration_text(s.slouched_s, precise=True)} in {s.slouches} slouch"
                     f"{'es' if s.slouches != 1 else ''}"),
        ("longest slouch", duration_text(s.longest_slouch_s, precise=True) if s.slouches else "-"),
        ("posture alerts", str(s.alerts) + (f" shown, {s.alerts_held} held (Do Not Disturb)"
                                            if s.alerts_held else "")),
        ("movement breaks", f"{s.breaks_taken} taken; {s.break_reminders} reminder"
                            f"{'s' if s.break_reminders != 1 else ''}, "
                            f"{s.reminders_ignored} ignored"),
        ("break routines", f"{s.routines} finished"),
        ("sitting streaks", "-" if streak is None else
         f"{len(s.streaks)}, longest {duration_text(streak.duration_s, precise=True)} "
         f"({_clock(streak.start_s, several_days)}-{_clock(streak.end_s)})"),
        ("near slouching", f"{nearness or '-'} of the way to each threshold, on average"),
    ]


def format_rows(rows: Sequence[tuple[str, str]]) -> str:
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"  {label:<{width}}  {value}" for label, value in rows)


WEEK_COLUMNS = ("day", "at desk", "upright", "slouched", "longest", "alerts", "breaks")


def week_table_rows(days: Sequence[date], periods: Sequence[Period]) -> list[tuple[str, ...]]:
    rows = []
    for d, p in zip(days, periods):
        s = p.summary
        if s.empty:
            rows.append((f"{d:%a %d %b}", "-", "", "", "", "", ""))
            continue
        rows.append((f"{d:%a %d %b}", duration_text(s.present_s, precise=True), percent(s.upright_share),
                     duration_text(s.slouched_s, precise=True),
                     duration_text(s.longest_slouch_s, precise=True) if s.slouches else "-",
                     str(s.alerts), str(s.breaks_taken)))
    return rows


def format_week_table(days: Sequence[date], periods: Sequence[Period]) -> str:
    table = [WEEK_COLUMNS, *week_table_rows(days, periods)]
    widths = [max(len(row[i]) for row in table) for i in range(len(WEEK_COLUMNS))]
    return "\n".join("  " + "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                                      for i, (cell, w) in enumerate(zip(row, widths))).rstrip()
                     for row in table)


# --- files -------------------------------------------------------------------------------

def write_chart(figure: Figure, out: Path, title: str, rows: Sequence[tuple[str, str]],
                days: Sequence[date], periods: Sequence[Period]) -> None:
    from .report_charts import png_bytes

    png = png_bytes(figure)
    if out.suffix.lower() == ".png":
        data = png
    else:
        data = render_html(title, rows, png, days, periods).encode("utf-8")
    atomic_write_bytes(out, data)  # a full disk leaves no half-written chart behind


def render_html(title: str, rows: Sequence[tuple[str, str]], png: bytes,
                days: Sequence[date], periods: Sequence[Period]) -> str:
    """A self-contained page: the summary table and the chart embedded as base64."""
    esc = html.escape
    summary = "\n".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    week = ""
    if len(days) > 1:
        head = "".join(f"<th>{esc(c)}</th>" for c in WEEK_COLUMNS)
        body = "\n".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>"
                         for r in week_table_rows(days, periods))
        week = f'<table class="week"><tr>{head}</tr>\n{body}</table>'
    image = base64.b64encode(png).decode("ascii")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1250px; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ padding: 0.25em 0.9em; text-align: left; border-bottom: 1px solid #ddd; }}
table.week td {{ text-align: right; }} table.week td:first-child {{ text-align: left; }}
img {{ max-width: 100%; }}
</style></head>
<body>
<h1>{esc(title)}</h1>
<table class="summary">
{summary}
</table>
{week}
<img alt="{esc(title)} chart" src="data:image/png;base64,{image}">
<p><small>Made by posture-cam from your local history; no images are ever stored.</small></p>
</body></html>
"""
