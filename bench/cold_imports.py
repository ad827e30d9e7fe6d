"""Cold import time of every handler module named in template.yaml (a Lambda cold start's share).

Each run is a fresh interpreter, so nothing is cached in sys.modules; the figure excludes the
interpreter's own start-up. Run: .venv/bin/python bench/cold_imports.py [--runs N] [--detail K]
--detail K also prints each module's K heaviest imports (python -X importtime, cumulative).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from walltrack.runtime.template import load_template  # noqa: E402

PROBE = "import time; t=time.perf_counter(); import {module}; print(time.perf_counter()-t)"


def cold_import_seconds(module: str) -> float:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"import {module} failed:\n{result.stderr.strip()}")
    return float(result.stdout.strip().splitlines()[-1])


def heaviest_imports(module: str, count: int) -> list[tuple[int, str]]:
    """(cumulative microseconds, module) for the `count` slowest imports under `module`."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    rows: list[tuple[int, str]] = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self, cumulative, name = (part.strip() for part in line.split(":", 1)[1].split("|"))
        if name.strip() != module:
            rows.append((int(cumulative), name.strip()))
    return sorted(rows, reverse=True)[:count]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per handler")
    parser.add_argument("--detail", type=int, default=0, help="heaviest imports to list")
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    args = parser.parse_args()

    template = load_template(args.template)
    handlers = sorted({spec.handler for spec in template.functions.values()})
    print(f"cold import of {len(handlers)} handler module(s), {args.runs} runs each, "
          f"{sys.version.split()[0]}")  # fmt: skip
    print(f"{'handler':<40} {'median ms':>10} {'max ms':>10} {'min ms':>10}")
    failures = 0
    for handler in handlers:
        module = handler.rpartition(".")[0]
        try:
            times = [cold_import_seconds(module) * 1000 for _ in range(args.runs)]
        except RuntimeError as exc:
            failures += 1
            print(f"{handler:<40} FAILED: {exc}")
            continue
        print(
            f"{handler:<40} {statistics.median(times):>10.1f} {max(times):>10.1f} "
            f"{min(times):>10.1f}"
        )
        for micros, name in heaviest_imports(module, args.detail):
            print(f"    {micros / 1000:>8.1f} ms  {name}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
