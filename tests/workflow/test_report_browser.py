"""The reports as a reader opens them: in a real headless browser (Debian's chromium), and
the figures' data files against the tables they must agree with."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from runs import snakemake, write_config

from dosecurve.figures.catalog import FIGURES
from dosecurve.report.readable import RAW_CELL, percent_text
from dosecurve.report.sections import fmt_median

# A real browser (headless Chromium): run with the heavy tests (.ci/run installs it).
pytestmark = [pytest.mark.workflow, pytest.mark.heavy]
BROWSERS = ("chromium", "chromium-browser", "google-chrome")

# Injected into a copy of the report (the report itself has no script): a content security
# policy that blocks anything not inside the file, and a probe that records errors and
# decodes every image, then writes what it found into the page for --dump-dom.
PROBE = """<meta http-equiv="Content-Security-Policy" content="default-src 'none';
img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<script>
window.__errors = [];
window.addEventListener('error', e => window.__errors.push(
  e.message || ('failed to load ' + (e.target && e.target.tagName))), true);
document.addEventListener('securitypolicyviolation', e => window.__errors.push(
  'blocked external resource: ' + e.blockedURI));
for (const level of ['error', 'warn']) {
  const original = console[level];
  console[level] = (...args) => { window.__errors.push(level + ': ' + args.join(' '));
                                  original.apply(console, args); };
}
window.addEventListener('load', () => {
  // after load every image has been fetched and decoded: a broken one has no width
  const sizes = Array.from(document.images).map(
    img => img.complete && img.naturalWidth > 0 ? [img.naturalWidth, img.naturalHeight]
                                                : 'not decoded');
  // every folded table opened, then each table's full (scroll) width at this viewport
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const widths = Array.from(document.querySelectorAll('table')).map(t => t.scrollWidth);
  const viewport = document.documentElement.clientWidth;
  const out = document.createElement('pre');
  out.id = 'probe-result';
  out.textContent = JSON.stringify({errors: window.__errors, images: sizes, widths: widths,
                                    viewport: viewport});
  document.body.appendChild(out);
});
</script>"""


def browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def open_in_browser(page: Path, tmp_path: Path) -> tuple[dict, str]:
    """Load ``page`` with the probe in headless chromium; return the probe's findings and
    the rendered DOM."""
    exe = browser()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run must install it")
        pytest.skip("no chromium on this machine (CI installs it)")
    probed = tmp_path / f"probed-{page.name}"
    probed.write_text(page.read_text().replace("<head>", "<head>" + PROBE, 1))
    cmd = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-quic",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--virtual-time-budget=20000",
        "--window-size=1280,1000",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--dump-dom",
        probed.as_uri(),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    found = re.search(r"<pre id=\"probe-result\">(.*?)</pre>", result.stdout, re.S)
    assert found, f"the page did not finish loading: {result.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1))), result.stdout


class Tables(HTMLParser):
    """The text of every table cell, table by table."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.tables[-1][-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


@pytest.fixture(scope="module")
def sim_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    datasets = {
        "sim": {"simulate": {"preset": "nordmo2021", "n_clients": 150, "seed": 11}},
        "brief": {"simulate": {"preset": "brief_iapt", "n_clients": 150, "seed": 12}},
    }
    write_config(folder, datasets)
    result = snakemake(folder)
    assert result.returncode == 0, result.stderr[-3000:]
    return folder


def test_report_loads_cleanly_and_its_headline_equals_the_table(sim_run, tmp_path):
    probe, dom = open_in_browser(sim_run / "results/sim/report.html", tmp_path)
    assert probe["errors"] == []
    assert len(probe["images"]) == len(FIGURES)
    assert all(isinstance(size, list) and size[0] > 500 for size in probe["images"])
    medians = pd.read_csv(sim_run / "results/sim/tables/median_sessions.csv")
    improved = pd.read_csv(sim_run / "results/sim/tables/improved_by_session.csv")
    overall = medians.set_index("stratum").loc["all"]
    headline = re.search(r"<p class=\"answer\" id=\"headline\">(.*?)</p>", dom, re.S).group(1)
    n, events = int(overall["n"]), int(overall["events"])
    assert f"{n} clients were analysed and {events} showed" in headline
    median, limits = fmt_median(overall).split(" ", 1)  # '52', '(43 to 71)'
    assert f"half would have improved by session {median} (95 % CI {limits[1:]}" in headline
    parser = Tables()
    parser.feed(dom)
    answer = parser.tables[0]
    header, rows = answer[0], {row[0]: row for row in answer[1:]}
    assert set(rows) == set(medians["stratum"])
    for row in medians.itertuples():
        cells = dict(zip(header, rows[row.stratum], strict=True))
        assert cells["Median sessions (95 % CI)"] == fmt_median(
            pd.Series(row._asdict()), table=True
        )
        assert cells["n"] == str(row.n) and cells["Improved"] == str(row.events)
        at = improved[(improved["stratum"] == row.stratum) & (improved["session"] == 26)]
        assert cells["% improved by session 26"] == percent_text(at["improved"].item())


