"""The package check (tools/check_package.py) finds each way a Lambda package fails where it is
deployed, on small packages built here: wrong ABI, wrong platform, wrong architecture, stray
contents, missing dependencies, sizes over the limits, a handler that does not import."""

from __future__ import annotations

import random
import sys
import textwrap
from pathlib import Path

import pytest

from tools.check_package import Report, check_build

EM_X86_64, EM_AARCH64 = 62, 183
RUNTIME_HERE = f"python{sys.version_info.major}.{sys.version_info.minor}"


def elf(machine: int = EM_X86_64) -> bytes:
    """The start of a 64-bit little-endian ELF shared object for `machine`."""
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    return ident + (3).to_bytes(2, "little") + machine.to_bytes(2, "little") + bytes(44)


class Package:
    """A built package as `sam build` lays it out: a built template, one layer, one function."""

    def __init__(self, root: Path, runtime: str = "python3.12") -> None:
        self.root = root
        self.site = root / "DepsLayer" / "python"
        self.function = root / "Fn"
        self.pyproject = root / "pyproject.toml"
        self.site.mkdir(parents=True)
        (root / "template.yaml").write_text(
            textwrap.dedent(
                f"""
                Globals:
                  Function:
                    Runtime: {runtime}
                    Architectures: [x86_64]
                    Layers: [!Ref DepsLayer]
                Resources:
                  DepsLayer:
                    Type: AWS::Serverless::LayerVersion
                    Properties: {{ContentUri: DepsLayer}}
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties: {{Handler: functions.app.handler, CodeUri: Fn}}
                """
            )
        )
        self.requires(["fastlib>=1"])
        self.dist("fastlib", tag="cp312-cp312-manylinux_2_17_x86_64")
        self.write(self.site / "fastlib" / "__init__.py", "")
        self.write(self.site / "fastlib" / "_speed.cpython-312-x86_64-linux-gnu.so", elf())
        self.write(self.function / "walltrack" / "__init__.py", "")
        self.write(self.function / "functions" / "__init__.py", "")
        self.write(
            self.function / "functions" / "app.py",
            "def handler(event, context):\n    return {}\n",
        )

    @staticmethod
    def write(path: Path, content: str | bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)

    def requires(self, dependencies: list[str]) -> None:
        listed = ", ".join(f'"{d}"' for d in dependencies)
        self.pyproject.write_text(f'[project]\nname = "x"\ndependencies = [{listed}]\n')

    def dist(self, name: str, *, tag: str = "py3-none-any", requires: tuple[str, ...] = ()) -> None:
        info = self.site / f"{name}-1.0.dist-info"
        metadata = [f"Name: {name}", "Version: 1.0", *(f"Requires-Dist: {r}" for r in requires)]
        self.write(info / "METADATA", "\n".join(["Metadata-Version: 2.1", *metadata]) + "\n")
        self.write(info / "WHEEL", f"Wheel-Version: 1.0\nTag: {tag}\n")

    def check(self, **limits: int) -> Report:
        return check_build(self.root, python=None, skip_imports=True, pyproject=self.pyproject,
                           **limits)  # fmt: skip


@pytest.fixture
def package(tmp_path: Path) -> Package:
    return Package(tmp_path / "build")


def test_a_package_built_for_the_runtime_passes(package: Package) -> None:
    # Given a layer of cp312 manylinux wheels and a function of the product's code
    # When it is checked / Then nothing is wrong, and its sizes are reported
    report = package.check()
    assert report.problems == []
    assert any("layer    DepsLayer: 1 distributions (1 extension" in line for line in report.lines)
    assert any(line.startswith("  function Fn:") and "zipped" in line for line in report.lines)


def test_an_extension_built_for_the_build_machines_python_is_reported(package: Package) -> None:
    # Given an extension module compiled for CPython 3.11 (the build machine's Python)
    package.write(package.site / "fastlib" / "_more.cpython-311-x86_64-linux-gnu.so", elf())
    # Then the check names it
    [problem] = package.check().problems
    assert "_more.cpython-311-x86_64-linux-gnu.so is an extension for CPython 3.11" in problem


@pytest.mark.parametrize(
    "tag",
    [
        "cp311-cp311-manylinux_2_17_x86_64",  # another Python
        "cp312-cp312-manylinux_2_35_x86_64",  # a glibc newer than Amazon Linux 2023's
        "cp312-cp312-manylinux_2_17_aarch64",  # another architecture
        "cp312-cp312-macosx_11_0_arm64",  # a developer's laptop
    ],
)
def test_a_wheel_the_runtime_cannot_load_is_reported(package: Package, tag: str) -> None:
    # Given a distribution installed from a wheel tagged for somewhere else
    package.dist("fastlib", tag=tag)
    # Then the check names the wheel and its tag
    [problem] = package.check().problems
    assert f"fastlib-1.0.dist-info is built for {tag}" in problem


def test_a_newer_manylinux_wheel_is_refused_on_amazon_linux_2(tmp_path: Path) -> None:
    # Given python3.11 (Amazon Linux 2, glibc 2.26) and a manylinux_2_28 wheel
    package = Package(tmp_path / "build", runtime="python3.11")
    package.dist("fastlib", tag="cp311-cp311-manylinux_2_28_x86_64")
    (package.site / "fastlib" / "_speed.cpython-312-x86_64-linux-gnu.so").unlink()
    # Then the wheel is refused
    [problem] = package.check().problems
    assert "manylinux_2_28_x86_64, not python3.11" in problem


