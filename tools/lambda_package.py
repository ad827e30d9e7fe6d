"""Build the Lambda package for the runtime template.yaml declares, not for the build machine.

`sam build` (BuildMethod: makefile) calls the Makefile's `build-<LogicalId>` targets, which call
this module:

- `layer DEST`: the one dependencies layer. pip installs `[project].dependencies` of
  pyproject.toml (never the ui/local/dev extras) into `DEST/python` as wheels for the template's
  Runtime and Architectures: `--python-version 3.12 --implementation cp --only-binary=:all:` and
  every manylinux platform tag the runtime's glibc can load. The build machine's own Python
  (3.11 here) never decides an ABI. Versions are pinned to the ones installed in the build
  environment (the versions the tests ran with), so a deploy never picks up an untested release.
- `function DEST`: one function's code: the product's packages (`walltrack/`, `functions/`)
  and nothing else (no `sim/`, `ui/`, tests, bytecode).

`python -m tools.lambda_package target` prints the runtime target read from template.yaml.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import canonicalize_name

from walltrack.runtime.template import Template, TemplateError, load_template

REPO_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = REPO_ROOT / "template.yaml"
PYPROJECT = REPO_ROOT / "pyproject.toml"

PRODUCT_PACKAGES = ("walltrack", "functions")
"""What a function artifact carries: the product's code; its dependencies come from the layer."""

LAYER_SITE = "python"
"""Where a layer's packages go: Lambda extracts a layer to /opt, and /opt/python is on sys.path."""

# Lambda's Python runtimes and the glibc of the OS image each runs on (Lambda's runtime table:
# python3.9-3.11 run on Amazon Linux 2, glibc 2.26; python3.12 and later on Amazon Linux 2023,
# glibc 2.34). A wheel tagged manylinux_2_X loads where glibc >= 2.X.
LAMBDA_PYTHON_RUNTIMES: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "python3.9": ((3, 9), (2, 26)),
    "python3.10": ((3, 10), (2, 26)),
    "python3.11": ((3, 11), (2, 26)),
    "python3.12": ((3, 12), (2, 34)),
    "python3.13": ((3, 13), (2, 34)),
    "python3.14": ((3, 14), (2, 34)),
}
# Lambda architecture -> (machine name in wheel tags and extension suffixes, ELF e_machine).
LAMBDA_ARCHITECTURES: dict[str, tuple[str, int]] = {
    "x86_64": ("x86_64", 62),  # EM_X86_64
    "arm64": ("aarch64", 183),  # EM_AARCH64
}
# The PEP 600 names the older manylinux tags stand for (PEP 513, 571, 599).
_LEGACY_MANYLINUX = {(2, 17): "manylinux2014", (2, 12): "manylinux2010", (2, 5): "manylinux1"}


class PackagingError(Exception):
    """The package cannot be built or checked as asked (bad template, project or build)."""


@dataclass(frozen=True)
class RuntimeTarget:
    """Where the package runs: a Lambda Python runtime on one architecture."""

    runtime: str
    architecture: str

    def __post_init__(self) -> None:
        if self.runtime not in LAMBDA_PYTHON_RUNTIMES:
            known = ", ".join(LAMBDA_PYTHON_RUNTIMES)
            raise PackagingError(
                f"Runtime {self.runtime!r} is not a Lambda Python runtime ({known})"
            )
        if self.architecture not in LAMBDA_ARCHITECTURES:
            known = ", ".join(LAMBDA_ARCHITECTURES)
            raise PackagingError(f"architecture {self.architecture!r} is not one of {known}")

    @property
    def python(self) -> tuple[int, int]:
        return LAMBDA_PYTHON_RUNTIMES[self.runtime][0]

    @property
    def glibc(self) -> tuple[int, int]:
        return LAMBDA_PYTHON_RUNTIMES[self.runtime][1]

    @property
    def machine(self) -> str:
        return LAMBDA_ARCHITECTURES[self.architecture][0]

    @property
    def elf_machine(self) -> int:
        return LAMBDA_ARCHITECTURES[self.architecture][1]

    @property
    def python_version(self) -> str:
        return f"{self.python[0]}.{self.python[1]}"

    @property
    def interpreter(self) -> str:
        """The CPython tag: cp312."""
        return f"cp{self.python[0]}{self.python[1]}"

    @property
    def extension_suffix(self) -> str:
        """The suffix of an extension module built for exactly this runtime."""
        return f".cpython-{self.python[0]}{self.python[1]}-{self.machine}-linux-gnu.so"

    def describe(self) -> str:
        glibc = f"{self.glibc[0]}.{self.glibc[1]}"
        return (
            f"{self.runtime} {self.architecture} "
            f"(CPython {self.python_version}, manylinux up to glibc {glibc})"
        )

    def platforms(self) -> list[str]:
        """Every manylinux platform tag this runtime loads, newest first.

        Written out here rather than taken from `packaging.tags.platform_tags()`, which answers
        for the machine running it (its glibc, its architecture), not for the target."""
        major, newest = self.glibc
        tags: list[str] = []
        for minor in range(newest, 4, -1):
            tags.append(f"manylinux_{major}_{minor}_{self.machine}")
            legacy = _LEGACY_MANYLINUX.get((major, minor))
            if legacy and (minor == 17 or self.machine in ("x86_64", "i686")):
                tags.append(f"{legacy}_{self.machine}")
        return tags

    @cached_property
    def supported_tags(self) -> frozenset[Tag]:
        """The wheel tags the runtime accepts (what pip would accept running there)."""
        platforms = self.platforms()
        return frozenset(
            [
                *cpython_tags(self.python, platforms=platforms),
                *compatible_tags(self.python, self.interpreter, platforms),
            ]
        )

    def marker_environment(self) -> dict[str, str]:
        """PEP 508 marker values as seen inside the runtime (to follow Requires-Dist)."""
        return {
            "implementation_name": "cpython",
            "implementation_version": f"{self.python_version}.0",
            "os_name": "posix",
            "platform_machine": self.machine,
            "platform_python_implementation": "CPython",
            "platform_release": "",
            "platform_system": "Linux",
            "platform_version": "",
            "python_full_version": f"{self.python_version}.0",
            "python_version": self.python_version,
            "sys_platform": "linux",
        }


