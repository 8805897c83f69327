"""The ways HIROAM is started and deployed stay true to each other."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# Set by hiroam.test_settings for this process; a production start has none of them.
_TEST_ONLY_VARIABLES = {
    "SECURE_SSL_REDIRECT",
    "REDIS_URL",
    "LOG_FORMAT",
    "DEBUG",
    "SECRET_KEY",
    "SANDBOX_ALLOW_WITHOUT_DEBUG",
}


def test_compose_runs_the_same_process_commands_as_make_run():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    launcher = (ROOT / "bin" / "hiroam").read_text()
    makefile = (ROOT / "Makefile").read_text()

    for process in ("web", "worker", "beat"):
        assert services[process]["command"] == ["bin/hiroam", process]
        assert re.search(rf'"\$0" {process} &', launcher), (
            f"bin/hiroam all does not start {process}"
        )
    assert "bin/hiroam prepare" in makefile and "bin/hiroam all" in makefile
    assert services["prepare"]["command"] == ["bin/hiroam", "prepare"]
    for process in ("web", "worker", "beat"):
        assert (
            services[process]["depends_on"]["prepare"]["condition"]
            == "service_completed_successfully"
        )
    assert {"postgres", "redis"} <= set(services)


def test_compose_publishes_the_web_port_on_this_machine_only():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())

    assert compose["services"]["web"]["ports"] == ["127.0.0.1:8000:8000"]
    assert all(
        "ports" not in service or name == "web" for name, service in compose["services"].items()
    )


def test_the_image_runs_as_its_own_user_owning_the_app_and_holds_no_local_files():
    instructions = [
        line.split(None, 1)
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    keywords = [keyword for keyword, _ in instructions]
    creates_user = next(i for i, (keyword, args) in enumerate(instructions) if "useradd" in args)
    copy = keywords.index("COPY")
    ignored = (ROOT / ".dockerignore").read_text().split()

    assert creates_user < copy
    assert "install -d -o hiroam -g hiroam /app" in instructions[creates_user][1]
    assert instructions[copy][1].startswith("--chown=hiroam:hiroam ")
    assert instructions[keywords.index("USER")][1] == "hiroam"
    assert keywords.index("USER") > copy
    assert {".env", ".venv", ".git", "staticfiles", "*.egg-info"} <= set(ignored)


def test_the_image_holds_its_static_files_collected_as_production_serves_them():
    """Each container has its own filesystem: files collected by `bin/hiroam prepare` in the
    prepare container never reach the web container, so the image must carry them."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    user_line = dockerfile.index("\nUSER hiroam")
    collect = dockerfile.index("manage.py collectstatic")

    assert user_line < collect  # written by the app's user, into /app/staticfiles
    assert "DEBUG=false" in dockerfile[dockerfile.rindex("RUN ", 0, collect) : collect]


def test_deploy_checks_pass_with_debug_off():
    env = {
        **{key: value for key, value in os.environ.items() if key not in _TEST_ONLY_VARIABLES},
        "DJANGO_SETTINGS_MODULE": "hiroam.settings",
        "DEBUG": "false",
        "SECRET_KEY": "k" * 20 + "-Very-long-and-random-production-secret-4f9a0c",
        "ALLOWED_HOSTS": "shop.hiroam.com",
        "ESIM_ACCESS_ENVIRONMENT": "production",
        "ESIM_ACCESS_CODE": "live-access-code",
        "ESIM_SECRET_KEY": "live-secret",
        "PADDLE_ENVIRONMENT": "production",
        "PADDLE_API_KEY": "pdl_live_apikey_x",
        "PADDLE_WEBHOOK_SECRET": "pdl_ntf_live_secret",
        "SENDGRID_API_KEY": "SG.live-key",
        "FIELD_ENCRYPTION_KEYS": "bGl2ZS1saWtlLWtleS1mb3ItdGhlLWRlcGxveS10ZXM=",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_the_api_schema_and_its_docs_are_served(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/auth/login" in paths
    login_ok = paths["/api/v1/auth/login"]["post"]["responses"]["200"]["content"][
        "application/json"
    ]
    assert login_ok["schema"]["properties"]["success"]["enum"] == [True]
    assert docs.status_code == 200
