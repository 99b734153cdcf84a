#!/usr/bin/env python3
"""First load of the Coverage Generator page in headless Chromium.

Usage: scripts/ui-load.py URL [RUNS]     e.g. after `coverage serve`:
       scripts/ui-load.py http://127.0.0.1:8080/ 5

Starts chromedriver (Debian's chromium-driver), opens URL RUNS times, each
in a fresh browser profile (a cold cache), and prints for each run and as
medians: when the HTML arrived, DOMContentLoaded, load, when the first live
figures (the dry run) and the cost estimate were on the page, and the bytes
transferred: the page itself (HTML, script, style) and its API calls.
Only the standard library: WebDriver is HTTP and JSON.
"""
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--window-size=1400,1000",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]

MEASURE = """
const nav = performance.getEntriesByType('navigation')[0];
const mark = (name) => (performance.getEntriesByName(name)[0] || {}).startTime ?? null;
const resources = performance.getEntriesByType('resource');
const shell = resources.filter(r => r.name.includes('/ui/page.'));
const api = resources.filter(r => !r.name.includes('/ui/page.'));
return {
  html: nav.responseEnd, dom: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
  figures: mark('coverage:figures'), cost: mark('coverage:cost'),
  page_bytes: nav.transferSize + shell.reduce((s, r) => s + r.transferSize, 0),
  page_decoded: nav.decodedBodySize + shell.reduce((s, r) => s + r.decodedBodySize, 0),
  api_bytes: api.reduce((s, r) => s + r.transferSize, 0),
  requests: 1 + resources.length,
  offsite: resources.filter(r => !r.name.startsWith(location.origin)).map(r => r.name),
};
"""


def call(base, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)["value"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_run(base, url):
    with tempfile.TemporaryDirectory() as profile:
        options = {"args": ARGS + [f"--user-data-dir={profile}"]}
        session = call(base, "POST", "/session",
                       {"capabilities": {"alwaysMatch": {"goog:chromeOptions": options}}})
        sid = session["sessionId"]
        try:
            call(base, "POST", f"/session/{sid}/url", {"url": url})
            deadline = time.time() + 60
            while True:
                figures = call(base, "POST", f"/session/{sid}/execute/sync", {
                    "script": "return performance.getEntriesByName('coverage:cost').length > 0",
                    "args": []})
                if figures or time.time() > deadline:
                    break
                time.sleep(0.05)
            return call(base, "POST", f"/session/{sid}/execute/sync",
                        {"script": MEASURE, "args": []})
        finally:
            call(base, "DELETE", f"/session/{sid}")


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080/"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    port = free_port()
    driver = subprocess.Popen(["chromedriver", f"--port={port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                call(base, "GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        results = [one_run(base, url) for _ in range(runs)]
    finally:
        driver.kill()
    keys = ["html", "dom", "load", "figures", "cost"]
    print("run  " + "  ".join(f"{k:>8}" for k in keys) + "   page bytes (decoded)  api bytes  requests")
    for i, r in enumerate(results, 1):
        times = "  ".join(f"{r[k]:>6.0f}ms" if r[k] is not None else "     n/a" for k in keys)
        print(f"{i:>3}  {times}   {r['page_bytes']:>10} ({r['page_decoded']})  {r['api_bytes']:>9}  {r['requests']:>8}")
        if r["offsite"]:
            print("     requests that left the server:", r["offsite"])
    medians = "  ".join(f"{statistics.median(r[k] for r in results):>6.0f}ms" for k in keys)
    print(f"med  {medians}")


if __name__ == "__main__":
    main()
