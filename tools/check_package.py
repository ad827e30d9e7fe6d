"""Check the Lambda package `make package` built (`.aws-sam/build`, what `sam deploy` ships).

    .venv/bin/python -m tools.check_package [.aws-sam/build] [--python PATH] [--skip-imports]

Read from the built template (its functions, their handlers and layers), it checks that:

- every distribution in a layer is a wheel whose tags the runtime accepts (cp312 / abi3 / pure,
  manylinux up to the runtime's glibc), every extension module is named for the runtime's
  Python and machine (no `cpython-311` file), every shared object is an ELF for the runtime's
  architecture, and any bytecode is the runtime's;
- the layer holds exactly what `[project].dependencies` needs on the runtime (followed through
  each wheel's Requires-Dist), so nothing from the ui/local/dev extras rides along;
- each function carries only `walltrack/` and `functions/`: no `sim/`, `ui/`, tests, binaries;
- the product imports from the artifact as Lambda lays it out (/var/task, then /opt/python) in
  a Python of the runtime's version: each handler, then every module of `walltrack/` and
  `functions/` but the local runner's;
- sizes stay within Lambda's limits: function + layers unzipped <= 250 MB, each zip <= 50 MB
  (the direct-upload limit; `sam deploy` uploads through S3, so this is the stricter bound).

It prints each artifact's sizes, zipped and unzipped, and exits 1 naming every problem.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.tags import Tag, parse_tag
from packaging.utils import NormalizedName, canonicalize_name

from tools.lambda_package import (
    LAYER_SITE,
    PRODUCT_PACKAGES,
    PYPROJECT,
    REPO_ROOT,
    PackagingError,
    RuntimeTarget,
    find_runtime_python,
    read_target,
    runtime_requirements,
)
from walltrack.runtime.template import Ref, TemplateError, load_template

BUILD_DIR = REPO_ROOT / ".aws-sam" / "build"
MB = 1024 * 1024
UNZIPPED_LIMIT = 250 * MB
"""Lambda: a function and all its layers, unzipped."""
ZIPPED_LIMIT = 50 * MB
"""Lambda: a .zip uploaded directly (function or layer)."""

LOCAL_ONLY_MODULES = ("walltrack.cli", "walltrack.runtime.local", "walltrack.runtime.schedules")
"""Modules no function imports, which need the `local` extra the layer rightly lacks: the
command line (it starts the local stack: uvicorn, the dashboard, the simulated market) and the
local runner (template schedules as in-process timers, through aws-croniter)."""

_EXTENSION = re.compile(r"\.cpython-(?P<major>\d)(?P<minor>\d+)-(?P<machine>\w+?)-linux-gnu\.so$")
_SHARED_OBJECT = re.compile(r"\.so(\.\d+)*$")
_BYTECODE = re.compile(r"\.cpython-(?P<tag>\d+)(?:\.opt-\d)?\.pyc$")
_ELF_MAGIC = b"\x7fELF"
_ELFCLASS64 = 2

_IMPORT_PROBE = """
import importlib, json, pkgutil, sys, time
code_dir, layer_dirs, handler, packages, skip = json.loads(sys.argv[1])
sys.path[:0] = [code_dir, *layer_dirs]  # /var/task, then /opt/python, as Lambda orders them
out = {"version": list(sys.version_info[:2]), "failed": {}, "modules": 0, "outside": []}
module_name, _, attr = handler.rpartition(".")
started = time.perf_counter()
try:
    if not callable(getattr(importlib.import_module(module_name), attr)):
        out["failed"][handler] = "not callable"
except Exception as exc:
    out["failed"][handler] = f"{type(exc).__name__}: {exc}"
out["handler_seconds"] = time.perf_counter() - started
for package in packages:
    try:
        root = importlib.import_module(package)
    except Exception as exc:
        out["failed"][package] = f"{type(exc).__name__}: {exc}"
        continue
    names = [m.name for m in pkgutil.walk_packages(root.__path__, package + ".", onerror=str)]
    for name in names:
        if name.endswith(".__main__") or any(name == s or name.startswith(s + ".") for s in skip):
            continue
        try:
            importlib.import_module(name)
            out["modules"] += 1
        except Exception as exc:
            out["failed"][name] = f"{type(exc).__name__}: {exc}"
