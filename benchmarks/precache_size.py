"""What the service worker precaches for a member's phone: the files in pwa/sw.js's SHELL list, raw,
gzip and brotli as the server sends them (backend/web/pwa_files.compress: gzip 9, brotli 11), with the
same figures for another checkout as the baseline. The budget (issue 14) is 100 KB as served to
Chrome (brotli; PNGs go as they are); tests/api/test_pwa_payload.py holds the tree to it.

    .venv/bin/python benchmarks/precache_size.py [--against DIR]

DIR is another checkout of this repository (e.g. `git worktree add /tmp/old <rev>`), with its
pwa/node_modules installed or linked."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from backend.web.pwa_files import compress

ROOT = Path(__file__).resolve().parent.parent
BUDGET_KB = 100


def worker_list(root: Path, name: str) -> list[Path]:
    """A list in sw.js as files: '/assets/x' (before issue 14) or `${V}/assets/x` (versioned URLs)."""
    sw = (root / "pwa" / "sw.js").read_text()
    if f"const {name} = [" not in sw:
        return []
    start = sw.index(f"const {name} = [")
    urls = [u.replace("${V}", "") for u in re.findall(r"['`]([^'`]+)['`]", sw[start : sw.index("];", start)])]
    return [
        root / "pwa" / ("index.html" if u == "/" else u.lstrip("/").replace("vendor/", "node_modules/", 1))
        for u in urls
    ]


def measure(files: list[Path]) -> tuple[int, int, int, int]:
    raw = gz = br = 0
    for path in files:
        body = path.read_bytes()
        raw += len(body)
        if path.suffix == ".png":  # served as it is
            gz, br = gz + len(body), br + len(body)
            continue
        packed = compress(body)
        gz += min(len(body), len(packed["gzip"]))
        br += min(len(body), len(packed["br"]))
    return len(files), raw, gz, br


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", type=Path, help="another checkout, measured as the baseline")
    args = parser.parse_args()
    for name, root in ([("baseline", args.against)] if args.against else []) + [("this tree", ROOT)]:
        count, raw, gz, br = measure(worker_list(root, "SHELL"))
        print(
            f"{name:>10}: member precache {count} files, {raw / 1024:4.0f} KB raw, {gz / 1024:5.1f} KB gzip, "
            f"{br / 1024:5.1f} KB brotli (budget {BUDGET_KB} KB)"
        )
        if staff := worker_list(root, "STAFF"):
            count, raw, gz, br = measure(staff)
            print(f"{'':>10}  + a till's staff files {count}, {raw / 1024:4.0f} KB raw, {br / 1024:5.1f} KB brotli")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
