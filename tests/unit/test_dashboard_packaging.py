"""The dashboard's two ship forms (Dockerfile, spaces/) agree with pyproject and with each other.

No container engine here: these read the files the image and the Space are built from; the
entry points themselves run in tests/e2e/test_dashboard_shipping.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from dockerfile_parse import DockerfileParser
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import REPO_ROOT
from tests.support.lean import (
    REQUIREMENTS,
    blocked_modules,
    blocker_env,
    pyproject_requirements,
    read_requirements,
)
from tools.space import PACKAGES, SPACE_FILES, lay_out

DOCKERFILE = REPO_ROOT / "Dockerfile"
SPACE_README = REPO_ROOT / "spaces" / "README.md"


def _front_matter() -> dict[str, Any]:
    text = SPACE_README.read_text()
    assert text.startswith("---\n"), "a Space's README.md opens with its YAML front matter"
    matter: dict[str, Any] = yaml.safe_load(text.split("---\n", 2)[1])
    return matter


def _instructions(kind: str) -> list[str]:
    return [
        i["value"] for i in DockerfileParser(str(DOCKERFILE)).structure if i["instruction"] == kind
    ]


def test_requirements_carry_pyprojects_specifiers() -> None:
    # Given the dashboard's requirements and pyproject's runtime + ui dependencies
    declared = pyproject_requirements("ui")
    # When each requirement is looked up in pyproject
    for req in read_requirements():
        name = canonicalize_name(req.name)
        # Then it is one of the product's own dependencies, with the same specifier, except
        # gradio, pinned exactly (a Space runs its sdk_version) inside pyproject's range
        assert name in declared, f"{req} is not a dependency in pyproject.toml"
        if name == "gradio":
            (pin,) = req.specifier
            assert pin.operator == "==", req
            assert Version(pin.version) in declared[name].specifier, (req, declared[name])
        else:
            assert req.specifier == declared[name].specifier, (req, declared[name])
            assert req.marker == declared[name].marker, (req, declared[name])


def test_space_front_matter_runs_the_pinned_gradio_on_the_images_python() -> None:
    # Given the Space's front matter, the requirements' gradio pin and the image's base
    matter = _front_matter()
    gradio = next(r for r in read_requirements() if canonicalize_name(r.name) == "gradio")
    base = DockerfileParser(str(DOCKERFILE)).baseimage
    requires_python = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"][
        "requires-python"
    ]
    # Then the Space is a Gradio app started from spaces/app.py
    assert matter["sdk"] == "gradio"
    assert (REPO_ROOT / "spaces" / matter["app_file"]).is_file()
    # And it runs the gradio the image installs
    assert str(gradio.specifier) == f"=={matter['sdk_version']}"
    # And the Space and the image run one Python, which pyproject supports
    assert isinstance(matter["python_version"], str), "quote it: YAML reads 3.10 as 3.1"
    assert base.startswith(f"python:{matter['python_version']}-"), base
    assert Version(matter["python_version"]) in SpecifierSet(requires_python)


def test_image_installs_the_spaces_requirements_and_the_product_without_its_deps() -> None:
    # Given the Dockerfile's COPY and RUN instructions
    copies = [c.split() for c in _instructions("COPY")]
    runs = _instructions("RUN")
    # Then the requirements file it installs is the Space's
    (req_copy,) = [c for c in copies if c[0] == "spaces/requirements.txt"]
    assert f"pip install --no-cache-dir -r {req_copy[1]}" in runs
    # And the product is installed without pyproject's server dependencies
    assert any("pip install" in r and "--no-deps" in r for r in runs)
    # And the packages it copies are the Space's
    copied = {Path(src).name for c in copies for src in c[:-1]}
    assert copied >= set(PACKAGES)
    assert not copied & {"sim", "functions", "tests", "supabase", "tools"}


def test_dockerignore_lets_through_exactly_what_the_image_copies() -> None:
    # Given .dockerignore (everything out, then exceptions) and the Dockerfile's COPY sources
    lines = [
        line.strip()
        for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    exceptions = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    sources = {src.rstrip("/") for c in _instructions("COPY") for src in c.split()[:-1]}
    # Then the context starts empty and lets in the copied paths and nothing else
    assert lines[0] == "*"
    assert exceptions == sources


def test_image_cmd_is_walltrack_ui_on_every_interface() -> None:
    # Given the Dockerfile's CMD (exec form: the container's PID 1 is the dashboard)
    cmd = json.loads(DockerfileParser(str(DOCKERFILE)).cmd)
    # Then it runs `walltrack ui` bound to all interfaces on the port it exposes
    assert cmd[:2] == ["walltrack", "ui"]
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0"
    assert cmd[cmd.index("--port") + 1] in _instructions("EXPOSE")


def test_space_layout_holds_the_entry_its_requirements_and_the_product(tmp_path: Path) -> None:
    # Given a checkout's copy with compiled files in it, and a folder that already holds a
    # Space's git metadata and a module since deleted
    source = tmp_path / "checkout"
    for name in ("spaces", *PACKAGES, "sim"):
        shutil.copytree(
            REPO_ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    (source / "ui" / "__pycache__").mkdir()
    (source / "ui" / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"")
    space = tmp_path / "space"
    (space / ".git").mkdir(parents=True)
    stale = space / "ui" / "gone.py"
    stale.parent.mkdir()
    stale.write_text("")
    # When the Space is laid out into it
    lay_out(space, source=source)
    # Then it holds the entry, requirements, README and the two packages, and nothing stale,
    # compiled or not run by the dashboard
    for name in SPACE_FILES:
        assert (space / name).read_bytes() == (REPO_ROOT / "spaces" / name).read_bytes()
    assert (space / "walltrack" / "cli" / "ui.py").is_file()
    assert (space / "ui" / "app.py").is_file()
    assert not stale.exists()
    assert (space / ".git").is_dir()
    assert not list(space.rglob("__pycache__"))
    assert not (space / "sim").exists()


def _lean_python(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    blocked = blocked_modules(read_requirements(REQUIREMENTS), PACKAGES)
    env = blocker_env(tmp_path, blocked, os.environ, path=[REPO_ROOT])
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_dashboard_imports_nothing_its_requirements_do_not_install(tmp_path: Path) -> None:
    # Given a Python that refuses every module outside the requirements' closure
    # When it loads the CLI and builds the dashboard (what `walltrack ui` does before serving)
    result = _lean_python(
        tmp_path,
        "from walltrack.cli import build_parser; build_parser(); import ui.app",
    )
    # Then nothing was missing
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.parametrize("module", ["psycopg", "neo4j", "boto3", "sim", "functions"])
def test_the_lean_python_refuses_what_the_image_does_not_install(
    tmp_path: Path, module: str
) -> None:
    # Given the same Python / When it imports a server dependency or an uncopied package
    result = _lean_python(tmp_path, f"import {module}")
    # Then the import fails, as it would in the image
    assert result.returncode != 0
    assert "not installed by the dashboard's requirements" in result.stderr
