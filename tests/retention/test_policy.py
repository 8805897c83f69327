"""The policy is complete and coherent: every table of our apps has a declared fate, every
rule says why and on what legal basis, and the daily job that applies it is registered."""

import pytest
from django.apps import apps

from hiroam.periodic import PERIODIC_JOBS
from retention.policy import APPLIED_RULES, POLICY, Action, Rule

OUR_APPS = ("accounts", "catalog", "pricing", "orders", "refunds", "points", "retention")
JOB_TASK = "retention.tasks.apply_retention_policy"


def test_every_table_of_our_apps_has_a_declared_fate():
    declared = " ".join(rule.table for rule in POLICY)
    tables = {
        model._meta.db_table
        for app in OUR_APPS
        for model in apps.get_app_config(app).get_models()
        if not model._meta.proxy
    }

    undeclared = sorted(
        table
        for table in tables
        if table not in declared and f"{table.split('_')[0]}_*" not in declared
    )

    assert undeclared == []


def test_every_rule_says_how_long_why_and_on_what_basis():
    for rule in POLICY:
        assert rule.table and rule.reason and rule.legal_basis, rule.key
        assert rule.age, rule.key
    assert len({rule.key for rule in POLICY}) == len(POLICY)


def test_the_job_applies_exactly_the_delete_and_anonymise_rules():
    acting = [rule for rule in POLICY if rule.action in (Action.DELETE, Action.ANONYMISE)]

    assert list(APPLIED_RULES) == acting
    assert {rule.action for rule in acting} == {Action.DELETE, Action.ANONYMISE}


def test_financial_records_are_kept():
    kept = {rule.key for rule in POLICY if rule.action == Action.KEEP}

    assert {"orders", "points_ledger", "prices"} <= kept


def test_a_rule_the_job_applies_needs_an_age_and_its_functions():
    with pytest.raises(ValueError, match="needs an age"):
        Rule(key="x", table="t", action=Action.DELETE, reason="r", legal_basis="b")


def test_the_daily_job_is_registered_at_an_hour_of_its_own():
    [job] = [job for job in PERIODIC_JOBS if job.task == JOB_TASK]
    assert job.cron is not None
    _minute, hour, *every_day = job.cron.split()

    assert every_day == ["*", "*", "*"]
    others = [other.cron.split()[1] for other in PERIODIC_JOBS if other.cron and other is not job]
    assert hour not in others and not any(
        other.startswith("*/") and int(hour) % int(other[2:]) == 0 for other in others
    )