def read_target(template: Template) -> RuntimeTarget:
    """The one runtime every function of the template runs on (one layer serves them all)."""
    if not template.functions:
        raise PackagingError("the template declares no function")
    seen: dict[tuple[str, str], list[str]] = {}
    for function_id, spec in sorted(template.functions.items()):
        runtime = spec.properties.get("Runtime")
        architectures = spec.properties.get("Architectures", ["x86_64"])  # Lambda's default
        if not isinstance(runtime, str):
            raise PackagingError(f"function {function_id}: Runtime must be set, e.g. python3.12")
        if not isinstance(architectures, list) or len(architectures) != 1:
            raise PackagingError(
                f"function {function_id}: Architectures must list one architecture, "
                f"got {architectures!r}"
            )
        seen.setdefault((runtime, str(architectures[0])), []).append(function_id)
    if len(seen) > 1:
        groups = "; ".join(f"{r} {a}: {', '.join(ids)}" for (r, a), ids in seen.items())
        raise PackagingError(f"functions differ in runtime or architecture ({groups})")
    [(runtime, architecture)] = seen
    return RuntimeTarget(runtime, architecture)


def check_layer_declaration(template: Template, layer_id: str, target: RuntimeTarget) -> None:
    """The layer resource says it is for the functions' runtime and architecture."""
    resource = template.resources.get(layer_id)
    if not isinstance(resource, dict) or resource.get("Type") != "AWS::Serverless::LayerVersion":
        raise PackagingError(f"{layer_id} is not an AWS::Serverless::LayerVersion in the template")
    props: dict[str, Any] = resource.get("Properties") or {}
    if props.get("CompatibleRuntimes") != [target.runtime]:
        raise PackagingError(
            f"{layer_id}: CompatibleRuntimes is {props.get('CompatibleRuntimes')!r}; "
            f"the functions run {target.runtime}"
        )
    if props.get("CompatibleArchitectures") != [target.architecture]:
        raise PackagingError(
            f"{layer_id}: CompatibleArchitectures is {props.get('CompatibleArchitectures')!r}; "
            f"the functions run on {target.architecture}"
        )


def runtime_requirements(pyproject: Path = PYPROJECT) -> list[Requirement]:
    """pyproject's `[project].dependencies`: what the product needs at run time, no extras."""
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        raw = project["dependencies"]
    except (OSError, tomllib.TOMLDecodeError, KeyError) as exc:
        raise PackagingError(f"cannot read [project].dependencies from {pyproject}: {exc}") from exc
    try:
        return [Requirement(line) for line in raw]
    except InvalidRequirement as exc:
        raise PackagingError(f"{pyproject}: {exc}") from exc


def build_environment_pins(*, exclude: Sequence[str] = ("walltrack",)) -> list[str]:
    """`name==version` of every distribution installed where this runs (the test venv)."""
    skip = {canonicalize_name(name) for name in exclude}
    pins: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name and canonicalize_name(name) not in skip:
            pins[canonicalize_name(name)] = f"{canonicalize_name(name)}=={dist.version}"
    return sorted(pins.values())


def pip_install_command(
    target: RuntimeTarget, site: Path, requirements: Sequence[Requirement], constraints: Path
) -> list[str]:
    return [
        sys.executable, "-m", "pip", "install",
        "--quiet", "--no-compile", "--disable-pip-version-check",
        "--target", str(site),
        "--implementation", "cp",
        "--python-version", target.python_version,
        "--only-binary=:all:",
        *(f"--platform={platform}" for platform in target.platforms()),
        "--constraint", str(constraints),
        *(str(r) for r in requirements),
    ]  # fmt: skip