roots = tuple([code_dir, *layer_dirs, sys.base_prefix])
for name, module in sorted(sys.modules.items()):
    where = getattr(module, "__file__", None)
    if where and not where.startswith(roots):
        out["outside"].append(f"{name} ({where})")
print(json.dumps(out))
"""


@dataclass(frozen=True)
class FunctionArtifact:
    logical_id: str
    handler: str
    path: Path
    layers: tuple[str, ...]


@dataclass(frozen=True)
class Build:
    """The built package as the built template describes it."""

    target: RuntimeTarget
    functions: tuple[FunctionArtifact, ...]
    layers: dict[str, Path]


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def say(self, text: str) -> None:
        self.lines.append(text)


# -- reading the build ----------------------------------------------------------------------------


def load_build(build_dir: Path) -> Build:
    """Functions and layers from `build_dir/template.yaml` (the template `sam deploy` uses)."""
    built = build_dir / "template.yaml"
    if not built.is_file():
        raise PackagingError(f"no built template at {built}: run `make package` first")
    try:
        template = load_template(built)
    except TemplateError as exc:
        raise PackagingError(str(exc)) from exc
    layers: dict[str, Path] = {}
    for logical_id, resource in template.resources.items():
        if isinstance(resource, dict) and resource.get("Type") == "AWS::Serverless::LayerVersion":
            content = (resource.get("Properties") or {}).get("ContentUri")
            if not isinstance(content, str):
                raise PackagingError(f"layer {logical_id}: ContentUri is not a built directory")
            layers[logical_id] = (build_dir / content).resolve()
    functions = []
    for logical_id, spec in sorted(template.functions.items()):
        if spec.code_dir is None:
            raise PackagingError(f"function {logical_id}: CodeUri is not a built directory")
        refs = spec.properties.get("Layers") or []
        names = tuple(r.target for r in refs if isinstance(r, Ref))
        if len(names) != len(refs) or any(name not in layers for name in names):
            raise PackagingError(
                f"function {logical_id}: Layers {refs!r} are not layers built here"
            )
        functions.append(FunctionArtifact(logical_id, spec.handler, spec.code_dir, names))
    return Build(read_target(template), tuple(functions), layers)


# -- binary compatibility -------------------------------------------------------------------------


def elf_machine(path: Path) -> tuple[int, int] | None:
    """(ELF class, e_machine) of an ELF file, None if it is not one.

    Read by hand (two fields of the fixed-layout ELF header) rather than with a library: the
    check needs nothing else from the file, and no ELF reader is among the project's tools."""
    with path.open("rb") as handle:
        header = handle.read(20)
    if len(header) < 20 or header[:4] != _ELF_MAGIC:
        return None
    machine = header[18:20]
    return header[4], int.from_bytes(machine, "little" if header[5] == 1 else "big")


def wheel_tags(dist_info: Path) -> list[Tag]:
    try:
        text = (dist_info / "WHEEL").read_text(encoding="utf-8")
    except OSError:
        return []
    tags: list[Tag] = []
    for value in HeaderParser().parsestr(text).get_all("Tag") or []:
        tags.extend(parse_tag(value.strip()))
    return tags


def check_wheels(site: Path, target: RuntimeTarget, report: Report, *, where: str) -> None:
    """Every distribution installed in `site` came from a wheel the runtime accepts."""
    for dist_info in sorted(site.glob("*.dist-info")):
        tags = wheel_tags(dist_info)
        if not tags:
            report.problem(f"{where}: {dist_info.name} has no WHEEL tags (not from a wheel)")
        elif not set(tags) & target.supported_tags:
            shown = ", ".join(sorted({str(t) for t in tags}))
            report.problem(
                f"{where}: {dist_info.name} is built for {shown}, not {target.describe()}"
            )


@dataclass
class Binaries:
    extensions: int = 0
    shared_objects: int = 0
    bytecode: int = 0


