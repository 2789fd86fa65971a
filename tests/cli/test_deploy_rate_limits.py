"""check-deploy demands shared (Redis) rate-limit storage whenever gunicorn runs several workers,
however the worker count is spelled: each worker would otherwise count alone, and the documented
limits would multiply."""

from __future__ import annotations

import pytest

from groupfinder import config as config_module
from groupfinder.deploycheck import check, worker_count

from .test_deploy_and_backup import readme_production_environ


@pytest.mark.parametrize(("environ", "workers"), [
    ({}, 1),
    ({"WEB_CONCURRENCY": "4"}, 4),
    ({"GUNICORN_CMD_ARGS": "-w 3 --bind 0.0.0.0:8000"}, 3),
    ({"GUNICORN_CMD_ARGS": "--bind 0.0.0.0:8000 -w3"}, 3),
    ({"GUNICORN_CMD_ARGS": "--workers=5"}, 5),
    ({"GUNICORN_CMD_ARGS": "--workers 2", "WEB_CONCURRENCY": "8"}, 2),
])
def test_worker_count_reads_every_spelling(environ, workers):
    assert worker_count(environ) == workers


@pytest.mark.parametrize("environ", [{"WEB_CONCURRENCY": "2"}, {"GUNICORN_CMD_ARGS": "-w2"}])
def test_memory_rate_limits_with_several_workers_fail(tmp_path, environ):
    env = {**readme_production_environ(), "GROUPFINDER_RATELIMIT_STORAGE_URI": "memory://"}
    findings = check(config_module.load(str(tmp_path), environ=env), environ)
    assert "GF-E006" in {f.id for f in findings if f.level == "error"}


def test_memory_rate_limits_in_one_process_pass(tmp_path):
    env = {**readme_production_environ(), "GROUPFINDER_RATELIMIT_STORAGE_URI": "memory://"}
    findings = check(config_module.load(str(tmp_path), environ=env), {"WEB_CONCURRENCY": "1"})
    assert "GF-E006" not in {f.id for f in findings}
