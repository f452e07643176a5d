"""docker-compose.yml parses and names the production-like stack (no Docker engine runs here)."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_compose_names_the_stack():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"proxy", "postgres", "redis", "web", "worker", "beat", "crl"}
    assert "gunicorn" in (ROOT / "Dockerfile").read_text()
    assert services["worker"]["command"][:4] == ["celery", "-A", "kaigo_portal", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "kaigo_portal", "beat"]
    for name in ("web", "worker", "beat", "crl"):
        environment = services[name]["environment"]
        assert services[name]["build"] == "."
        assert environment["DEBUG"] == "false"
        assert environment["DATABASE_URL"].startswith("postgres://") and environment["REDIS_URL"].startswith(
            "redis://"
        )
        assert set(services[name]["depends_on"]) == {"postgres", "redis"}


def test_compose_takes_secrets_from_the_environment():
    text = (ROOT / "docker-compose.yml").read_text()
    assert "${SECRET_KEY:?" in text and "${POSTGRES_PASSWORD:?" in text


def test_the_dockerfile_copies_every_package_of_the_layout():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in (
        "kaigo_portal",
        "eligibility",
        "certification",
        "opinions",
        "careplans",
        "subsidies",
        "consent",
        "cardreader_agent",
        "templates",
    ):
        assert f"COPY {package} ./{package}" in dockerfile


def test_the_proxy_runs_the_repositorys_config_and_gunicorn_is_not_published():
    """Only the proxy listens outside: a request can reach the portal only through its TLS and its checks."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert "./deploy/nginx:/etc/nginx/templates:ro" in services["proxy"]["volumes"]
    assert "ports" not in services["web"] and services["proxy"]["ports"] == ["443:443", "80:80"]
    template = (ROOT / "deploy/nginx/kaigo.conf.template").read_text()
    variables = set(re.findall(r"\$\{(KAIGO_[A-Z_]+)\}", template))
    assert variables == set(services["proxy"]["environment"])  # every variable of the template is given
    redis = services["redis"]["command"]
    assert (
        redis[redis.index("--appendonly") + 1] == "yes"
        and redis[redis.index("--appendfsync") + 1] == "everysec"
    )
