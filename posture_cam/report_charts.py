"""The report's charts, drawn with matplotlib's Agg canvas: no pyplot, no display needed.

    day:  how far you leaned each minute (head, trunk, shoulders), slouches shaded, alerts,
          breaks and break routines marked on the top edge; below it, how each minute was spent
    week: the upright share of each day, with the time at the desk and slouched on the bar;
          each day's alerts and break routines under it
"""

from __future__ import annotations

import io
import math
from datetime import date, datetime
from typing import Sequence

from matplotlib import dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .core.history_store import SECONDS_PER_MINUTE
from .core.messages import duration_text, percent
from .core.summary import Period

COLOURS = {"upright": "#4caf50", "slouch": "#e53935", "head": "#1e88e5", "trunk": "#8e24aa",
           "shoulders": "#fb8c00", "slump": "#6d4c41", "alert": "#b71c1c", "break": "#26a69a", "reminder": "#f9a825",
           "routine": "#3949ab", "held": "#9e9e9e"}


LABELS = {"head": "head forward", "trunk": "leaning in", "shoulders": "shoulders rounded",
          "slump": "slumped"}


def _local(t_s: float) -> datetime:
    return datetime.fromtimestamp(t_s)


def draw_day(period: Period, day: date, title: str) -> Figure:
    """Top: mean angle changes per minute, slouches shaded, alerts and breaks marked.
    Bottom: how each minute was spent (upright / slouched; blank = away)."""
    s = period.summary
    fig = Figure(figsize=(11, 6), dpi=110, layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.2]})
    minutes = period.minutes
    centres = [_local(m.start_s + SECONDS_PER_MINUTE / 2) for m in minutes]
    for name, label in LABELS.items():
        values = _with_gaps([100 * getattr(m.mean, name) for m in minutes], minutes)
        if not any(math.isfinite(v) for v in values if v is not None):
            continue
        top.plot(_with_gaps(centres, minutes, None), values, color=COLOURS[name], lw=1.6,
                 marker="o", ms=2.5, label=label)
    top.axhline(100, color=COLOURS["slouch"], lw=0.8, ls=":")
    for span in period.spans:
        if span.kind == "slouch":
            top.axvspan(_local(span.start_s), _local(span.end_s), color=COLOURS["slouch"],
                        alpha=0.15, lw=0)
    handles, _ = top.get_legend_handles_labels()
    handles.append(Patch(color=COLOURS["slouch"], alpha=0.25, label="slouch"))
    marks = {"alert": ("v", COLOURS["alert"], "posture alert"),
             "alert_held": ("v", COLOURS["held"], "alert held (Do Not Disturb)"),
             "break_taken": ("^", COLOURS["break"], "break taken"),
             "break_due": ("D", COLOURS["reminder"], "movement reminder")}
    on_top_edge = top.get_xaxis_transform()  # x in data, y in axes units
    for kind, (marker, colour, label) in marks.items():
        times = [_local(e.t_s) for e in period.events if e.kind == kind]
        if times:
            handles.append(top.scatter(times, [1.0] * len(times), marker=marker, s=55,
                                       color=colour, zorder=5, clip_on=False, label=label,
                                       transform=on_top_edge))
    finished = [_local(r.t_s) for r in period.routines if r.completed]
    if finished:  # break routines (`posture-cam exercise`), beside the alerts
        handles.append(top.scatter(finished, [1.0] * len(finished), marker="*", s=120,
                                   color=COLOURS["routine"], zorder=6, clip_on=False,
                                   label="break routine", transform=on_top_edge))
    top.set_title("How near slouching you were (100 % = the threshold)", loc="left",
                  fontsize=10, pad=14)
    top.set_ylabel("% of the slouch threshold\nmean per minute")
    top.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9,
               frameon=False)
    top.grid(alpha=0.3)

    width = 0.9 / (24 * 60)  # days, as matplotlib dates count
    upright = [100 * (m.present_s - m.slouched_s) / SECONDS_PER_MINUTE for m in minutes]
    slouched = [100 * m.slouched_s / SECONDS_PER_MINUTE for m in minutes]
    starts = [_local(m.start_s) for m in minutes]
    bottom.bar(starts, upright, width=width, align="edge", color=COLOURS["upright"],
               label="upright")
    bottom.bar(starts, slouched, width=width, align="edge", bottom=upright,
               color=COLOURS["slouch"], label="slouched")
    bottom.set_title("How each minute was spent (blank: away, or not monitoring)", loc="left",
                     fontsize=10)
    bottom.set_ylim(0, 100)
    bottom.set_ylabel("% of minute")
    bottom.set_xlabel(f"local time, {day:%a %d %b %Y}")
    bottom.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False,
                  title="each minute", title_fontsize=9, alignment="left")
    bottom.grid(alpha=0.3, axis="y")
    first = min([m.start_s for m in minutes] + [sp.start_s for sp in period.spans]
                + [r.t_s for r in period.routines])
    last = max([m.start_s + SECONDS_PER_MINUTE for m in minutes]
               + [sp.end_s for sp in period.spans]
               + [r.t_s + r.duration_s for r in period.routines])
    pad = max(120.0, 0.04 * (last - first))
    bottom.set_xlim(_local(first - pad), _local(last + pad))
    locator = mdates.AutoDateLocator(minticks=5, maxticks=12)
    bottom.xaxis.set_major_locator(locator)
    bottom.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
    fig.suptitle(f"{title}: {percent(s.upright_share)} upright, "
                 f"{duration_text(s.slouched_s, precise=True)} slouched, {s.alerts} alert"
                 f"{'s' if s.alerts != 1 else ''}, {s.routines} break routine"
                 f"{'s' if s.routines != 1 else ''}", fontsize=13)
    return fig


