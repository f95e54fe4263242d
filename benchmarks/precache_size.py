"""What the service worker precaches for every phone: the files in pwa/sw.js's SHELL list, raw and
gzip (level 6, what a server would send), with the same figure for another checkout as the baseline.

    .venv/bin/python benchmarks/precache_size.py [--against DIR]

DIR is another checkout of this repository (e.g. `git worktree add /tmp/old <rev>`), with its
pwa/node_modules installed or linked. The member budget (issue 14) is 100 KB gzip."""

from __future__ import annotations

import argparse
import gzip
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_KB = 100


def shell_files(root: Path) -> list[Path]:
    sw = (root / "pwa" / "sw.js").read_text()
    start = sw.index("const SHELL = [")
    paths = re.findall(r"'(/[^']*)'", sw[start : sw.index("];", start)])
    return [
        root / "pwa" / ("index.html" if p == "/" else p.lstrip("/").replace("vendor/", "node_modules/", 1))
        for p in paths
    ]


def measure(root: Path) -> tuple[int, int, int]:
    files = shell_files(root)
    data = [f.read_bytes() for f in files]
    return len(files), sum(map(len, data)), sum(len(gzip.compress(d, 6)) for d in data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", type=Path, help="another checkout, measured as the baseline")
    args = parser.parse_args()
    for name, root in ([("baseline", args.against)] if args.against else []) + [("this tree", ROOT)]:
        count, raw, packed = measure(root)
        print(
            f"{name:>10}: {count} files, {raw / 1024:6.0f} KB raw, {packed / 1024:5.0f} KB gzip (budget {BUDGET_KB} KB)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