def test_a_shared_object_for_another_architecture_is_reported(package: Package) -> None:
    # Given a vendored library built for aarch64
    package.write(package.site / "fastlib.libs" / "libz-1234.so.1.2", elf(EM_AARCH64))
    # Then the check names it and its machine
    [problem] = package.check().problems
    assert "libz-1234.so.1.2 is ELF class 2 machine 183, not 64-bit x86_64" in problem


def test_bytecode_compiled_by_another_python_is_reported(package: Package) -> None:
    # Given bytecode left by the build machine's Python 3.11
    package.write(package.site / "fastlib" / "__pycache__" / "__init__.cpython-311.pyc", b"")
    package.write(package.site / "fastlib" / "__pycache__" / "__init__.cpython-312.pyc", b"")
    # Then the check counts the foreign files (the runtime's own are fine)
    assert package.check().problems == [
        "layer DepsLayer: 1 bytecode files compiled by cpython-311, not cp312"
    ]


def test_a_function_carrying_more_than_the_product_is_reported(package: Package) -> None:
    # Given a function artifact that also holds the simulated market, the dashboard and a
    # dependency of its own
    package.write(package.function / "sim" / "__init__.py", "")
    package.write(package.function / "ui" / "__init__.py", "")
    package.write(package.function / "fastlib" / "_speed.cpython-312-x86_64-linux-gnu.so", elf())
    # Then the check names what does not belong there
    problems = package.check().problems
    assert problems == [
        "function Fn: holds sim, ui, fastlib; a function carries walltrack and functions only",
        "function Fn: fastlib/_speed.cpython-312-x86_64-linux-gnu.so belongs in the layer",
    ]


def test_the_layer_holds_what_the_runtime_dependencies_need_and_nothing_else(
    package: Package,
) -> None:
    # Given a dependency with an extra whose requirement sits behind that extra, another behind
    # a Windows marker, and a test tool nothing needs
    package.requires(["fastlib>=1", "toolkit[pool]"])
    package.dist(
        "toolkit",
        requires=('pool-addon; extra == "pool"', 'winonly; sys_platform == "win32"', "core"),
    )
    package.dist("pool-addon")
    package.dist("pytest")
    # When the check follows the requirements / Then the unneeded tool and the missing
    # requirement are named; the extra's requirement counts, the Windows one does not
    assert package.check().problems == [
        "layer DepsLayer: core (needed by toolkit) is missing",
        "layer DepsLayer: pytest is in the layer but no runtime dependency needs it",
    ]


def test_sizes_over_lambdas_limits_are_reported(package: Package) -> None:
    # Given a layer of 300 kB of data that does not compress
    package.write(package.site / "fastlib" / "blob.bin", random.Random(7).randbytes(300_000))
    # When the limits are 200 kB unzipped and 100 kB zipped (stand-ins for 250 MB and 50 MB)
    problems = package.check(unzipped_limit=200_000, zipped_limit=100_000)
    # Then the layer's zip and the function with its layer are over
    assert [p.split(":")[0] for p in problems.problems] == [
        "layer DepsLayer",
        "function Fn",
    ]
    assert "zipped, over" in problems.problems[0]
    assert "unzipped with its layers, over" in problems.problems[1]


def test_the_product_is_imported_from_the_artifact_in_the_runtimes_python(tmp_path: Path) -> None:
    # Given a package for this interpreter's version, whose handler imports a module the layer
    # does not have (the checkout's copy must not stand in for it)
    package = Package(tmp_path / "build", runtime=RUNTIME_HERE)
    package.dist("fastlib", tag="py3-none-any")
    (package.site / "fastlib" / "_speed.cpython-312-x86_64-linux-gnu.so").unlink()
    package.write(package.function / "walltrack" / "clock.py", "import fastlib\n")
    package.write(
        package.function / "functions" / "app.py", "import yaml\ndef handler(e, c): ...\n"
    )
    # When the check imports it with this interpreter
    report = check_build(package.root, python=Path(sys.executable), pyproject=package.pyproject)
    # Then the handler's import failure is reported; the module that imports from the layer is not
    assert report.problems == [
        "function Fn: import functions.app.handler, functions.app failed: "
        "ModuleNotFoundError: No module named 'yaml'",
    ]
    # And once the handler imports, nothing is reported and the modules imported are counted
    package.write(package.function / "functions" / "app.py", "def handler(e, c): ...\n")
    report = check_build(package.root, python=Path(sys.executable), pyproject=package.pyproject)
    assert report.problems == []
    assert any("functions.app.handler" in line and "2 product modules" in line
               for line in report.lines)  # fmt: skip


def test_without_the_runtimes_python_the_imports_are_a_problem_unless_skipped(
    package: Package,
) -> None:
    # Given no interpreter of the runtime's version
    report = check_build(package.root, python=None, pyproject=package.pyproject)
    # Then the check says the product was not imported, and how to fix that
    assert report.problems == [
        "no Python 3.12 here to import the product from the artifact: install one, or name it "
        "with --python or $LAMBDA_RUNTIME_PYTHON (--skip-imports checks everything else)"
    ]
    # And skipping them on purpose is said, not hidden
    skipped = check_build(package.root, python=None, skip_imports=True, pyproject=package.pyproject)
    assert skipped.problems == []
    assert any("SKIPPED" in line for line in skipped.lines)
