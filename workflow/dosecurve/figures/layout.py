"""Where a figure's time axis breaks, and the figure set to a journal's column width."""

from __future__ import annotations

import textwrap

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.text import Text

from dosecurve.figures.curves import axis_end, log_breaks, session_breaks
from dosecurve.figures.style import MM_PER_INCH, figure_legend, inches


def time_breaks(curves: pd.DataFrame, log_dose: bool = False) -> list[int]:
    """The x ticks (and risk-table columns) of curves drawn up to their last time: evenly
    spaced from 0, or doubling from 1 on a log-dose axis; none past the axis' end."""
    if curves.empty:
        return [0]
    last = max(float(curves["time"].max()), 1.0)
    if log_dose:
        return [b for b in log_breaks(axis_end(last, True)) if b <= axis_end(last, True)]
    return [b for b in session_breaks(last) if b <= axis_end(last)]


def fit_width(fig: Figure, width_mm: float) -> Figure:
    """``fig`` at ``width_mm`` wide (its designed height kept), laid out by matplotlib's
    constrained layout so that titles, labels and legends stay inside it; fonts keep their
    point sizes (at least 7 pt at print size, ``figures.style``)."""
    height = fig.get_size_inches()[1]
    fig.set_size_inches(inches(width_mm), height)
    if fig.get_layout_engine() is None:
        fig.set_layout_engine("constrained")
    if width_mm < NARROW_MM:
        for text in fig.findobj(Text):
            if text.get_gid() == TWO_LINES:
                text.set_text(text.get_text().replace(" (", "\n(", 1))  # number over its interval
        for legend in list(fig.legends):
            made = getattr(legend, "dosecurve_args", None)
            if made is not None:  # listed again in one column, below the plots
                legend.remove()
                handles, labels, _, title = made
                figure_legend(fig, handles, labels, "outside lower center", 1, title)
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None:  # a long title breaks into lines rather than leave the figure
        suptitle.set_text(wrap_text(suptitle.get_text(), width_mm, float(suptitle.get_fontsize())))
    return grow_to_fit(fig)  # axes titles: wrapped to their axes once laid out


def wrap_text(text: str, width_mm: float, size_pt: float) -> str:
    r"""``text`` broken into lines that fit ``width_mm`` at ``size_pt`` (an average glyph is
    about half as wide as the type is high).

    >>> wrap_text("Time to clinically significant improvement by intake severity", 85, 9)
    'Time to clinically significant improvement by\nintake severity'
    """
    chars = max(16, int(width_mm / MM_PER_POINT / (0.5 * size_pt) * 0.9))
    return "\n".join(
        textwrap.fill(line, chars) if len(line) > chars else line for line in text.split("\n")
    )


MM_PER_POINT = 25.4 / 72


def grow_to_fit(fig: Figure, rounds: int = 4) -> Figure:
    """Lay ``fig`` out until it fits: each axes' title wrapped to the axes' width as laid
    out (so it meets neither the canvas' edge nor a legend beside it), then the height grown
    until everything drawn lies inside (a legend in one column, a wrapped title) or shrunk
    where it is spare (a square plot at a narrow width); the width is the journal's."""
    written: dict[int, str] = {}
    for _ in range(rounds):
        fig.draw_without_rendering()
        width, height = fig.get_size_inches()
        if rewrap_titles(fig, width, written):
            continue
        box = fig.get_tightbbox()
        over = max(0.0, -box.y0) + max(0.0, box.y1 - height)
        spare = max(0.0, box.y0) + max(0.0, height - box.y1)
        if over >= 0.02:
            fig.set_size_inches(width, height + over + 0.05)
        elif spare > 0.3:
            fig.set_size_inches(width, height - spare + 0.1)
        else:
            break
    return fig


def rewrap_titles(fig: Figure, width_in: float, written: dict[int, str]) -> bool:
    """Wrap every axes title to its axes' laid-out width, each line as the figure wrote
    it (``written``, by title); whether any changed."""
    changed = False
    for ax in fig.axes:
        room = ax.get_position().width * width_in * MM_PER_INCH
        for title in {id(t): t for t in (ax.title, getattr(ax, "_left_title", ax.title))}.values():
            text = title.get_text()
            lines = written.setdefault(id(title), text)
            wrapped = wrap_text(lines, room, float(title.get_fontsize()))
            if text and wrapped != text:
                title.set_text(wrapped)
                changed = True
    return changed


NARROW_MM = 120.0  # below this width a legend lists its entries in one column
TWO_LINES = "two-lines-when-narrow"  # gid of a 'value (interval)' text split when narrow
