"""Config checks: every problem names the key to fix."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from dosecurve import config as cfg
from dosecurve.config import check_config
from dosecurve.config_files import ConfigFileError, effective_config, load_yaml
from dosecurve.measures.instruments import resolve_instrument
from dosecurve.measures.severity import resolve_bands

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
DEFAULT = yaml.safe_load((ROOT / "config/config.yaml").read_text())


def check(config):
    check_config(config, SCHEMA)


def test_default_config_is_valid():
    check(DEFAULT)
    assert cfg.analysis_settings(DEFAULT).improved_at == (1, 4, 8, 13, 26, 52, 104)


def test_misspelt_key_is_named():
    bad = copy.deepcopy(DEFAULT)
    bad["datasets"]["nordmo_sim"]["simulate"]["seeed"] = 1
    with pytest.raises(ValueError, match=r"datasets.nordmo_sim.simulate.seeed not recognised"):
        check(bad)


def test_misspelt_top_level_key():
    with pytest.raises(ValueError, match=r"config key\(s\) analyses not recognised"):
        check({**DEFAULT, "analyses": {}})


def test_seed_must_be_integer():
    bad = copy.deepcopy(DEFAULT)
    bad["datasets"]["nordmo_sim"]["simulate"]["seed"] = "abc"
    with pytest.raises(
        ValueError, match=r"datasets.nordmo_sim.simulate.seed: 'abc' is not of type"
    ):
        check(bad)


@pytest.mark.parametrize("name", ["../evil", "a/b", "with space", "x.y"])
def test_dataset_name_cannot_be_a_path(name):
    with pytest.raises(ValueError, match="use letters, digits, '_' and '-' only"):
        check({"datasets": {name: {"simulate": {}}}})


def test_dataset_needs_one_form():
    with pytest.raises(ValueError, match="give exactly one of 'simulate"):
        check({"datasets": {"x": {"path": "a.csv"}}})


def test_unknown_instrument_is_named():
    with pytest.raises(ValueError, match=r"datasets.x.instrument"):
        check({"datasets": {"x": {"simulate": {}, "instrument": "hads"}}})


def test_custom_instrument_requires_severity():
    ds = {"simulate": {}, "instrument": {"cutoff": 10, "reliable_change": 5, "range": [0, 40]}}
    with pytest.raises(ValueError, match=r"datasets.x: severity is required"):
        check({"datasets": {"x": ds}})


def test_overlapping_bands_are_rejected():
    ds = {
        "simulate": {},
        "severity": {"bands": [{"name": "a", "from": 10, "to": 16}, {"name": "b", "from": 15}]},
    }
    with pytest.raises(ValueError, match=r"datasets.x: severity band 'b' .* overlaps band 'a'"):
        check({"datasets": {"x": ds}})


def test_band_gap_is_rejected():
    with pytest.raises(ValueError, match="leaves a gap after band 'a'"):
        resolve_bands({"bands": [{"name": "a", "from": 10, "to": 14}, {"name": "b", "from": 15}]})


def test_instrument_presets_and_custom():
    assert resolve_instrument(None).name == "CORE-OM"
    phq = resolve_instrument("PHQ-9")
    assert (phq.cutoff, phq.reliable_change, phq.score_range) == (10, 6, (0, 27))
    custom = resolve_instrument(
        {"cutoff": 50, "reliable_change": 8, "range": [0, 100], "lower_is_better": False}
    )
    assert custom.is_clinical(50) and not custom.is_clinical(51)
    with pytest.raises(ValueError, match=r"cutoff 120 lies outside instrument.range \[0, 100\]"):
        resolve_instrument({"cutoff": 120, "reliable_change": 8, "range": [0, 100]})


def test_instrument_bands_follow_the_instrument():
    assert cfg.parse_dataset({"instrument": "phq-9"}).strata[-1] == "severe"
    assert cfg.parse_dataset({}).bands[2].lower == 10
    assert np.isinf(cfg.parse_dataset({}).bands[-1].upper)


def test_simulation_overrides():
    spec = cfg.parse_dataset({"simulate": {"n_clients": 5, "seed": 3}}).simulation
    assert (spec.n_clients, spec.seed, spec.n_therapists) == (5, 3, 88)


def sim(**extra):
    return {"datasets": {"x": {"simulate": {}, **extra}}}


def test_event_definitions_default_and_names():
    ds = {
        "events": {
            "definitions": [
                {"definition": "clinically_significant"},
                {"definition": "clinically_significant", "timing": "sustained", "sustained_for": 0},
                {"definition": "response", "timing": "termination"},
            ]
        }
    }
    names = [d.name for d in cfg.parse_dataset(ds).definitions]
    assert names == ["csi", "csi_sustained0", "response_termination"]
    assert cfg.parse_dataset({}).primary.definition == "clinically_significant"


def test_unknown_definition_is_named():
    with pytest.raises(ValueError, match=r"datasets.x.events.definitions.0.definition: 'recovery'"):
        check(sim(events={"definitions": [{"definition": "recovery"}]}))


def test_primary_must_be_listed():
    with pytest.raises(ValueError, match=r"events.primary 'main' is not among"):
        check(sim(events={"primary": "main", "definitions": [{"definition": "remission"}]}))


def test_repeated_definition_names():
    twice = [{"definition": "remission"}, {"definition": "remission"}]
    with pytest.raises(ValueError, match="repeated names"):
        check(sim(events={"definitions": twice}))


def test_two_instrument_recovery_needs_second_outcome():
    with pytest.raises(ValueError, match=r"needs columns.score_2 and second_instrument"):
        check(sim(events={"definitions": [{"definition": "recovery_two_instruments"}]}))


def test_prepost_group_must_exist():
    with pytest.raises(ValueError, match=r"prepost.group_by \['sex'\] are not available"):
        check(sim(prepost={"group_by": ["sex"]}))


def test_prepost_method_needs_reliability():
    custom = {"cutoff": 10, "reliable_change": 5, "range": [0, 40]}
    bands = {"bands": [{"name": "everyone", "from": 0}]}
    with pytest.raises(ValueError, match=r"prepost.method gln needs the instrument's reliability"):
        check(sim(instrument=custom, severity=bands, prepost={"method": "gln"}))
    check(sim(instrument={**custom, "reliability": 0.9}, severity=bands, prepost={"method": "gln"}))


def test_instrument_with_norms_and_preset_override_validate():
    norms = {
        "reliability": 0.9,
        "clinical_mean": 20,
        "clinical_sd": 6,
        "functional_mean": 8,
        "functional_sd": 4,
    }
    bands = {"bands": [{"name": "everyone", "from": 0}]}
    check(sim(instrument={"range": [0, 40], "norms": norms}, severity=bands))
    check(sim(instrument={"preset": "core-om", "cutoff": 11}))
    with pytest.raises(ValueError, match=r"datasets.x.instrument.norms.clinical_sd"):
        check(
            sim(
                instrument={"range": [0, 40], "norms": {**norms, "clinical_sd": -1}}, severity=bands
            )
        )


def test_unknown_instrument_preset_lists_the_presets():
    with pytest.raises(ValueError, match=r"'hads' is not one of core-om, core-10"):
        check(sim(instrument="hads"))


def test_cox_covariates_must_be_carried():
    ds = {
        "path": "f.csv",
        "columns": {"client": "id", "session": "s", "score": "x", "covariates": ["age"]},
    }
    assert cfg.parse_dataset({**ds, "cox": {"covariates": ["age"]}}).cox == cfg.CoxSettings(
        ("age",)
    )
    with pytest.raises(ValueError, match=r"cox.covariates \['sex'\] are not among columns"):
        cfg.parse_dataset({**ds, "cox": {"covariates": ["sex"]}})
    with pytest.raises(ValueError, match=r"cox.interactions use \['bond'\]"):
        cfg.parse_dataset({**ds, "cox": {"covariates": ["age"], "interactions": [["age", "bond"]]}})


# Config files are data: read with a safe loader, no repeated keys, bounded aliases.


def config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "my.yaml"
    path.write_text(text)
    return path


def test_a_python_tag_is_refused_without_evaluating_it(tmp_path):
    path = config_file(tmp_path, "datasets:\n  x: !!python/name:os.environ\n")
    with pytest.raises(ConfigFileError, match=r"my.yaml line 2: .*remove the tag") as err:
        load_yaml(path)
    assert "PATH" not in str(err.value) and len(str(err.value)) < 500


def test_a_repeated_key_is_refused_with_both_lines(tmp_path):
    text = "datasets:\n  a: {simulate: {}}\n  b: {simulate: {}}\n  a: {simulate: {seed: 2}}\n"
    with pytest.raises(ConfigFileError, match=r"key 'a' is given twice \(lines 2 and 4\)"):
        load_yaml(config_file(tmp_path, text))


def test_an_alias_bomb_is_refused_quickly_with_a_short_message(tmp_path):
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        levels.append(f"{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
    with pytest.raises(ConfigFileError, match="aliases expand to more than") as err:
        load_yaml(config_file(tmp_path, "\n".join(levels) + "\n"))
    assert len(str(err.value)) < 300


def test_a_few_aliases_are_fine(tmp_path):
    text = "bands: &b {bands: [{name: a, from: 10}]}\ndatasets:\n  x: {severity: *b}\n"
    assert load_yaml(config_file(tmp_path, text))["datasets"]["x"]["severity"]["bands"]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('datasets:\n  "x\\n": {simulate: {}}\n', "datasets.x"),
        ("analysis: {conf_level: .nan}\n", "analysis.conf_level"),
        ("analysis: {rmst_horizon: .inf}\n", "analysis.rmst_horizon"),
    ],
)
def test_values_no_setting_takes_are_refused_by_key(tmp_path, text, key):
    with pytest.raises(ConfigFileError, match=re.escape(key)):
        effective_config([config_file(tmp_path, text)])


def test_a_tab_delimiter_is_allowed(tmp_path):
    text = 'datasets:\n  x: {path: a.tsv, delimiter: "\\t", columns: {client: id}}\n'
    config, _ = effective_config([config_file(tmp_path, text)])
    assert config["datasets"]["x"]["delimiter"] == "\t"


def test_negative_seed_is_refused():
    bad = copy.deepcopy(DEFAULT)
    bad["datasets"]["nordmo_sim"]["simulate"]["seed"] = -1
    with pytest.raises(ValueError, match=r"simulate.seed: -1 is less than the minimum of 0"):
        check(bad)


def test_given_files_replace_the_default_and_merge_in_order(tmp_path):
    first = tmp_path / "a.yaml"
    first.write_text("datasets: {a: {simulate: {}}}\nanalysis: {conf_level: 0.9}\n")
    second = tmp_path / "b.yaml"
    second.write_text("analysis: {conf_type: log}\n")
    config, files = effective_config([first, second], {"privacy": {"min_cell": "5"}})
    assert files == [str(first), str(second)]
    assert config == {
        "datasets": {"a": {"simulate": {}}},
        "analysis": {"conf_level": 0.9, "conf_type": "log"},
        "privacy": {"min_cell": 5},
    }


def test_settings_are_parsed_once_into_a_frozen_object():
    import dataclasses

    ds = {
        "path": "f.csv",
        "columns": {"client": "id", "session": "s", "score": "x", "covariates": ["arm"]},
        "instrument": "phq-9",
        "time_unit": "weeks",
        "improved_at": [8, 4, 8],
        "cox": {"covariates": ["arm"]},
    }
    s = cfg.parse_dataset(ds, "clinic")
    assert (s.kind, s.name, s.instrument.name, s.clock.axis) == (
        "file",
        "clinic",
        "PHQ-9",
        "Weeks since intake",
    )
    assert s.improved_at == (4, 8) and s.cox.covariates == ("arm",) and s.strata[-1] == "severe"
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.time_unit = "sessions"  # type: ignore[misc]
    with pytest.raises(TypeError):
        s.columns["score"] = "y"  # type: ignore[index]


def test_a_step_given_only_its_keys_parses_and_bands_it_was_not_given_are_refused():
    custom = {"cutoff": 10, "reliable_change": 5, "range": [0, 40]}  # no preset bands
    full = {"path": "f.csv", "columns": {"client": "id", "session": "s", "score": "x"}}
    with pytest.raises(ValueError, match="severity is required"):
        cfg.parse_dataset({**full, "instrument": custom})  # the whole section is checked
    # the sessions step is given the instrument but not the severity bands
    s = cfg.parse_dataset({**full, "instrument": custom}, "clinic", check=False)
    assert s.instrument.cutoff == 10
    with pytest.raises(ValueError, match="was not given its 'severity' settings"):
        _ = s.bands


def test_privacy_and_step_settings_are_read_in_one_place():
    from dosecurve.config import privacy_settings, shared_analysis, step_settings

    config = {
        "privacy": {"min_cell": 5},
        "analysis": {"conf_level": 0.9, "growth": {"max_clients": 100}},
    }
    assert privacy_settings(config).min_cell == 5
    assert privacy_settings(config).show_therapists is False
    assert privacy_settings({}).min_cell is None
    assert shared_analysis(config, ("growth",)) == {"conf_level": 0.9}
    assert step_settings(config, "growth") == {"max_clients": 100}
    assert step_settings(config, "review_points") == {}


def test_groups_columns_that_would_share_a_figure_file_are_refused():
    ds = {
        "path": "data/x.csv",
        "columns": {
            "client": "id",
            "session": "s",
            "score": "y",
            "covariates": ["treatment arm", "treatment_arm"],
        },
        "instrument": "core-om",
        "groups": {"columns": ["treatment arm", "treatment_arm"]},
    }
    with pytest.raises(ValueError, match=r"would share the figure file improvement_by_group_"):
        cfg.parse_dataset(ds, "x", check=False)
    one = copy.deepcopy(ds)
    one["groups"]["columns"] = ["treatment arm"]
    assert cfg.parse_dataset(one, "x", check=False).groups.columns == ("treatment arm",)