def test_report_reads_as_a_paper(sim_run, tmp_path):
    """A contents list linking every section; no raw cell (long float, e-notation,
    True/False, -0, nan) and no snake_case header in any table; no table wider than the
    viewport at 1280 px, with every folded table opened."""
    probe, dom = open_in_browser(sim_run / "results/sim/report.html", tmp_path)
    assert probe["viewport"] <= 1280 and len(probe["widths"]) > 20
    assert max(probe["widths"]) <= probe["viewport"], probe["widths"]
    contents = re.search(r"<nav class=\"contents\" id=\"contents\">(.*?)</nav>", dom, re.S)
    assert contents, "no contents list"
    links = re.findall(r'href="#([^"]+)"', contents.group(1))
    for anchor in links:
        assert f'id="{anchor}"' in dom, anchor
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", dom)
    assert len(links) >= len(headings) >= 8
    # sections in the order a paper reads
    order = ["Participant flow", "Methods", "Time to improvement", "Estimates", "Models"]
    order += ["Sensitivity", "Pre-post", "Provenance"]
    at = [next(i for i, h in enumerate(headings) if h.startswith(o)) for o in order]
    assert at == sorted(at), headings
    parser = Tables()
    parser.feed(dom)
    raw = [
        cell for table in parser.tables for row in table for cell in row if RAW_CELL.search(cell)
    ]
    assert raw == [], raw[:20]
    snake = [h for table in parser.tables for h in table[0] if re.search(r"[a-z]_[a-z]", h)]
    assert snake == [], snake


def test_comparison_report_loads_cleanly_with_every_data_set(sim_run, tmp_path):
    probe, dom = open_in_browser(sim_run / "results/comparison/report.html", tmp_path)
    assert probe["errors"] == [] and len(probe["images"]) == 1
    parser = Tables()
    parser.feed(dom)
    rows = {row[0]: row for row in parser.tables[0][1:]}
    assert set(rows) == {"sim", "brief"}
    for name in rows:
        overall = pd.read_csv(sim_run / f"results/{name}/tables/median_sessions.csv")
        n = overall.set_index("stratum").loc["all", "n"]
        assert rows[name][1] == str(n)


def test_a_broken_image_or_external_resource_is_caught(sim_run, tmp_path):
    """The probe itself can fail: a report with a corrupt image and an external style."""
    page = (sim_run / "results/sim/report.html").read_text()
    broken = re.sub(r"base64,[A-Za-z0-9+/]{40}", "base64,AAAA", page, count=1)
    broken = broken.replace(
        "</head>", "<link rel='stylesheet' href='https://x.invalid/a.css'></head>", 1
    )
    (tmp_path / "broken.html").write_text(broken)
    probe, _ = open_in_browser(tmp_path / "broken.html", tmp_path)
    assert "not decoded" in probe["images"]
    assert any("x.invalid" in e or "blocked" in e for e in probe["errors"])


def test_figure_data_agree_with_the_tables(sim_run):
    out = sim_run / "results/sim"
    events = pd.read_parquet(out / "events.parquet")
    eligible = events[events["eligible"]]
    risk = pd.read_csv(out / "figures/improvement_by_severity_risk_table.csv")
    for row in risk[risk["stratum"] == "all"].itertuples():
        assert row.at_risk == (eligible["time"] >= row.session).sum()
        assert row.cum_improved == eligible.loc[eligible["time"] <= row.session, "event"].sum()
    # the figure's curves are the Kaplan-Meier table up to each stratum's horizon
    curves = pd.read_csv(out / "figures/improvement_by_severity.csv")
    km = pd.read_csv(out / "tables/km_curves.csv")
    horizon = pd.read_csv(out / "figures/improvement_by_severity_horizon.csv")
    shown = km[km["time"] <= km["stratum"].map(horizon.set_index("stratum")["horizon"])]
    pd.testing.assert_frame_equal(curves, shown.reset_index(drop=True))
    attended = pd.read_csv(out / "figures/sessions_attended.csv")
    assert attended.groupby("stratum")["n"].sum().loc["all"] == len(eligible)
    cells = pd.read_csv(out / "figures/jacobson.csv")
    categories = pd.read_csv(out / "tables/prepost_categories.csv").set_index("category")
    by_category = cells.groupby("category")["n"].sum()
    for category, n in by_category.items():
        assert n == categories.loc[category, "n"]
    # the incidence figure draws the during_therapy estimand of tables/estimands.csv
    cif = pd.read_csv(out / "figures/cumulative_incidence.csv")
    estimands = pd.read_csv(out / "tables/estimands.csv")
    during = estimands[
        (estimands["estimand"] == "during_therapy") & (estimands["stratum"] == "all")
    ]
    checked = 0
    for cause, prefix in (("improved", "improved_by_"), ("ended", "ended_without_improvement_by_")):
        for row in (
            during[during["measure"].str.startswith(prefix)].dropna(subset=["value"]).itertuples()
        ):
            k = int(row.measure.removeprefix(prefix))
            if k > horizon.set_index("stratum").loc["all", "horizon"]:
                continue  # the figure draws the curves to their horizons only
            part = cif[(cif["stratum"] == "all") & (cif["time"] <= k)]
            value = part[f"cif_{cause}"].iloc[-1] if len(part) else 0.0
            assert value == pytest.approx(row.value, abs=1e-12)
            checked += 1
    assert checked >= 4
    means = pd.read_csv(out / "figures/trajectories.csv")
    assert (means["n"] >= 10).all() and np.all(means["ci_lower"] <= means["mean"])


def test_snakemake_report_lists_every_figure(sim_run):
    result = snakemake(sim_run, "--report", "report.zip")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Warning" not in result.stdout + result.stderr  # once 13 unawaited coroutines
    import zipfile

    names = zipfile.ZipFile(sim_run / "report.zip").namelist()
    for figure in FIGURES:
        assert any(n.endswith(f"{figure}.png") for n in names), figure
    archive = zipfile.ZipFile(sim_run / "report.zip")
    pages = [archive.read(n).decode() for n in names if n.endswith("/report.html")]
    for dataset in ("sim", "brief"):  # each data set's own report is in it
        assert any(f"<title>dosecurve report: {dataset}</title>" in p for p in pages), dataset