def check_binaries(root: Path, target: RuntimeTarget, report: Report, *, where: str) -> Binaries:
    """Every extension module, shared object and bytecode file under `root` fits the runtime."""
    found = Binaries()
    foreign_bytecode: Counter[str] = Counter()
    own_tag = target.interpreter.removeprefix("cp")
    for path in _files(root):
        name = path.name
        bytecode = _BYTECODE.search(name)
        if bytecode and bytecode["tag"] != own_tag:
            foreign_bytecode[f"cpython-{bytecode['tag']}"] += 1
        elif bytecode:
            found.bytecode += 1
        if not _SHARED_OBJECT.search(name):
            continue
        found.shared_objects += 1
        relative = path.relative_to(root)
        extension = _EXTENSION.search(name)
        if extension:
            found.extensions += 1
            version = (int(extension["major"]), int(extension["minor"]))
            if version != target.python or extension["machine"] != target.machine:
                report.problem(
                    f"{where}: {relative} is an extension for CPython {version[0]}.{version[1]} "
                    f"on {extension['machine']}, not {target.describe()}"
                )
        elf = elf_machine(path)
        if elf is None:
            report.problem(f"{where}: {relative} is not an ELF shared object")
        elif elf != (_ELFCLASS64, target.elf_machine):
            report.problem(
                f"{where}: {relative} is ELF class {elf[0]} machine {elf[1]}, "
                f"not 64-bit {target.machine}"
            )
    for tag, count in sorted(foreign_bytecode.items()):
        report.problem(
            f"{where}: {count} bytecode files compiled by {tag}, not {target.interpreter}"
        )
    return found


# -- what the layer holds -------------------------------------------------------------------------


@dataclass(frozen=True)
class Distribution:
    name: NormalizedName
    requires: tuple[Requirement, ...]


def installed_distributions(site: Path) -> dict[NormalizedName, Distribution]:
    found: dict[NormalizedName, Distribution] = {}
    for dist_info in sorted(site.glob("*.dist-info")):
        try:
            meta = HeaderParser().parsestr((dist_info / "METADATA").read_text(encoding="utf-8"))
        except OSError:
            continue
        requires = []
        for line in meta.get_all("Requires-Dist") or []:
            try:
                requires.append(Requirement(line))
            except InvalidRequirement:
                continue
        name = canonicalize_name(meta["Name"] or dist_info.name.split("-")[0])
        found[name] = Distribution(name, tuple(requires))
    return found


def _applies(marker: Marker | None, target: RuntimeTarget, extras: Iterable[str]) -> bool:
    if marker is None:
        return True
    environment = target.marker_environment()
    return any(marker.evaluate({**environment, "extra": extra}) for extra in (*extras, ""))


def needed_distributions(
    requirements: Sequence[Requirement],
    installed: dict[NormalizedName, Distribution],
    target: RuntimeTarget,
    report: Report,
    *,
    where: str,
) -> set[NormalizedName]:
    """The closure of `requirements` over the installed wheels' Requires-Dist, on `target`."""
    needed: set[NormalizedName] = set()
    extras: dict[NormalizedName, set[str]] = defaultdict(set)
    pending: list[tuple[Requirement, str]] = [
        (r, "pyproject.toml") for r in requirements if _applies(r.marker, target, ())
    ]
    while pending:  # a marker is evaluated where it is written: with its requirer's extras
        requirement, wanted_by = pending.pop()
        name = canonicalize_name(requirement.name)
        new_extras = set(requirement.extras) - extras[name]
        if name in needed and not new_extras:
            continue
        dist = installed.get(name)
        if dist is None:
            report.problem(f"{where}: {requirement.name} (needed by {wanted_by}) is missing")
            continue
        needed.add(name)
        extras[name] |= new_extras
        pending += [
            (sub, name) for sub in dist.requires if _applies(sub.marker, target, extras[name])
        ]
    return needed


def check_layer_contents(
    site: Path,
    target: RuntimeTarget,
    requirements: Sequence[Requirement],
    report: Report,
    *,
    where: str,
) -> int:
    """The layer holds what the runtime dependencies need there, and nothing else."""
    installed = installed_distributions(site)
    needed = needed_distributions(requirements, installed, target, report, where=where)
    for extra in sorted(set(installed) - needed):
        report.problem(f"{where}: {extra} is in the layer but no runtime dependency needs it")
    check_wheels(site, target, report, where=where)
    return len(installed)


