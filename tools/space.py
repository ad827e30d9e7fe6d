"""Lay out a Hugging Face Space for the dashboard: `python -m tools.space DIR`.

A Space runs only what its own git repository holds, so DIR (typically a clone of the Space)
receives spaces/app.py, spaces/requirements.txt, spaces/README.md and fresh copies of the two
packages `walltrack ui` runs (walltrack/ and ui/; no sim/, functions/ or tests). Anything else
in DIR, its .git included, is left alone; commit and push DIR to deploy.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SPACE_FILES = ("app.py", "requirements.txt", "README.md")
PACKAGES = ("walltrack", "ui")


def lay_out(target: Path, *, source: Path = REPO_ROOT) -> list[Path]:
    """Copy the Space's files and packages from `source` (a checkout) into `target`; the
    paths written, top level only."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SPACE_FILES:
        written.append(Path(shutil.copy2(source / "spaces" / name, target / name)))
    for package in PACKAGES:
        # Replaced whole, so a module deleted from the repository leaves the Space too.
        shutil.rmtree(target / package, ignore_errors=True)
        shutil.copytree(
            source / package,
            target / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
        written.append(target / package)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("dir", type=Path, help="the Space's folder (a clone of its git repo)")
    args = parser.parse_args()
    for path in lay_out(args.dir):
        print(path)  # noqa: T201 - the command's output is the list of what it wrote


if __name__ == "__main__":
    main()
