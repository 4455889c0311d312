"""The served access log: lines batched off the request path read exactly as logging writes them, and never block."""

from __future__ import annotations

import io
import logging
import random
import re
import threading
import warnings
from pathlib import Path

import httpx
import pytest

from mockserver import serving
from mockserver.controls.access_log import BatchedLines
from mockserver.serving import LOG_FORMAT
from tests.conftest import served

SEED_ACTIVITY = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
ADMIN = {"X-Api-Key": "jim_ak_sandbox_admin"}


def queued(handler: BatchedLines) -> list[str]:
    """The lines the handler queues, kept here instead of written."""
    lines: list[str] = []
    handler.queue = lines.append  # type: ignore[method-assign]
    return lines


@pytest.mark.parametrize(
    ("fmt", "datefmt"),
    [
        (LOG_FORMAT, None),  # what `mockserver serve` writes
        ("%(message)s", None),
        ("%(asctime)s %(message)s", "%H:%M"),
        ("[%(levelname)s] %(asctime)s|%(name)s %(message)s!", None),
        ("%(created)f %(message)s", None),  # varies within a second: formatted line by line
        ("%(asctime)s %(msecs)d %(message)s", None),
    ],
)
def test_a_batched_line_reads_exactly_as_logging_writes_it(fmt: str, datefmt: str | None) -> None:
    handler = BatchedLines(io.StringIO())
    handler.setFormatter(logging.Formatter(fmt, datefmt))
    lines = queued(handler)
    reference = logging.Formatter(fmt, datefmt)
    moments = random.Random(fmt).sample(range(5_000_000), 2_000)
    for micro in [*sorted(moments), 0, 999_999]:
        created = 1_764_450_000 + micro / 1_000_000
        handler.add(created, "GET /api/v1/health 200 0.3ms key=-")
        record = logging.LogRecord(
            "mockserver.access", logging.INFO, "", 0, "GET /api/v1/health 200 0.3ms key=-", None, None
        )
        record.created, record.msecs = created, int((created - int(created)) * 1000) + 0.0
        assert lines[-1] == reference.format(record) + "\n", created


def test_lines_are_written_in_order_soon_after_and_all_of_them_on_close() -> None:
    stream = io.StringIO()
    handler = BatchedLines(stream, interval=0.01)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.add(1_764_450_000.5, "first")
    handler.emit(logging.LogRecord("mockserver.access", logging.INFO, "", 0, "second", None, None))
    handler.add(1_764_450_000.6, "third")
    written = threading.Event()
    for _ in range(500):
        if stream.getvalue().count("\n") == 3:
            written.set()
            break
        threading.Event().wait(0.01)
    assert written.is_set(), "the writer did not write the lines within five seconds"
    handler.add(1_764_450_001.0, "fourth")
    handler.close()
    assert stream.getvalue() == "first\nsecond\nthird\nfourth\n"


class StuckStream(io.StringIO):
    """A stream whose writes wait until released, like a pipe nobody reads."""

    def __init__(self) -> None:
        super().__init__()
        self.released = threading.Event()

    def write(self, text: str) -> int:
        assert self.released.wait(10), "the test never released the stream"
        return super().write(text)


def test_a_stream_that_stops_taking_lines_never_blocks_and_says_what_it_dropped() -> None:
    stream = StuckStream()
    handler = BatchedLines(stream, interval=0.0, capacity=100)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.add(1_764_450_000.0, "taken by the writer, which then waits on the stream")
    for _ in range(500):
        if not handler.pending:
            break
        threading.Event().wait(0.01)
    for n in range(250):  # returns at once although the writer is stuck
        handler.add(1_764_450_000.0, f"line {n}")
    stream.released.set()
    handler.close()
    lines = stream.getvalue().splitlines()
    assert lines[1:101] == [f"line {n}" for n in range(100)]
    assert lines[-1] == "log: 150 line(s) dropped while the log stream was not taking them"


def test_serve_writes_one_access_line_per_request_in_the_log_format(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with served(log=log) as base, httpx.Client(base_url=base, headers=ADMIN, timeout=10) as client:
        for page in (1, 2, 3):
            assert client.get(f"/api/v1/activities/{SEED_ACTIVITY}/items", params={"page": page}).status_code == 200
    items = [line for line in log.read_text().splitlines() if " mockserver.access: GET /api/v1/activities/" in line]
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ INFO mockserver\.access: "
    assert len(items) == 3, items
    for page, line in enumerate(items, start=1):
        request = rf"GET /api/v1/activities/{SEED_ACTIVITY}/items\?page={page} 200 \d+\.\dms key=jim_ak_sandb…"
        assert re.fullmatch(stamp + request, line), line


def test_a_record_logged_the_ordinary_way_never_waits_for_a_stuck_stream() -> None:
    # logging takes the handler's lock around every emit: the writer must not hold it while it writes.
    stream = StuckStream()
    handler = BatchedLines(stream, interval=0.0, capacity=100)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.Logger("stuck-stream-test")
    logger.addHandler(handler)
    logger.warning("taken by the writer, which then waits on the stream")
    for _ in range(500):
        if not handler.pending:
            break
        threading.Event().wait(0.01)
    logged = threading.Event()

    def log_more() -> None:
        for n in range(150):
            logger.warning("line %d", n)
        logged.set()

    threading.Thread(target=log_more, daemon=True).start()
    returned = logged.wait(10)
    stream.released.set()
    handler.close()
    assert returned, "a log call waited for the stuck stream"
    lines = stream.getvalue().splitlines()
    assert lines[1:101] == [f"line {n}" for n in range(100)]
    assert lines[-1] == "log: 50 line(s) dropped while the log stream was not taking them"


def test_served_warnings_are_log_records_through_the_queued_handler() -> None:
    # The warnings module writes to stderr itself, on whichever thread warns: served, it must log instead.
    seen: list[logging.LogRecord] = []
    collector = logging.Handler()
    collector.emit = seen.append  # type: ignore[method-assign]
    logging.getLogger("py.warnings").addHandler(collector)
    handler = serving.log_handler()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn("a warning while serving", UserWarning, stacklevel=1)
    finally:
        logging.captureWarnings(False)
        logging.getLogger("py.warnings").removeHandler(collector)
        handler.close()
    assert [record.getMessage() for record in seen if "a warning while serving" in record.getMessage()]
