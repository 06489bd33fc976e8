"""Print pip constraints pinning every dependency of pyproject.toml to the lowest version its range allows.

``scripts/test-lowest`` installs the project with them, so the lower bounds written in ``pyproject.toml``
are the versions CI really tests (the default venv tests the newest the ranges allow).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lowest_pins(pyproject: Path) -> list[str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = [*project["dependencies"], *project.get("optional-dependencies", {}).get("dev", [])]
    pins = []
    for requirement in requirements:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)\s*>=\s*([0-9][^,;\s]*).*", requirement)
        if match is None:
            raise SystemExit(f"{pyproject}: '{requirement}' has no '>=' lower bound to pin; give it one")
        pins.append(f"{match.group(1)}=={match.group(2)}")
    return pins


if __name__ == "__main__":
    print("\n".join(lowest_pins(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "pyproject.toml")))