# -- what a function holds ------------------------------------------------------------------------


def check_function_contents(path: Path, report: Report, *, where: str) -> None:
    """A function carries the product's packages, nothing beside them, no binaries."""
    entries = {p.name for p in path.iterdir()} if path.is_dir() else set()
    missing = sorted(set(PRODUCT_PACKAGES) - entries)
    # the checkout's other folders first: the likeliest slip (sim/, ui/, tests/)
    extra = sorted(entries - set(PRODUCT_PACKAGES), key=lambda n: (not (REPO_ROOT / n).is_dir(), n))
    if missing:
        report.problem(f"{where}: {', '.join(missing)} missing")
    if extra:
        shown = ", ".join(extra[:10]) + (f" and {len(extra) - 10} more" if len(extra) > 10 else "")
        report.problem(
            f"{where}: holds {shown}; a function carries {' and '.join(PRODUCT_PACKAGES)} only"
        )
    for file in _files(path):
        if _SHARED_OBJECT.search(file.name) or file.name.endswith(".dist-info"):
            report.problem(f"{where}: {file.relative_to(path)} belongs in the layer")


# -- sizes ----------------------------------------------------------------------------------------


def tree_size(path: Path) -> int:
    return sum(file.stat().st_size for file in _files(path))


def zipped_size(path: Path) -> int:
    """Bytes of `path` zipped with deflate (as `sam deploy` uploads it)."""
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "artifact.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            for file in sorted(_files(path)):
                zipped.write(file, file.relative_to(path))
        return archive.stat().st_size


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB"


# -- imports --------------------------------------------------------------------------------------


def import_from_artifact(
    python: Path, function: FunctionArtifact, layer_sites: Sequence[Path]
) -> dict[str, object]:
    """Import the handler and every product module from the artifact in `python`, isolated
    from this checkout (-I: no PYTHONPATH, user site or cwd; an empty environment) and writing
    no bytecode into it (-B)."""
    arguments = json.dumps(
        [
            str(function.path),
            [str(p) for p in layer_sites],
            function.handler,
            list(PRODUCT_PACKAGES),
            list(LOCAL_ONLY_MODULES),
        ]
    )
    done = subprocess.run(  # noqa: S603 - our interpreter, our probe
        [str(python), "-I", "-S", "-B", "-c", _IMPORT_PROBE, arguments],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=function.path,
        # The API refuses to import without its token (fail closed): a throwaway one, as
        # WALLTRACK_API_TOKEN or the SSM parameter gives it in Lambda.
        env={"LANG": "C.UTF-8", "WALLTRACK_API_TOKEN": "package-check-" + "0" * 32},
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        return {"crashed": done.stderr.strip()[-2000:] or f"exit code {done.returncode}"}
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def check_imports(build: Build, python: Path, report: Report) -> None:
    def probe(function: FunctionArtifact) -> tuple[dict[str, object], float]:
        started = time.perf_counter()
        sites = [build.layers[layer] / LAYER_SITE for layer in function.layers]
        return import_from_artifact(python, function, sites), time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(probe, build.functions))
    for function, (result, seconds) in zip(build.functions, results, strict=True):
        where = f"function {function.logical_id}"
        if "crashed" in result:
            report.problem(f"{where}: the import probe died in {python}: {result['crashed']}")
            continue
        if result.get("version") != list(build.target.python):
            report.problem(
                f"{where}: {python} is Python {result.get('version')}, "
                f"not {build.target.python_version}"
            )
        failed = result.get("failed")
        by_reason: dict[str, list[str]] = defaultdict(list)
        for module, reason in failed.items() if isinstance(failed, dict) else []:
            by_reason[str(reason)].append(module)  # the handler first, then the sweep's order
        for reason, modules in by_reason.items():  # one broken wheel fails most modules alike
            more = f" and {len(modules) - 3} more" if len(modules) > 3 else ""
            report.problem(f"{where}: import {', '.join(modules[:3])}{more} failed: {reason}")
        outside = result.get("outside")
        for module in outside if isinstance(outside, list) else []:
            report.problem(f"{where}: {module} was imported from outside the artifact")
        handler_seconds = result.get("handler_seconds")
        report.say(
            f"  imports  {function.logical_id}: {function.handler} "
            f"{handler_seconds if isinstance(handler_seconds, str) else f'{handler_seconds:.2f}'} s"
            f", then {result.get('modules')} product modules ({seconds:.1f} s in all)"
        )


