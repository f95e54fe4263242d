"""Time to QR (issue 14 item 5): with the service worker installed and the network off, how long after
opening /qr the member QR is on screen. For this tree and, with --against, another checkout, each
served by its own `stampcard serve --demo` on a fresh SQLite database, in the same run.

    .venv/bin/python benchmarks/time_to_qr.py [--opens 10] [--against DIR]

Measured the same way for both trees, from the page's navigation start (performance.now()) to the
moment the QR canvas gets its token, by a MutationObserver the benchmark adds before the app runs
(an older tree has no `qr-drawn` mark). tests/browser/test_pwa.py holds this tree to 500 ms."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.async_api import Browser, async_playwright, expect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, Server, join  # noqa: E402

WATCH_QR = """
new MutationObserver((_, observer) => {
  const qr = document.getElementById('member-qr');
  if (qr && qr.dataset.token) { window.__qrAt = performance.now(); observer.disconnect(); }
}).observe(document, { subtree: true, childList: true, attributes: true });
"""


def serve(tree: Path, port: int, database: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),  # that checkout's backend, with this tree's virtualenv
        "STAMPCARD_PORT": str(port),
        "PUBLIC_URL": f"http://localhost:{port}",
        "DATABASE_URL": f"sqlite:///{database}",
        "STAMPCARD_ENV": "development",
    }
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/stampcard"), "serve", "--demo"],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://localhost:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the server for {tree} did not start")


async def measure(browser: Browser, url: str, opens: int) -> list[float]:
    context = await browser.new_context(base_url=url, **PHONE)  # type: ignore[arg-type]
    try:
        page = await context.new_page()
        await join(page, Server(url, "", Path()))
        await page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        await page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        await page.goto("/qr")  # online once: card snapshot, device key, clock
        await expect(page.locator("#member-qr")).to_have_attribute("data-token", re.compile("^DS"))
        await page.close()
        await context.set_offline(True)
        await context.add_init_script(WATCH_QR)
        times = []
        for _ in range(opens):
            tab = await context.new_page()
            await tab.goto("/qr")
            await tab.wait_for_function("() => window.__qrAt !== undefined")
            times.append(await tab.evaluate("window.__qrAt"))
            await tab.close()
        return times
    finally:
        await context.close()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--opens", type=int, default=10, help="cold offline opens per tree")
    parser.add_argument("--against", type=Path, help="another checkout, measured as the baseline")
    args = parser.parse_args()
    trees = ([("baseline", args.against.resolve())] if args.against else []) + [("this tree", ROOT)]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with tempfile.TemporaryDirectory() as tmp:
            for port, (name, tree) in enumerate(trees, start=18_700):
                process = serve(tree, port, Path(tmp) / f"{port}.sqlite3")
                try:
                    times = await measure(browser, f"http://localhost:{port}", args.opens)
                finally:
                    process.terminate()
                    process.wait(timeout=10)
                print(
                    f"{name:>10}: time to QR offline, {len(times)} opens: median {statistics.median(times):4.0f} ms, "
                    f"min {min(times):4.0f}, max {max(times):4.0f}"
                )
        await browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
