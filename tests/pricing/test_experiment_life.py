"""An experiment's life through its services: started only when it can price something and
touches no package another running experiment prices; paused and completed; its winner applied
as price schedules with their history."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from hiroam.api.errors import ConflictError, DomainError
from pricing.experiments import services
from pricing.experiments.live import live_experiments
from pricing.guards import experiment_warnings
from pricing.models import PriceExperiment, PriceHistory, PriceSchedule, PriceVariant
from tests.catalog.factories import PackageFactory
from tests.pricing.factories import running_experiment

pytestmark = pytest.mark.django_db
Status = PriceExperiment.Status


def _draft(**fields):
    return running_experiment(status=Status.DRAFT, started_at=None, **fields)


def test_an_experiment_over_a_package_a_running_one_prices_is_refused_and_stays_a_draft():
    japan = PackageFactory.create(package_code="JP-5GB", location_codes=["JP"])
    running_experiment(packages=[japan], name="Japan price test")
    # Another experiment over every Japanese package: JP-5GB among them.
    rival = _draft(name="All of Japan", country_code="JP")

    with pytest.raises(ConflictError) as refusal:
        services.start_experiment(experiment_id=rival.pk, now=timezone.now())

    assert "“Japan price test” already covers 1 of its package(s): JP-5GB" in refusal.value.message
    rival.refresh_from_db()
    assert (rival.status, rival.started_at) == (Status.DRAFT, None)


def test_experiments_over_different_packages_run_side_by_side_and_a_paused_one_frees_its_packages(
    django_capture_on_commit_callbacks,
):
    japan = PackageFactory.create(location_codes=["JP"], region="asia")
    PackageFactory.create(location_codes=["FR"], region="europe")
    first = running_experiment(packages=[japan], name="Japan")
    europe = _draft(name="Europe", region="europe")
    now = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):  # each change drops the cache
        services.start_experiment(experiment_id=europe.pk, now=now)
    assert {experiment.name for experiment in live_experiments(now)} == {"Japan", "Europe"}

    with django_capture_on_commit_callbacks(execute=True):
        services.pause_experiment(experiment_id=first.pk, now=now)
        asia = _draft(name="Asia", region="asia")
        services.start_experiment(experiment_id=asia.pk, now=now)  # Japan's test is paused
    with pytest.raises(ConflictError):  # ... so it cannot resume over Asia's packages
        services.resume_experiment(experiment_id=first.pk, now=now)
    assert {experiment.name for experiment in live_experiments(now)} == {"Europe", "Asia"}


@pytest.mark.parametrize(
    ("fields", "variants", "message"),
    [
        ({}, [{"name": "Control", "is_control": True}], "one control and at least one other"),
        ({"package_codes": []}, None, "covers no package"),
        ({"ends_in": -1}, None, "end has passed"),
        ({"everything_and_named": True}, None, "covers every package: name none"),
    ],
)
def test_an_experiment_that_could_not_price_anything_is_not_started(fields, variants, message):
    packages = [] if "package_codes" in fields else [PackageFactory.create()]
    experiment = _draft(
        packages=packages,
        variants=variants,
        covers_everything=fields.get("everything_and_named", False),
    )
    if "ends_in" in fields:
        experiment.ends_at = timezone.now() + timedelta(days=fields["ends_in"])
        experiment.starts_at = experiment.ends_at - timedelta(days=7)
        experiment.save()

    with pytest.raises(DomainError, match=message):
        services.start_experiment(experiment_id=experiment.pk, now=timezone.now())
    assert PriceExperiment.objects.get(pk=experiment.pk).status == Status.DRAFT


def test_only_the_allowed_moves_are_made(django_capture_on_commit_callbacks):
    experiment = running_experiment(packages=[PackageFactory.create()])
    now = timezone.now()
    with pytest.raises(ConflictError, match="is running: it cannot start"):
        services.start_experiment(experiment_id=experiment.pk, now=now)
    with django_capture_on_commit_callbacks(execute=True):
        services.complete_experiment(experiment_id=experiment.pk, now=now)
    with pytest.raises(ConflictError, match="is completed: it cannot resume"):
        services.resume_experiment(experiment_id=experiment.pk, now=now)
    assert live_experiments(now) == ()


def test_a_winning_cut_becomes_a_percentage_schedule_on_every_package_it_covered():
    japan = [PackageFactory.create(location_codes=["JP"]) for _ in range(3)]
    retired = PackageFactory.create(location_codes=["JP"], is_active=False)
    experiment = running_experiment(country_code="JP", name="Japan -10%")
    lower = PriceVariant.objects.get(experiment=experiment, is_control=False)
    now = timezone.now()
    ends = now + timedelta(days=30)

    schedules = services.apply_winner(
        experiment_id=experiment.pk,
        variant_id=lower.pk,
        terms=services.WinnerTerms(ends_at=ends, priority=5),
        user=None,
        now=now,
    )

    assert {schedule.package_id for schedule in schedules} == {package.pk for package in japan}
    stored = PriceSchedule.objects.filter(package__in=[*japan, retired])
    assert {
        (s.schedule_name, s.schedule_type, s.discount_type, s.discount_value, s.priority)
        for s in stored
    } == {("Japan -10%: 10% lower", "discount", "percentage", 1_000, 5)}
    assert {(s.starts_at, s.ends_at) for s in stored} == {(now, ends)}
    assert (
        PriceHistory.objects.filter(
            field=PriceHistory.Field.SCHEDULE, reason="winner of the price experiment “Japan -10%”"
        ).count()
        == 3
    )
    experiment.refresh_from_db()
    assert (experiment.status, experiment.winner_id, experiment.completed_at) == (
        Status.COMPLETED,
        lower.pk,
        now,
    )
    with pytest.raises(ConflictError, match="already has its winner"):
        services.apply_winner(
            experiment_id=experiment.pk,
            variant_id=lower.pk,
            terms=services.WinnerTerms(ends_at=ends),
            user=None,
            now=now,
        )
    assert PriceSchedule.objects.count() == 3


def test_a_winning_rise_becomes_each_packages_own_set_price():
    cheap = PackageFactory.create(price_usd_cents=300, price_idr=48_000)
    dear = PackageFactory.create(price_usd_cents=2_000, price_idr=320_000)
    experiment = running_experiment(
        packages=[cheap, dear],
        variants=[
            {"name": "Control", "is_control": True},
            {"name": "5% higher", "adjustment": "percentage", "value": 500},
        ],
    )
    higher = PriceVariant.objects.get(experiment=experiment, is_control=False)
    now = timezone.now()

    services.apply_winner(
        experiment_id=experiment.pk,
        variant_id=higher.pk,
        terms=services.WinnerTerms(ends_at=now + timedelta(days=90)),
        user=None,
        now=now,
    )

    overrides = {
        s.package_id: (s.schedule_type, s.override_price_usd_cents, s.override_price_idr)
        for s in PriceSchedule.objects.all()
    }
    # +5 %, half away from zero: $3.15 and Rp 50.400; $21.00 and Rp 336.000.
    assert overrides == {
        cheap.pk: ("price_override", 315, 50_400),
        dear.pk: ("price_override", 2_100, 336_000),
    }


def test_the_control_winning_completes_the_experiment_and_changes_no_price():
    experiment = running_experiment(packages=[PackageFactory.create()])
    control = PriceVariant.objects.get(experiment=experiment, is_control=True)
    now = timezone.now()

    assert (
        services.apply_winner(
            experiment_id=experiment.pk,
            variant_id=control.pk,
            terms=services.WinnerTerms(ends_at=now + timedelta(days=1)),
            user=None,
            now=now,
        )
        == []
    )
    assert not PriceSchedule.objects.exists()
    assert PriceExperiment.objects.get(pk=experiment.pk).status == Status.COMPLETED


def test_a_variant_below_cost_is_warned_about():
    package = PackageFactory.create(
        package_code="JP-1GB", price_usd_cents=300, base_price_cents=180
    )
    experiment = running_experiment(
        packages=[package],
        variants=[
            {"name": "Control", "is_control": True},
            {"name": "Half price", "adjustment": "percentage", "value": -5_000},
            {"name": "10% lower", "adjustment": "percentage", "value": -1_000},
        ],
    )

    warnings = experiment_warnings(experiment, [package])

    assert warnings == [
        "Variant “Half price” would sell 1 package(s) below provider cost plus the payment fee: "
        "JP-1GB at $1.50."
    ]


def test_a_change_whose_cache_drop_was_lost_still_shows_within_the_cache_lifetime(settings):
    settings.CATALOG_CACHE_SECONDS = 1
    experiment = running_experiment(packages=[PackageFactory.create()])
    now = timezone.now()
    assert [live.name for live in live_experiments(now)] == [experiment.name]
    # Paused without the catalogue version moving (Redis failed just then).
    PriceExperiment.objects.filter(pk=experiment.pk).update(status=Status.PAUSED)

    assert [live.name for live in live_experiments(now)] == [experiment.name]  # kept a moment
    time.sleep(1.1)  # the shared copy in Redis expires too
    assert live_experiments(now + timedelta(seconds=1.1)) == ()


@pytest.mark.parametrize("problem", ["another experiment's variant", "an end already past"])
def test_a_winner_that_cannot_be_applied_changes_nothing(problem):
    experiment = running_experiment(packages=[PackageFactory.create()], name="Mine")
    other = running_experiment(packages=[PackageFactory.create()], name="Other")
    now = timezone.now()
    theirs = PriceVariant.objects.get(experiment=other, is_control=False)
    mine = PriceVariant.objects.get(experiment=experiment, is_control=False)
    variant, ends_at = {
        "another experiment's variant": (theirs, now + timedelta(days=30)),
        "an end already past": (mine, now - timedelta(minutes=1)),
    }[problem]

    with pytest.raises(DomainError):
        services.apply_winner(
            experiment_id=experiment.pk,
            variant_id=variant.pk,
            terms=services.WinnerTerms(ends_at=ends_at),
            user=None,
            now=now,
        )

    experiment.refresh_from_db()
    assert (experiment.status, experiment.winner_id, experiment.completed_at) == (
        Status.RUNNING,
        None,
        None,
    )
    assert not PriceSchedule.objects.exists()
    assert not PriceHistory.objects.exists()