def find_runtime_python(target: RuntimeTarget) -> Path | None:
    """A CPython of the runtime's version on this machine: $LAMBDA_RUNTIME_PYTHON, a pyenv
    build (the CI machines' image has one), or pythonX.Y on PATH; the first that runs as
    that version (a pyenv shim for a version not selected does not)."""
    wanted = f"python{target.python_version}"
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    pyenv_builds = sorted(  # newest patch release first
        pyenv_root.glob(f"versions/{target.python_version}.*/bin/{wanted}"),
        key=lambda p: [int(n) if n.isdigit() else -1 for n in p.parents[1].name.split(".")],
        reverse=True,
    )
    candidates = [
        os.environ.get("LAMBDA_RUNTIME_PYTHON"),
        *(str(p) for p in pyenv_builds),
        shutil.which(wanted),
    ]
    for candidate in candidates:
        if candidate and python_version(Path(candidate)) == target.python:
            return Path(candidate)
    return None


def python_version(python: Path) -> tuple[int, int] | None:
    """The version `python` runs as, None if it does not run."""
    try:
        done = subprocess.run(  # noqa: S603 - a candidate interpreter, a fixed probe
            [str(python), "-I", "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return None
    parts = done.stdout.split()
    if done.returncode != 0 or len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def precompile(root: Path, target: RuntimeTarget) -> Path | None:
    """Compile `root`'s Python files to bytecode for the runtime, with a Python of its version.

    Lambda's code directories are read-only, so without shipped bytecode every cold start
    compiles every module it imports (measured here: the API handler imports in 1.0 s without,
    0.44 s with). The bytecode is never checked against its source ("unchecked-hash"), so it
    stays valid whatever modification times the zip round trip leaves. Without such a Python
    the package is built without it (correct, slower to start) and the caller says so."""
    python = find_runtime_python(target)
    if python is None:
        return None
    done = subprocess.run(  # noqa: S603 - our interpreter, our arguments
        [str(python), "-I", "-m", "compileall", "-q", "-j0",
         "--invalidation-mode", "unchecked-hash", str(root)],
        check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise PackagingError(f"{python} could not compile {root}")
    return python


def build_layer(
    dest: Path,
    *,
    template_path: Path = TEMPLATE,
    pyproject: Path = PYPROJECT,
    layer_id: str = "DependenciesLayer",
) -> RuntimeTarget:
    """Install the runtime dependencies into `dest/python` for the template's runtime."""
    template = _load(template_path)
    target = read_target(template)
    check_layer_declaration(template, layer_id, target)
    site = dest / LAYER_SITE
    if site.exists():
        shutil.rmtree(site)
    site.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as scratch:
        constraints = Path(scratch) / "constraints.txt"
        constraints.write_text("\n".join(build_environment_pins()) + "\n", encoding="utf-8")
        command = pip_install_command(target, site, runtime_requirements(pyproject), constraints)
        done = subprocess.run(command, check=False)  # noqa: S603 - our own pip, our arguments
    if done.returncode != 0:
        raise PackagingError(f"pip could not install the layer for {target.describe()}")
    # Console scripts carry the build machine's interpreter in their shebang: no use in a layer.
    shutil.rmtree(site / "bin", ignore_errors=True)
    _report_bytecode(precompile(site, target), target)
    return target


def build_function(dest: Path, *, source: Path = REPO_ROOT, template_path: Path = TEMPLATE) -> None:
    """Copy the product's packages (and nothing else) into a function's artifact directory."""
    target = read_target(_load(template_path))
    for package in PRODUCT_PACKAGES:
        origin = source / package
        if not (origin / "__init__.py").is_file():
            raise PackagingError(f"{origin} is not a Python package")
        copy = dest / package
        if copy.exists():
            shutil.rmtree(copy)
        shutil.copytree(origin, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _report_bytecode(precompile(dest, target), target)


def _report_bytecode(python: Path | None, target: RuntimeTarget) -> None:
    if python is None:
        print(  # noqa: T201
            f"note: no Python {target.python_version} here, so no bytecode is shipped "
            "(the package works; its cold starts compile every module)",
            file=sys.stderr,
        )


def _load(template_path: Path) -> Template:
    try:
        return load_template(template_path)
    except TemplateError as exc:
        raise PackagingError(str(exc)) from exc


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.lambda_package", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    layer = commands.add_parser("layer", help="build the dependencies layer into DEST/python")
    layer.add_argument("dest", type=Path)
    layer.add_argument("--layer-id", default="DependenciesLayer")
    function = commands.add_parser("function", help="copy the product's code into DEST")
    function.add_argument("dest", type=Path)
    commands.add_parser("target", help="print the runtime target template.yaml declares")
    args = parser.parse_args(argv)
    try:
        if args.command == "layer":
            target = build_layer(args.dest, layer_id=args.layer_id)
            print(f"layer built for {target.describe()} in {args.dest}")  # noqa: T201
        elif args.command == "function":
            build_function(args.dest)
        else:
            print(read_target(_load(TEMPLATE)).describe())  # noqa: T201
    except PackagingError as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
