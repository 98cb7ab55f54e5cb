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
    titles = [  # room: each axes' share of the width, as placed before the layout runs
        (t, width_mm * ax.get_position().width)
        for ax in fig.axes
        for t in (ax.title, getattr(ax, "_left_title", ax.title))
    ]
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None:
        titles.append((suptitle, width_mm))
    for title, room in titles:  # a long title breaks into lines rather than leave the figure
        title.set_text(wrap_text(title.get_text(), room, float(title.get_fontsize())))
    return grow_to_fit(fig)


def wrap_text(text: str, width_mm: float, size_pt: float) -> str:
    r"""``text`` broken into lines that fit ``width_mm`` at ``size_pt`` (an average glyph is
    about half as wide as the type is high).

    >>> wrap_text("Time to clinically significant improvement by intake severity", 85, 9)
    'Time to clinically significant improvement by intake\nseverity'
    """
    chars = max(16, int(width_mm / MM_PER_POINT / (0.5 * size_pt) * 0.9))
    return "\n".join(
        textwrap.fill(line, chars) if len(line) > chars else line for line in text.split("\n")
    )


MM_PER_POINT = 25.4 / 72


def grow_to_fit(fig: Figure, rounds: int = 4) -> Figure:
    """Make ``fig`` taller until everything drawn lies inside it (a legend in one column, a
    wrapped title): the width is the journal's, the height is free. A title still wider
    than the figure is wrapped again to its axes' width as laid out."""
    for _ in range(rounds):
        fig.draw_without_rendering()
        box = fig.get_tightbbox()
        width, height = fig.get_size_inches()
        if box.x0 < -0.02 or box.x1 > width + 0.02:
            for ax in fig.axes:
                room = ax.get_position().width * width * MM_PER_INCH
                for title in (ax.title, getattr(ax, "_left_title", ax.title)):
                    text = " ".join(title.get_text().split("\n"))
                    title.set_text(wrap_text(text, room, float(title.get_fontsize())))
            continue
        over = max(0.0, -box.y0) + max(0.0, box.y1 - height)
        spare = max(0.0, box.y0) + max(0.0, height - box.y1)  # square plots at a narrow width
        if over >= 0.02:
            fig.set_size_inches(width, height + over + 0.05)
        elif spare > 0.3:
            fig.set_size_inches(width, height - spare + 0.1)
        else:
            break
    return fig


NARROW_MM = 120.0  # below this width a legend lists its entries in one column
TWO_LINES = "two-lines-when-narrow"  # gid of a 'value (interval)' text split when narrow
