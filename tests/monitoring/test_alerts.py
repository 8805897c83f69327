"""The alert rules: valid for Prometheus, firing when they should (promtool's own unit tests),
each with a runbook that exists, and over metrics that /metrics really exports."""

import os
import re
import shutil
import subprocess

import pytest
import yaml

from hiroam.observability import metrics
from tests.worker import ROOT

RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "alerts_test.yml"


def alerts() -> list[dict]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        reason = "promtool is missing: apt-get install prometheus (Debian's package)"
        if os.environ.get("HIROAM_REQUIRE_PROMTOOL") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def test_promtool_accepts_the_rules_and_they_fire_as_their_tests_expect():
    for command in (["check", "rules", str(RULES)], ["test", "rules", str(RULE_TESTS)]):
        result = subprocess.run(
            [promtool(), *command], capture_output=True, text=True, cwd=RULES.parent
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_severity_and_a_runbook_that_exists():
    for rule in alerts():
        assert rule["labels"]["severity"] in ("critical", "warning"), rule["alert"]
        runbook = ROOT / rule["annotations"]["runbook_url"]
        assert runbook.is_file(), f"{rule['alert']}: no {runbook}"


@pytest.mark.django_db
def test_every_metric_an_alert_reads_is_exported(client):
    for counter in metrics.COUNTERS:  # a sample of each, so every family shows its series
        metrics.increment(counter, *("x" for _ in counter.labels))
    for histogram in metrics.HISTOGRAMS:
        metrics.observe(histogram, 0.1, *("x" for _ in histogram.labels))
    exported = client.get("/metrics").content.decode()

    for rule in alerts():
        for name in set(re.findall(r"\bhiroam_[a-z_]+", rule["expr"])):
            assert re.search(rf"^{name}[{{ ]", exported, re.MULTILINE), (rule["alert"], name)
