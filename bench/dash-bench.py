#!/usr/bin/env python3
"""Measure `kubectl-rollouts dashboard`: memory over many events, open pages
without threads, and how fast a change reaches every page, in one run.

  bench/dash-bench.py [BUILD_DIR] [EVENTS]

rollouts-sim (without its controller, so every change is the bench's own)
serves 5 rollouts; the dashboard watches their namespace. Changes are merge
patches of spec.replicas (a value the list row shows, so each one is an
event on every stream), sent over keep-alive connections.

1. Memory: 5 pages (event streams read as a browser would) stay open while
   EVENTS (default 100,000) patches are applied; the dashboard's RSS is read
   from /proc after a warm-up of 5,000 and at the end. Named baseline: the
   RSS after the warm-up; the figure is the growth (the brief: within 2 MB).
2. Pages: 200 event streams open at once; the dashboard's thread count
   (/proc/PID/status) with 0 and with 200 pages (baseline: 0 pages), and the
   RSS they add.
3. Fan-out: for 50 changes, the time from the PATCH's answer to the moment
   the last of the 200 pages has the event (median and worst).
"""
import http.client
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = sys.argv[1] if len(sys.argv) > 1 else os.path.join(TOP, "build")
EVENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
SIM = os.path.join(BUILD, "plugins", "rollouts-sim", "rollouts-sim")
KR = os.path.join(BUILD, "plugins", "kubectl-rollouts", "kubectl-rollouts")
RO = "/apis/argoproj.io/v1alpha1/namespaces/bench/rollouts/"


def fixture(path, n=5):
    with open(path, "w") as f:
        for i in range(n):
            f.write(json.dumps({
                "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
                "metadata": {"name": "r%d" % i, "namespace": "bench"},
                "spec": {"replicas": 1,
                         "selector": {"matchLabels": {"app": "r%d" % i}},
                         "template": {"metadata": {"labels": {"app": "r%d" % i}},
                                      "spec": {"containers": [{"name": "c", "image": "example/c:1"}]}},
                         "strategy": {"canary": {"steps": [{"setWeight": 50}, {"pause": {}}]}}},
            }) + "\n---\n")


def proc_status(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


class Streams:
    """n event streams on one selector, counting 'event:' lines."""

    def __init__(self, port, path, n):
        self.sel = selectors.DefaultSelector()
        self.counts = [0] * n
        self.tails = [b""] * n
        self.socks = []
        for i in range(n):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                       "Accept: text/event-stream\r\n\r\n" % (path, port)).encode())
            s.setblocking(False)
            self.sel.register(s, selectors.EVENT_READ, i)
            self.socks.append(s)

    def pump(self, timeout):
        for key, _ in self.sel.select(timeout):
            i = key.data
            try:
                data = key.fileobj.recv(1 << 16)
            except BlockingIOError:
                continue
            if not data:
                self.sel.unregister(key.fileobj)
                continue
            buf = self.tails[i] + data
            self.counts[i] += buf.count(b"\nevent: ") + buf.startswith(b"event: ")
            self.tails[i] = buf[-8:]

    def wait_all(self, want, deadline):
        while min(self.counts) < want and time.monotonic() < deadline:
            self.pump(0.01)
        return min(self.counts) >= want

    def close(self):
        for s in self.socks:
            s.close()


def patcher(port, names, start, n, errors):
    c = http.client.HTTPConnection("127.0.0.1", port)
    for k in range(start, start + n):
        body = json.dumps({"spec": {"replicas": k % 50 + 1}})
        c.request("PATCH", RO + names[k % len(names)], body,
                  {"Content-Type": "application/merge-patch+json"})
        r = c.getresponse()
        r.read()
        if r.status != 200:
            errors.append(r.status)
    c.close()


def patch_many(port, n, base, threads=4):
    names = ["r%d" % i for i in range(5)]
    errors = []
    per = n // threads
    ts = [threading.Thread(target=patcher, args=(port, names, base + t * per, per, errors))
          for t in range(threads)]
    for t in ts:
        t.start()
    return ts, errors


