"""Benchmark: what the version router adds to a request, measured against alternatives.

Three paths to one backend (uvicorn, its own process), in one run:
  direct   client -> backend
  nginx    client -> nginx proxy_pass -> backend   (Debian's nginx; installed if missing
                                                    and possible, else skipped)
  router   client -> router (uvicorn, own process; routes in Azurite) -> backend
Prints p50 and p99 latency of sequential requests and the throughput of concurrent ones,
then the ratios router/direct and router/nginx.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from azure.data.tables import TableServiceClient

from scripts.azurite import DEV_ACCOUNT, Account, Azurite, free_port
from scripts.serve import http_process, uvicorn_app
from taskhub.routes import Route, RouteStore

ROOT = Path(__file__).resolve().parent.parent


def _nginx_binary() -> str | None:
    if shutil.which("nginx"):
        return shutil.which("nginx")
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing Debian's nginx-light for the comparison...", flush=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "nginx-light"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
    return shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )


@contextmanager
def _nginx(backend: str) -> Iterator[str | None]:
    binary = _nginx_binary()
    if binary is None:
        yield None
        return
    port = free_port()
    with tempfile.TemporaryDirectory() as prefix:
        conf = Path(prefix) / "nginx.conf"
        conf.write_text(
            "worker_processes 1; error_log stderr; pid nginx.pid;\n"
            "events { worker_connections 256; }\n"
            "http { access_log off; upstream b { server "
            f"{backend.removeprefix('http://')}; keepalive 32; }}\n"
            f"  server {{ listen 127.0.0.1:{port}; location / {{ proxy_pass http://b; "
            'proxy_http_version 1.1; proxy_set_header Connection ""; } } }\n'
        )
        with http_process(
            [binary, "-p", prefix, "-c", str(conf), "-g", "daemon off;"],
            f"http://127.0.0.1:{port}",
            Path(prefix),
        ) as url:
            yield url


def _measure(url: str, requests: int, concurrency: int) -> tuple[float, float, float]:
    headers = {"x-app-version": "1.0"}
    with httpx.Client(timeout=10) as client:
        for _ in range(50):
            client.get(url + "/api/warm", headers=headers)
        latencies = []
        for _ in range(requests):
            started = time.perf_counter()
            client.get(url + "/api/orders", headers=headers).raise_for_status()
            latencies.append(time.perf_counter() - started)
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]

    def worker(count: int) -> None:
        with httpx.Client(timeout=10) as client:
            for _ in range(count):
                client.get(url + "/api/orders", headers=headers).raise_for_status()

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, [requests // concurrency] * concurrency))
    throughput = (requests // concurrency) * concurrency / (time.perf_counter() - started)
    return p50, p99, throughput


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="router latency and throughput ratios")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--no-nginx", action="store_true")
    args = parser.parse_args(argv)

    with ExitStack() as stack:
        azurite = stack.enter_context(Azurite((Account(DEV_ACCOUNT),)))
        backend = stack.enter_context(uvicorn_app("scripts.version_stand_in:app", ROOT))
        with TableServiceClient.from_connection_string(azurite.connection_string()) as service:
            RouteStore(service).save(
                Route("1.0", "bench", backend, "1.0.0", "BenchHub", current=True)
            )
        router = stack.enter_context(
            uvicorn_app(
                "router.local:app",
                ROOT / "apps" / "router",
                {"RouterStorage": azurite.connection_string(), "PYTHONPATH": str(ROOT)},
            )
        )
        nginx = None if args.no_nginx else stack.enter_context(_nginx(backend))
        paths = {"direct": backend, "router": router, **({"nginx": nginx} if nginx else {})}
        results = {
            name: _measure(url, args.requests, args.concurrency) for name, url in paths.items()
        }

    print(f"\n{args.requests} requests; throughput with {args.concurrency} concurrent clients")
    print(f"{'path':8} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8}")
    for name, (p50, p99, rps) in results.items():
        print(f"{name:8} {p50 * 1000:8.2f} {p99 * 1000:8.2f} {rps:8.0f}")
    r50, r99, rrps = results["router"]
    d50, d99, drps = results["direct"]
    print(
        f"\nrouter/direct  p50 {r50 / d50:.2f}  p99 {r99 / d99:.2f}  throughput {rrps / drps:.2f}"
    )
    if "nginx" in results:
        n50, n99, nrps = results["nginx"]
        print(
            f"router/nginx   p50 {r50 / n50:.2f}  p99 {r99 / n99:.2f}  throughput {rrps / nrps:.2f}"
        )
    else:
        print("router/nginx   skipped: nginx is not installed and could not be installed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
