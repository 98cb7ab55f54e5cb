# dosecurve: sessions to clinically significant improvement, by intake severity.
# Table of contents: settings, then one rule file per stage in pipeline order.
# Settings (rules/common.smk): config/config.yaml, or only the files given with --configfile.
from snakemake.utils import min_version

min_version("8.0")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/shards.smk"
include: "workflow/rules/events.smk"
include: "workflow/rules/prepost.smk"
include: "workflow/rules/survival.smk"
include: "workflow/rules/change.smk"
include: "workflow/rules/calibration.smk"
include: "workflow/rules/pooled.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/paper.smk"
include: "workflow/rules/comparison.smk"


rule all:
    input:
        all_outputs(),


onsuccess:
    print_reports()