def main():
    for b in (SIM, KR):
        if not os.access(b, os.X_OK):
            sys.exit("dash-bench: %s is not built" % b)
    tmp = tempfile.mkdtemp(prefix="dash-bench-")
    fixture(os.path.join(tmp, "fx.yaml"))
    sim = subprocess.Popen([SIM, "--no-controller", "--port-file", tmp + "/port",
                            "--kubeconfig", tmp + "/kc", "--fixtures", tmp + "/fx.yaml"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not os.path.exists(tmp + "/port") or not open(tmp + "/port").read().strip():
        time.sleep(0.05)
    sport = int(open(tmp + "/port").read())
    env = dict(os.environ, KUBECONFIG=tmp + "/kc")
    dash = subprocess.Popen([KR, "dashboard", "-n", "bench", "-p", "0"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = dash.stdout.readline().strip()
    dport = int(url.split(":")[2].split("/")[0])
    list_path = "/api/v1/rollouts/bench/info/watch"
    try:
        # ------------------------------------------------ 1. memory
        pages = Streams(dport, list_path, 5)
        pages.wait_all(1, time.monotonic() + 10)
        stop = False

        def pump():
            while not stop:
                pages.pump(0.05)
        th = threading.Thread(target=pump)
        th.start()
        warm = 5000
        t0 = time.monotonic()
        ts, errors = patch_many(sport, warm, 0)
        for t in ts:
            t.join()
        time.sleep(1)
        rss0 = proc_status(dash.pid, "VmRSS")
        ts, errors2 = patch_many(sport, EVENTS, warm)
        for t in ts:
            t.join()
        dt = time.monotonic() - t0
        time.sleep(1)
        rss1 = proc_status(dash.pid, "VmRSS")
        stop = True
        th.join()
        got = min(pages.counts)
        pages.close()
        print("memory: %d patches (%.0f/s), %d events on each of 5 pages at least; "
              "RSS %d kB after the warm-up (baseline), %d kB after: growth %+d kB (%.2f MB)"
              % (EVENTS + warm, (EVENTS + warm) / dt, got, rss0, rss1, rss1 - rss0,
                 (rss1 - rss0) / 1024.0))
        if errors or errors2:
            print("  (%d patches failed)" % len(errors + errors2))

        # ------------------------------------------------ 2. pages
        time.sleep(0.5)
        thr0 = proc_status(dash.pid, "Threads")
        rssp0 = proc_status(dash.pid, "VmRSS")
        many = Streams(dport, list_path, 200)
        ok = many.wait_all(1, time.monotonic() + 20)
        thr1 = proc_status(dash.pid, "Threads")
        rssp1 = proc_status(dash.pid, "VmRSS")
        print("pages: 200 open streams (%s): threads %d with 0 pages (baseline), %d with 200; "
              "RSS %+d kB (%.1f kB a page)"
              % ("all answered" if ok else "NOT all answered", thr0, thr1,
                 rssp1 - rssp0, (rssp1 - rssp0) / 200.0))

        # ------------------------------------------------ 3. fan-out
        c = http.client.HTTPConnection("127.0.0.1", sport)
        lat = []
        for k in range(50):
            want = min(many.counts) + 1
            c.request("PATCH", RO + "r0", json.dumps({"spec": {"replicas": 100 + k}}),
                      {"Content-Type": "application/merge-patch+json"})
            r = c.getresponse()
            r.read()
            t1 = time.monotonic()
            if many.wait_all(want, t1 + 5):
                lat.append((time.monotonic() - t1) * 1000)
            # drain whatever else came
            many.pump(0.02)
        c.close()
        many.close()
        lat.sort()
        if lat:
            print("fan-out: a change reaches all 200 pages in %.1f ms (median), %.1f ms (worst of %d)"
                  % (lat[len(lat) // 2], lat[-1], len(lat)))
        else:
            print("fan-out: no change reached all pages")
    finally:
        dash.send_signal(signal.SIGTERM)
        sim.send_signal(signal.SIGTERM)
        dash.wait()
        sim.wait()
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