def _with_gaps(values: Sequence, minutes: Sequence, gap_value: object = math.nan) -> list:
    """Inserts a break in the line wherever minutes are missing (away, or not recording)."""
    out: list = []
    for i, (value, m) in enumerate(zip(values, minutes)):
        if i and m.minute - minutes[i - 1].minute > 1:
            out.append(gap_value if gap_value is not None else _local(
                (minutes[i - 1].minute + 1) * SECONDS_PER_MINUTE))
        out.append(value)
    return out


def draw_week(days: Sequence[date], periods: Sequence[Period], title: str) -> Figure:
    """Upright share per day, with the time at the desk written on each bar."""
    fig = Figure(figsize=(9, 4.8), dpi=110, layout="constrained")
    ax = fig.subplots()
    # routines per day beside the alerts, under each day
    labels = [d.strftime("%a\n%d %b") + f"\n{p.summary.alerts} alert{'s' if p.summary.alerts != 1 else ''}"
              f"\n{p.summary.routines} routine{'s' if p.summary.routines != 1 else ''}"
              for d, p in zip(days, periods)]
    shares = [p.summary.upright_share for p in periods]
    heights = [100 * v if math.isfinite(v) else 0.0 for v in shares]
    bars = ax.bar(range(len(days)), heights, color=COLOURS["upright"], width=0.6,
                  label="upright share of the time at the desk")
    for bar, p, share in zip(bars, periods, shares):
        x = bar.get_x() + bar.get_width() / 2
        if not math.isfinite(share):
            ax.text(x, 2, "no data", ha="center", va="bottom", color="0.45", fontsize=9)
            continue
        ax.text(x, bar.get_height() + 1.5, f"{100 * share:.0f} %", ha="center", va="bottom",
                fontsize=10, fontweight="bold")
        details = (f"{duration_text(p.summary.present_s, precise=True)}\nat desk\n\n"
                   f"{duration_text(p.summary.slouched_s, precise=True)}\nslouched")
        if bar.get_height() >= 40:
            ax.text(x, bar.get_height() / 2, details, ha="center", va="center", fontsize=8,
                    color="white")
        else:  # too short to write in
            ax.text(x, bar.get_height() + 9, details, ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(days)), labels)
    ax.set_ylim(0, 112)
    ax.set_ylabel("upright (% of time at the desk)")
    ax.legend(loc="upper left", fontsize=9)
    ax.grid(alpha=0.3, axis="y")
    fig.suptitle(title, fontsize=13)
    return fig


def png_bytes(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
