"""How every figure looks in print: journal column widths, text of at least 7 pt at that
size, fonts embedded in the PDF as TrueType (Type 42, which journals' checks accept), and
colours: a sequential, colour-blind-safe palette ordered by severity for strata, and
Okabe-Ito for unordered categories (models, data sets, groups)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.text import Text

MM_PER_INCH = 25.4
DOUBLE_MM = 180.0  # a journal's full page width (two columns)
SINGLE_MM = 85.0  # one column
MIN_FONT_PT = 7.0  # the smallest text journals accept at print size

RC: dict[str, Any] = {
    "font.size": 8.0,
    "axes.titlesize": 8.5,
    "axes.labelsize": 8.0,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.0,
    "legend.title_fontsize": 7.5,
    "figure.titlesize": 9.0,
    "pdf.fonttype": 42,  # TrueType, embedded (not Type 3)
    "ps.fonttype": 42,
    # Labels are text: an instrument, band or data set named "My $x$ scale" is drawn as
    # typed, never parsed as mathtext (which fails on an odd number of '$').
    "text.parse_math": False,
}
_params: Any = matplotlib.rcParams
_params.update(RC)

# Okabe-Ito: distinguishable with the common forms of colour blindness (unordered groups).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
POOLED_COLOUR = "#7f7f7f"


def inches(mm: float) -> float:
    return mm / MM_PER_INCH


DOUBLE = inches(DOUBLE_MM)
SINGLE = inches(SINGLE_MM)


def severity_colours(n: int) -> list[str]:
    """``n`` colours from mildest to most severe: viridis (perceptually uniform and
    colour-blind safe) from light green to dark purple, its pale yellow end left out so
    every line stays visible on white.

    >>> severity_colours(1), len(severity_colours(4))
    (['#21918c'], 4)
    """
    cmap = matplotlib.colormaps["viridis"]
    if n == 1:
        return [matplotlib.colors.to_hex(cmap(0.5))]
    return [matplotlib.colors.to_hex(cmap(x)) for x in np.linspace(0.8, 0.05, n)]


def texts(fig: Figure) -> list[Text]:
    """Every visible text of ``fig`` with content (titles, labels, ticks, legends, notes)."""
    return [
        t
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip() and t.get_figure() is fig
    ]


def smallest_font(fig: Figure) -> float:
    """The smallest font size of any visible text (points)."""
    return min((float(t.get_fontsize()) for t in texts(fig)), default=MIN_FONT_PT)


def figure_legend(
    fig: Any, handles: Sequence, labels: Sequence[str], loc: Any, ncol: int, title: str = ""
) -> None:
    """A legend outside the plots (``loc``: 'outside upper center' or 'outside lower
    center'), which constrained layout makes room for; it remembers how it was made, so that
    a narrow figure can list it again in one column (``layout.fit_width``)."""
    legend = fig.legend(
        list(handles), list(labels), title=title or None, loc=loc, ncol=ncol, frameon=False
    )
    legend.dosecurve_args = (list(handles), list(labels), loc, title)
