"""`stampcard worker` with its clock moved by STAMPCARD_TEST_CLOCK_OFFSET seconds.

Process tests put the clock at midday in Oslo, so quiet hours never hold a campaign back whatever the time
the tests run. Every worker of a test gets the same offset, so their leases agree. Run from the repository
root: `python -m tests.push.daytime_worker`."""

from __future__ import annotations

import os
import sys
from datetime import datetime, timedelta

from backend import cli
from backend import clock as clock_module


class ShiftedClock(clock_module.Clock):
    offset = timedelta(seconds=float(os.environ.get("STAMPCARD_TEST_CLOCK_OFFSET", "0")))

    def now(self) -> datetime:
        return super().now() + self.offset


if __name__ == "__main__":
    clock_module.Clock = ShiftedClock  # type: ignore[misc]  # the worker's context is built with Clock()
    sys.exit(cli.main(["worker"]))
