"""The lock files pin every dependency that pyproject.toml names, within its range, each with hashes;
and the environment the suite runs in was installed from them (make install, .ci/run)."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^ \\]+) \\$", re.MULTILINE)
LOCKS = {
    "requirements.lock": [],
    "requirements-dev.lock": ["dev"],
    "requirements-agent.lock": ["dev", "agent"],
}


def pins(name: str) -> dict[str, str]:
    return {canonicalize_name(n): v for n, v in PIN.findall((ROOT / name).read_text())}


@pytest.mark.parametrize(("lock", "extras"), LOCKS.items())
def test_each_lock_pins_what_pyproject_asks_within_its_range(lock, extras):
    pinned = pins(lock)
    wanted = [Requirement(r) for r in PROJECT["dependencies"]]
    for extra in extras:
        wanted += [Requirement(r) for r in PROJECT["optional-dependencies"][extra]]
    for requirement in wanted:
        version = pinned.get(canonicalize_name(requirement.name))
        assert version is not None, f"{lock} lacks {requirement.name}: run `make lock`"
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock} pins {requirement.name}=={version}, outside {requirement.specifier}: run `make lock`"
        )
    text = (ROOT / lock).read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", text)[1:]  # one per pin, with its hash lines
    assert len(blocks) == len(pinned) and all("--hash=sha256:" in block for block in blocks), (
        f"{lock}: a pin without hashes"
    )
    assert "--index-url" not in text and "--find-links" not in text  # nothing of one machine's setup


def test_the_locks_agree_with_each_other():
    runtime, dev, agent = (pins(name) for name in LOCKS)
    assert all(dev[name] == version for name, version in runtime.items())
    assert all(agent[name] == version for name, version in dev.items())
    assert set(agent) - set(dev) == {"pyscard"}


def test_this_environment_was_installed_from_the_dev_lock():
    differing = {
        name: (version, installed)
        for name, version in pins("requirements-dev.lock").items()
        if (installed := _installed(name)) != version
    }
    assert not differing, (
        f"installed versions differ from requirements-dev.lock (run make install): {differing}"
    )


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
