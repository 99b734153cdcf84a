#!/usr/bin/env python3
"""Replays issue 20's cases 5 to 7 against a running `coverage serve`.

Usage: scripts/serve-probe.py URL PID list [JOBS]
       scripts/serve-probe.py URL PID headers [CONNECTIONS] [SECONDS]
       scripts/serve-probe.py URL PID streams [CLIENTS] [ROUNDS]

URL is the server (http://127.0.0.1:PORT), PID its process id (for its
resident memory, read from /proc). Each case prints one line of figures.

list     runs JOBS full jobs (default 110) one after another (into one
         directory, with overwrite, to spare the disk), then times GET /coverage/jobs alone and four at once,
         and prints the bytes of one answer and the server's peak memory.
headers  opens CONNECTIONS (default 200) connections that send half a
         request head and then nothing, and prints how many the server
         still holds after 1, 5, 15 and SECONDS (default 70) seconds.
streams  ROUNDS times (default 5): starts a full job, opens CLIENTS (default
         100) event streams on it that never read (a small receive buffer,
         so they fill at once) and, while the job runs and 3 s after, sends other
         requests (health, a dry run, the job) one every 10 ms, however
         long the answers take, and times each; then the
         same with no streams open; prints p50, p99 and the slowest of each.
Only the standard library.
"""
import concurrent.futures
import json
import socket
import statistics
import sys
import threading
import time
import urllib.request
from urllib.parse import urlparse


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def call(base, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        return response.read()


def start_job(base, out):
    body = {"out": out, "overwrite": True}
    return json.loads(call(base, "POST", "/coverage/generate", body))["id"]


def wait_job(base, job):
    while json.loads(call(base, "GET", f"/coverage/jobs/{job}"))["status"] == "running":
        time.sleep(0.05)


class Peak:
    """The server's peak resident memory while it runs, sampled every 10 ms."""

    def __init__(self, pid):
        self.pid, self.peak, self.running = pid, 0.0, True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self):
        while self.running:
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.01)

    def stop(self):
        self.running = False
        self.thread.join()
        return self.peak


def case_list(base, pid, jobs=110):
    stamp = int(time.time())
    for _ in range(jobs):
        wait_job(base, start_job(base, f"probe-{stamp}/list"))
    peak = Peak(pid)
    started = time.monotonic()
    one = call(base, "GET", "/coverage/jobs")
    alone = time.monotonic() - started
    threads = [threading.Thread(target=call, args=(base, "GET", "/coverage/jobs")) for _ in range(4)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    four = time.monotonic() - started
    print(f"list: {jobs} jobs; one answer {len(one)} bytes in {alone * 1000:.0f} ms; "
          f"four at once {four * 1000:.0f} ms; server peak {peak.stop():.0f} MB")


def open_count(sockets):
    """How many of `sockets` the server has not closed."""
    alive = 0
    for s in sockets:
        try:
            s.setblocking(False)
            alive += s.recv(1 << 16) != b""
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
    return alive


def case_headers(host, port, connections=200, seconds=70):
    sockets = []
    for _ in range(connections):
        s = socket.create_connection((host, port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ")
        sockets.append(s)
    started = time.monotonic()
    figures = []
    for mark in sorted({1, 5, 15, seconds}):
        time.sleep(max(0.0, started + mark - time.monotonic()))
        figures.append(f"{open_count(sockets)} open after {mark} s")
    print(f"headers: {connections} half-sent heads; " + ", ".join(figures))


def timed(base, paths, job, every=0.01, tail=3.0):
    """`paths` in turn, one every `every` seconds whatever the answers take
    (open loop, so a stall delays every request sent during it), each on a
    new connection, until `tail` seconds after `job` has ended (its end is
    when every listener gets the report): the latencies in ms."""
    latencies = []

    def one(path):
        started = time.monotonic()
        call(base, "GET", path)
        latencies.append((time.monotonic() - started) * 1000)

    with concurrent.futures.ThreadPoolExecutor(max_workers=400) as pool:
        n, ended = 0, None
        while ended is None or time.monotonic() < ended + tail:
            pool.submit(one, paths[n % len(paths)])
            n += 1
            time.sleep(every)
            if ended is None and n % 10 == 0:
                job_now = json.loads(call(base, "GET", f"/coverage/jobs/{job}"))
                ended = None if job_now["status"] == "running" else time.monotonic()
    return latencies


def figures(latencies):
    latencies = sorted(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return (f"{len(latencies)} requests, p50 {statistics.median(latencies):.0f} ms, "
            f"p99 {p99:.0f} ms, max {latencies[-1]:.0f} ms")


def stream_client(host, port, job):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((host, port))
    s.sendall(f"GET /coverage/jobs/{job}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return s


def case_streams(base, host, port, clients=100, rounds=5):
    stamp = int(time.time())
    for with_streams in (True, False):
        latencies = []
        for _ in range(rounds):
            job = start_job(base, f"probe-{stamp}/streams")
            streams = [stream_client(host, port, job) for _ in range(clients if with_streams else 0)]
            paths = ["/healthz", "/coverage/generate?dry_run=true&domains=cart_management",
                     f"/coverage/jobs/{job}"]
            latencies += timed(base, paths, job)
            for s in streams:
                s.close()
        who = f"{clients} non-reading clients" if with_streams else "no stream clients"
        print(f"streams: {who}, {rounds} full jobs: {figures(latencies)}")


def main():
    base, pid, case = sys.argv[1].rstrip("/"), int(sys.argv[2]), sys.argv[3]
    numbers = [int(a) for a in sys.argv[4:]]
    url = urlparse(base)
    if case == "list":
        case_list(base, pid, *numbers)
    elif case == "headers":
        case_headers(url.hostname, url.port, *numbers)
    elif case == "streams":
        case_streams(base, url.hostname, url.port, *numbers)
    else:
        sys.exit(f"unknown case '{case}'; valid: list, headers, streams")


if __name__ == "__main__":
    main()
