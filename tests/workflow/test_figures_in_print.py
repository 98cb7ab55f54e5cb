"""Every figure as a journal prints it, drawn from a real run's files (the shared clinics
run's simulated data set): at both column widths it is exactly that wide, its text is at
least 7 pt, nothing drawn leaves the canvas; the PDFs written embed TrueType fonts."""

from __future__ import annotations

import pytest

from dosecurve.config import figure_settings, parse_dataset
from dosecurve.figures.catalog import FIGURES, draw_figure, figure_context
from dosecurve.figures.style import MIN_FONT_PT, smallest_font
from dosecurve.outputs import path_of
from dosecurve.parts import PARTS, with_parts
from dosecurve.results import read_result, read_sessions

pytestmark = pytest.mark.workflow
SLACK_IN = 0.05  # a text's antialiased edge may touch the canvas' edge


def inputs_of(folder, name, settings):
    """The figure's inputs as its step reads them (its parts of the session rows made from
    the session table and events)."""
    keys = [k for k in FIGURES[name].inputs if k not in PARTS]
    if len(keys) < len(FIGURES[name].inputs):
        keys += ["sessions", "events"]
    out = {}
    for key in dict.fromkeys(keys):
        path = folder / path_of(key, "x").removeprefix("results/x/")
        out[key] = read_sessions(str(path)) if key == "sessions" else read_result(str(path))
    return with_parts(out, FIGURES[name].inputs, settings)


@pytest.mark.parametrize("width", ["single", "double"])
def test_every_figure_fits_its_column_with_readable_text(clinics, width):
    folder = clinics / "results/brief"
    settings = figure_settings({"figures": {"width": width}})
    dataset = parse_dataset({"simulate": {"preset": "brief_iapt", "n_clients": 60, "seed": 3}})
    context = figure_context(
        dataset,
        conf_level=0.95,
        conf_type="log-log",
        figures=settings,
    )
    problems = []
    for name in FIGURES:
        _, fig = draw_figure(name, inputs_of(folder, name, dataset), context)
        w, h = fig.get_size_inches()
        if abs(w * 25.4 - settings.width_mm) > 1e-6:
            problems.append((name, "width", w * 25.4))
        if smallest_font(fig) < MIN_FONT_PT:
            problems.append((name, "font", smallest_font(fig)))
        fig.draw_without_rendering()
        box = fig.get_tightbbox()
        if min(box.x0, box.y0) < -SLACK_IN or box.x1 > w + SLACK_IN or box.y1 > h + SLACK_IN:
            problems.append((name, "outside", (box.x0, box.y0, box.x1 - w, box.y1 - h)))
    assert problems == []


def test_every_written_pdf_embeds_truetype_fonts(clinics):
    pdfs = sorted((clinics / "results/brief/figures").glob("*.pdf"))
    assert {p.stem for p in pdfs} == set(FIGURES)
    for pdf in pdfs:
        data = pdf.read_bytes()
        assert b"/FontFile2" in data and b"/Type3" not in data, pdf.name
