"""The test suite never reads a developer's .env; the product does."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Imports a settings module with Env.read_env replaced by a recorder; prints how often it ran.
PROBE = """
import environ, importlib, sys
calls = []
environ.Env.read_env = classmethod(lambda cls, *args, **kwargs: calls.append(args))
importlib.import_module(sys.argv[1])
print(len(calls))
"""


def _dotenv_reads(settings_module, **env):
    environment = {
        **{key: value for key, value in os.environ.items() if key != "HIROAM_READ_DOTENV"},
        "DEBUG": "true",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE, settings_module],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout.split()[-1])


@pytest.mark.parametrize(
    ("settings_module", "env", "reads"),
    [
        ("hiroam.test_settings", {}, 0),
        ("hiroam.settings", {}, 1),
        ("hiroam.settings", {"HIROAM_READ_DOTENV": "false"}, 0),
    ],
)
def test_dotenv_is_read_by_the_product_and_never_by_the_tests(settings_module, env, reads):
    assert _dotenv_reads(settings_module, **env) == reads


def test_the_example_environment_file_is_valid_shell():
    """bin/hiroam sources .env (made from .env.example) with bash: a value with <, > or spaces
    must be quoted, or `make run` stops at once."""
    import subprocess
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / ".env.example"
    result = subprocess.run(
        ["/bin/bash", "-c", f'set -a; . {example}; echo "$DEFAULT_FROM_EMAIL"'],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "HIROAM <orders@hiroam.local>"
