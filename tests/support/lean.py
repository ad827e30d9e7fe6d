"""The dashboard's lean install, reproduced in this venv without a network or a container engine.

The image and the Space install only `spaces/requirements.txt` (plus the product packages they
copy). This venv holds every extra, so a test of their entry points would pass even when the
requirements miss something. `blocked_modules` lists the top-level modules of every installed
distribution outside those requirements' dependency closure, and `blocker_env` makes a child
Python refuse to import them (a `sitecustomize` on its path), so the entry points run here as
they would in the image: an import the requirements do not cover fails the test.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO_ROOT

REQUIREMENTS = REPO_ROOT / "spaces" / "requirements.txt"
PRODUCT_PACKAGES = frozenset({"walltrack", "ui", "functions", "sim", "tests", "tools", "bench"})
"""The repository's own top-level packages: which of them an entry may import is decided by what
the image or the Space copies, not by the requirements."""

_SITECUSTOMIZE = '''\
"""Test harness: refuse the imports the dashboard's lean install would not have."""
import importlib.abc
import os
import sys

_BLOCKED = frozenset(os.environ["WALLTRACK_LEAN_BLOCKED"].split(","))


class _Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in _BLOCKED:
            raise ModuleNotFoundError(
                f"No module named {fullname!r} (not installed by the dashboard's requirements)",
                name=fullname,
            )
        return None


sys.meta_path.insert(0, _Refuse())
'''


def read_requirements(path: Path = REQUIREMENTS) -> list[Requirement]:
    """The requirement lines of a pip requirements file (comments and blanks skipped)."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [Requirement(line) for line in lines if line]


def pyproject_requirements(*extras: str) -> dict[str, Requirement]:
    """pyproject's runtime dependencies plus the named extras, by canonical name."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    return {canonicalize_name(r.name): r for r in map(Requirement, lines)}


def closure(requirements: Iterable[Requirement]) -> set[str]:
    """Canonical names of the distributions these requirements install, transitively, as
    resolved in this venv (markers evaluated for this interpreter, extras followed)."""
    seen: set[str] = set()
    pending = [(r, frozenset(r.extras)) for r in requirements]
    visited: set[tuple[str, frozenset[str]]] = set()
    while pending:
        req, extras = pending.pop()
        name = canonicalize_name(req.name)
        if (name, extras) in visited:
            continue
        visited.add((name, extras))
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue  # a marker-less optional dependency this interpreter does not need
        seen.add(name)
        for line in dist.requires or []:
            child = Requirement(line)
            if child.marker is not None:
                base = {k: str(v) for k, v in default_environment().items()}
                envs = [{**base, "extra": e} for e in ("", *extras)]
                if not any(child.marker.evaluate(env) for env in envs):
                    continue
            pending.append((child, frozenset(child.extras)))
    return seen


def blocked_modules(requirements: Iterable[Requirement], product: Iterable[str]) -> set[str]:
    """Top-level modules of installed distributions outside the closure of `requirements`,
    and the repository's packages other than `product`."""
    allowed = closure(requirements)
    blocked: set[str] = set()
    for module, dists in md.packages_distributions().items():
        if module in PRODUCT_PACKAGES or module.startswith("_") or not re.match(r"\w+$", module):
            continue
        if not any(canonicalize_name(d) in allowed for d in dists):
            blocked.add(module)
    return blocked | (PRODUCT_PACKAGES - set(product))


def blocker_env(
    workdir: Path, blocked: Iterable[str], base: Mapping[str, str], *, path: Iterable[Path] = ()
) -> dict[str, str]:
    """`base` plus what makes a child Python refuse `blocked`: a sitecustomize in `workdir`,
    first on PYTHONPATH, followed by `path`."""
    site = workdir / "lean-site"
    site.mkdir(parents=True, exist_ok=True)
    (site / "sitecustomize.py").write_text(_SITECUSTOMIZE)
    return {
        **base,
        "PYTHONPATH": ":".join(str(p) for p in (site, *path)),
        "WALLTRACK_LEAN_BLOCKED": ",".join(sorted(blocked)),
    }