# -- the whole check ------------------------------------------------------------------------------


def check_build(
    build_dir: Path,
    *,
    python: Path | None,
    skip_imports: bool = False,
    pyproject: Path = PYPROJECT,
    unzipped_limit: int = UNZIPPED_LIMIT,
    zipped_limit: int = ZIPPED_LIMIT,
) -> Report:
    """Every check above on the package in `build_dir`; imports run in `python`."""
    report = Report()
    build = load_build(build_dir)
    target = build.target
    report.say(f"Lambda package in {build_dir} for {target.describe()}")
    requirements = runtime_requirements(pyproject)
    layer_sizes: dict[str, int] = {}
    for layer_id, path in sorted(build.layers.items()):
        where = f"layer {layer_id}"
        site = path / LAYER_SITE
        if not site.is_dir():
            report.problem(f"{where}: no {LAYER_SITE}/ directory (Lambda would not find it)")
            continue
        count = check_layer_contents(site, target, requirements, report, where=where)
        found = check_binaries(path, target, report, where=where)
        unzipped, zipped = tree_size(path), zipped_size(path)
        layer_sizes[layer_id] = unzipped
        report.say(
            f"  layer    {layer_id}: {count} distributions ({found.extensions} extension "
            f"modules, {found.shared_objects - found.extensions} other shared objects, "
            f"{found.bytecode} bytecode files), {_mb(unzipped)} unzipped, {_mb(zipped)} zipped"
        )
        if zipped > zipped_limit:
            report.problem(f"{where}: {_mb(zipped)} zipped, over {_mb(zipped_limit)}")
    for function in build.functions:
        where = f"function {function.logical_id}"
        check_function_contents(function.path, report, where=where)
        check_binaries(function.path, target, report, where=where)
        unzipped, zipped = tree_size(function.path), zipped_size(function.path)
        total = unzipped + sum(layer_sizes.get(layer, 0) for layer in function.layers)
        report.say(
            f"  function {function.logical_id}: {_mb(unzipped)} unzipped, {_mb(zipped)} zipped; "
            f"with its layers {_mb(total)} unzipped (limit {_mb(unzipped_limit)})"
        )
        if total > unzipped_limit:
            report.problem(
                f"{where}: {_mb(total)} unzipped with its layers, over {_mb(unzipped_limit)}"
            )
        if zipped > zipped_limit:
            report.problem(f"{where}: {_mb(zipped)} zipped, over {_mb(zipped_limit)}")
    if skip_imports:
        report.say("  imports  SKIPPED (--skip-imports): the product was not imported")
    elif python is None:
        report.problem(
            f"no Python {target.python_version} here to import the product from the artifact: "
            "install one, or name it with --python or $LAMBDA_RUNTIME_PYTHON "
            "(--skip-imports checks everything else)"
        )
    else:
        report.say(f"  imports  in {python}:")
        check_imports(build, python, report)
    return report


def _files(root: Path) -> Iterator[Path]:
    for directory, _, names in os.walk(root):
        for name in names:
            yield Path(directory) / name


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.check_package",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("build_dir", nargs="?", type=Path, default=BUILD_DIR)
    parser.add_argument("--python", type=Path, help="a Python of the runtime's version")
    parser.add_argument("--skip-imports", action="store_true", help="do not import the product")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        target = load_build(args.build_dir).target
        python = args.python or (None if args.skip_imports else find_runtime_python(target))
        report = check_build(args.build_dir, python=python, skip_imports=args.skip_imports)
    except PackagingError as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    print("\n".join(report.lines))  # noqa: T201
    if report.problems:
        print(f"{len(report.problems)} problem(s):", *report.problems, sep="\n  - ")  # noqa: T201
        return 1
    print(f"package OK ({time.perf_counter() - started:.1f} s)")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
