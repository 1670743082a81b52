"""A small HTTP load generator, used when wrk is not installed.

    python benchmarks/loadgen.py URL --requests 2000 --concurrency 8 --warmup 200 \
        --max-seconds 15

Runs as its own process (run.py starts it), so its work does not share a Python
interpreter with anything it measures. Each of `concurrency` threads keeps one
http.client connection open (keep-alive; it reconnects when the server closes) and takes
requests from a shared counter until `requests` have been sent, or until `max-seconds`
have passed (then no new request starts; those under way finish and count). The warm-up
requests are sent the same way, for at most a fifth of that time, and not recorded.
Prints one JSON object on stdout: requests, errors, seconds, requests_per_second and the
latency percentiles in milliseconds.
"""

import argparse
import http.client
import itertools
import json
import math
import sys
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

HEADERS = {"Accept-Language": "en", "User-Agent": "decide-bench"}


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


class Run:
    def __init__(self, url: str, total: int, max_seconds: float = 0.0):
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = parts.path or "/"
        if parts.query:
            self.path += "?" + parts.query
        self.total = total
        self.max_seconds = max_seconds
        self.deadline = float("inf")
        self.counter = itertools.count()
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.lock = threading.Lock()

    def worker(self) -> None:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        latencies = []
        statuses: Counter = Counter()
        try:
            while next(self.counter) < self.total:
                start = time.perf_counter()
                if start >= self.deadline:
                    break
                try:
                    connection.request("GET", self.path, headers=HEADERS)
                    response = connection.getresponse()
                    response.read()
                    status = str(response.status)
                except (OSError, http.client.HTTPException) as error:
                    connection.close()
                    status = type(error).__name__
                latencies.append(time.perf_counter() - start)
                statuses[status] += 1
        finally:
            connection.close()
            with self.lock:
                self.latencies.extend(latencies)
                self.statuses.update(statuses)

    def start(self, concurrency: int) -> float:
        threads = [threading.Thread(target=self.worker) for _ in range(concurrency)]
        start = time.perf_counter()
        if self.max_seconds:
            self.deadline = start + self.max_seconds
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - start


def measure(url: str, requests: int, concurrency: int, warmup: int,
            max_seconds: float = 0.0) -> dict:
    if warmup:
        Run(url, warmup, max_seconds / 5).start(concurrency)
    run = Run(url, requests, max_seconds)
    seconds = run.start(concurrency)
    latencies = sorted(run.latencies)
    errors = sum(count for status, count in run.statuses.items() if status != "200")
    return {
        "requests": len(latencies),
        "errors": errors,
        "statuses": dict(run.statuses),
        "seconds": round(seconds, 3),
        "requests_per_second": round(len(latencies) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "max_ms": round(latencies[-1] * 1000, 2) if latencies else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--max-seconds", type=float, default=0.0,
                        help="stop starting requests after this long (0: no limit)")
    args = parser.parse_args(argv)
    result = measure(args.url, args.requests, args.concurrency, args.warmup,
                     args.max_seconds)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
