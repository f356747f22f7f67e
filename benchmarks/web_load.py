"""Load on the local web server, and how fast Chromium shows the seed report.

Starts ``storydiff serve --port 0`` in a subprocess (the real CLI, uvicorn,
loopback only), sends one warm-up request, then ``--rounds`` rounds of
exactly ``--requests`` concurrent ``POST /api/compare`` of the seed pair
(``../shared/seeds/``), and records per-request latency (p50/p95/max), the
throughput of each round (requests / wall time of the round) and the load
average. Every answer must be 200 and all must be byte-identical, or the
script exits with 1.

Then, unless ``--no-browser`` (or no Chromium at ``STORYDIFF_CHROMIUM`` /
/usr/bin/chromium), it submits the seed pair through the page's form in
headless Chromium ``--browser-runs`` times and reads the Navigation Timing of
the report page: ``compare_ms`` (the form's POST, answered by a redirect:
reading, comparing and keeping the result on the server), ``report_ms``
(the GET of the result's address → first byte: rendering the report),
``render_ms`` (last byte → load event: parsing, style, layout, the report's
script) and ``total_ms`` (navigation start → load event).

``--idle N`` keeps N idle connections and N/5 slow-loris connections (one
header line every second) open against the server during the load rounds:
every request must still be answered 200.

Everything is bounded: one subprocess, ``--requests × --rounds`` requests,
and a hard ``--limit`` in seconds on the whole run.

Usage::

    .venv/bin/python benchmarks/web_load.py                  # 20 requests, 1 round, browser timing
    .venv/bin/python benchmarks/web_load.py --rounds 3       # three rounds of 20
    .venv/bin/python benchmarks/web_load.py --no-browser --no-write
    .venv/bin/python benchmarks/web_load.py --idle 100             # with 100 idle and 20 slow-loris sockets
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
RESULTS = ROOT / "benchmarks" / "results" / "web_load.json"
CHROMIUM = os.environ.get("STORYDIFF_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
_URL = re.compile(r"serving on (http://\S+?)/? ")


def _seed_pair() -> tuple[Path, Path]:
    files = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if len(files) < 2:
        sys.exit(f"web_load: the seed pair is not in {SEEDS} (needs ../shared beside the checkout)")
    return files[0], files[1]


def _start_server(concurrency: int, timeout_s: float, deadline: float) -> tuple[subprocess.Popen[str], str]:
    # --no-store: the benchmark's results must not pile up in the user's data folder.
    cmd = [sys.executable, "-m", "storydiff", "serve", "--port", "0", "--concurrency", str(concurrency),
           "--timeout", str(timeout_s), "--no-store"]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=ROOT)
    assert proc.stderr is not None
    seen = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        m = _URL.search(line)
        if m:
            return proc, m.group(1).rstrip("/")
    proc.kill()
    sys.exit("web_load: the server did not start:\n" + "".join(seen))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


async def _one(client: httpx.AsyncClient, url: str, body: dict[str, str]) -> tuple[int, float, str]:
    t0 = time.perf_counter()
    r = await client.post(f"{url}/api/compare", json=body)
    return r.status_code, time.perf_counter() - t0, hashlib.sha256(r.content).hexdigest()


async def _load(url: str, body: dict[str, str], requests: int, rounds: int) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=requests, max_keepalive_connections=requests)
    async with httpx.AsyncClient(timeout=300, limits=limits) as client:
        status, warm, _ = await _one(client, url, body)
        if status != 200:
            sys.exit(f"web_load: warm-up request answered {status}")
        out_rounds = []
        for _ in range(rounds):
            load_before = os.getloadavg()
            t0 = time.perf_counter()
            answers = await asyncio.gather(*(_one(client, url, body) for _ in range(requests)))
            wall = time.perf_counter() - t0
            latencies = [lat for _, lat, _ in answers]
            out_rounds.append({
                "requests": requests,
                "ok": sum(1 for s, _, _ in answers if s == 200),
                "statuses": sorted({s for s, _, _ in answers}),
                # Requests ran in parallel threads: the answers must still be byte-identical.
                "distinct_bodies": len({h for _, _, h in answers}),
                "wall_s": round(wall, 3),
                "throughput_rps": round(requests / wall, 3),
                "latency_p50_s": round(_percentile(latencies, 0.5), 3),
                "latency_p95_s": round(_percentile(latencies, 0.95), 3),
                "latency_max_s": round(max(latencies), 3),
                "loadavg_before": [round(x, 2) for x in load_before],
                "loadavg_after": [round(x, 2) for x in os.getloadavg()],
            })
        return {"warmup_request_s": round(warm, 3), "rounds": out_rounds}


@contextlib.contextmanager
def _hostile(url: str, idle: int) -> Iterator[dict[str, int]]:
    """Idle and slow-loris connections held open meanwhile; counts how many the server cut off."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    stats = {"idle": idle, "slow_loris": idle // 5, "closed_by_server": 0}
    socks = [socket.create_connection((host, int(port))) for _ in range(idle + idle // 5)]
    stop = threading.Event()

    def trickle() -> None:
        slow = socks[idle:]
        for s in slow:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        while not stop.wait(1.0):
            for s in slow:
                try:
                    s.sendall(b"X-Trickle: 1\r\n")
                except OSError:
                    pass

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    opened = time.monotonic()
    try:
        yield stats
    finally:
        # Past the server's 10 s deadline for a request head, every one of them should have been cut off.
        time.sleep(max(0.0, opened + 11 - time.monotonic()))
        stop.set()
        thread.join(5)
        for s in socks:
            s.setblocking(False)
            try:
                closed = s.recv(1 << 16) is not None
            except BlockingIOError:
                closed = False
            except OSError:
                closed = True
            stats["closed_by_server"] += closed
            s.close()


def _browser(url: str, a: str, b: str, runs: int) -> dict[str, Any]:
    if not os.path.isfile(CHROMIUM):
        return {"skipped": f"no Chromium at {CHROMIUM}"}
    from playwright.sync_api import sync_playwright

    samples = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        for _ in range(runs):
            page.goto(url + "/")
            page.fill("#a-text", a)
            page.fill("#b-text", b)
            with page.expect_navigation(wait_until="load", timeout=120_000):
                page.click("#compare")
            # The form's POST compares and keeps the result, then redirects (303) to the report's own address.
            nav = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
                return {start: n.startTime, redirect_start: n.redirectStart, redirect_end: n.redirectEnd,
                        req: n.requestStart, first: n.responseStart, last: n.responseEnd,
                        load: n.loadEventEnd, size: n.decodedBodySize}; }""")
            assert page.locator("#change-list").count() == 1, "the report page has no #change-list"
            samples.append({"compare_ms": nav["redirect_end"] - nav["redirect_start"],
                            "report_ms": nav["first"] - nav["req"], "render_ms": nav["load"] - nav["last"],
                            "total_ms": nav["load"] - nav["start"], "page_bytes": nav["size"]})
        browser.close()

    def med(key: str) -> float:
        return round(statistics.median(s[key] for s in samples), 1)

    return {"runs": runs, "median_compare_ms": med("compare_ms"), "median_report_ms": med("report_ms"),
            "median_render_ms": med("render_ms"),
            "median_total_ms": med("total_ms"), "page_bytes": samples[0]["page_bytes"],
            "samples": [{k: round(v, 1) for k, v in s.items()} for s in samples]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=20, help="concurrent requests per round (default 20)")
    ap.add_argument("--rounds", type=int, default=1, help="rounds of --requests (default 1)")
    ap.add_argument("--concurrency", type=int, default=2, help="the server's --concurrency (default 2)")
    ap.add_argument("--browser-runs", type=int, default=3, help="report page loads timed in Chromium (default 3)")
    ap.add_argument("--no-browser", action="store_true", help="skip the Chromium timing")
    ap.add_argument("--idle", type=int, default=0,
                    help="idle connections held open during the rounds, plus a fifth as many slow-loris ones")
    ap.add_argument("--limit", type=float, default=480, help="hard limit on the whole run, seconds (default 480)")
    ap.add_argument("--no-write", action="store_true", help=f"print only; do not write {RESULTS.name}")
    args = ap.parse_args(argv)

    deadline = time.monotonic() + args.limit
    pa, pb = _seed_pair()
    a, b = pa.read_text(encoding="utf-8"), pb.read_text(encoding="utf-8")
    body = {"a": a, "b": b, "a_name": pa.stem, "b_name": pb.stem}
    started = datetime.now(UTC)
    proc, url = _start_server(args.concurrency, timeout_s=120, deadline=min(deadline, time.monotonic() + 120))
    try:
        with _hostile(url, args.idle) as hostile:
            load = asyncio.run(asyncio.wait_for(_load(url, body, args.requests, args.rounds),
                                                timeout=max(deadline - time.monotonic(), 1)))
        load["hostile_connections"] = hostile
        browser = {"skipped": "--no-browser"} if args.no_browser else _browser(url, a, b, args.browser_runs)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    result = {
        "benchmark": "web_load",
        "command": "python benchmarks/web_load.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": started.isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "chromium": shutil.which("chromium") and CHROMIUM},
        "server": {"concurrency": args.concurrency, "engine": "wordllama", "bind": "127.0.0.1"},
        "input": {"a": pa.name, "b": pb.name, "bytes": [len(a.encode()), len(b.encode())]},
        **load,
        "browser": browser,
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text + "\n", encoding="utf-8")
    failed = [r for r in result["rounds"] if r["ok"] != r["requests"] or r["distinct_bodies"] != 1]
    if failed:
        print(f"web_load: {len(failed)} round(s) had answers other than 200, or differing answers: {failed}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
