#!/usr/bin/env python3
"""Benchmark `kubectl-rollouts watch ROLLOUT` (the live view) against
`kubectl-rollouts get rollout ROLLOUT -w` (the text watch it grew from), in
one run.

  bench/kr-watch-bench.py [BUILD_DIR] [--idle=SECONDS] [--events=N]

rollouts-sim (--no-controller: the objects as its controller leaves them,
so that patches cost it next to nothing) serves one rollout of 500 pods (450
stable, 50 canary, paused at setWeight 10) and 200 other rollouts of one pod
each in one namespace. Each command
runs on its own pseudo-terminal (100x30, TERM=xterm-256color, C.UTF-8), its
output drained. Measured, per command:

1. latency from a watch event to the redraw it caused: the view's
   PDKIT_WATCH_TRACE lines ("event MS redraw MS", CLOCK_MONOTONIC) over 100
   patches of the big rollout 50 ms apart; and from the bench sending the
   patch (the same clock) to that redraw. Target: at most 50 ms.
2. CPU while nothing changes (utime + stime from /proc/PID/stat over
   --idle seconds, default 10). Target: under 1% of one core.
3. peak RSS (VmHWM). Target: under 10 MB.
4. RSS growth across --events (default 10,000) watch events (merge
   patches of the big rollout's annotations, each one MODIFIED event):
   VmRSS after a warm-up of 1,000 events against after all of them.
   Target: within 1 MB.

Ratios are ours / baseline (below 1: the view costs less than get -w).
"""
import http.client
import json
import os
import pty
import fcntl
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = [a for a in sys.argv[1:] if not a.startswith("--")]
BUILD = args[0] if args else os.path.join(TOP, "build")
IDLE = 10.0
EVENTS = 10000
for a in sys.argv[1:]:
    if a.startswith("--idle="):
        IDLE = float(a.split("=", 1)[1])
    elif a.startswith("--events="):
        EVENTS = int(a.split("=", 1)[1])
SIM = os.path.join(BUILD, "plugins", "rollouts-sim", "rollouts-sim")
KR = os.path.join(BUILD, "plugins", "kubectl-rollouts", "kubectl-rollouts")
NS = "bench"
BIG = "big"
TICK = os.sysconf("SC_CLK_TCK")


def meta(kind, name, labels, owner=None, ann=None):
    m = {"name": name, "namespace": NS, "uid": f"uid-{kind}-{name}",
         "creationTimestamp": "2026-11-20T00:00:00Z", "labels": labels}
    if owner:
        m["ownerReferences"] = [{"apiVersion": owner[0], "kind": owner[1], "name": owner[2],
                                 "uid": owner[3], "controller": True, "blockOwnerDeletion": True}]
    if ann:
        m["annotations"] = ann
    return m


def objects(name, pods_by_rs, weight):
    """A canary rollout paused at setWeight `weight`, its ReplicaSets (stable
    first) and their Running pods, as the simulator's controller makes them."""
    hashes = [f"{name[:3]}{k}5f7c9d" for k in range(len(pods_by_rs))]
    stable, canary = hashes[0], hashes[-1]
    total = sum(pods_by_rs)
    ro = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
          "metadata": meta("ro", name, {"app": name}, ann={"rollout.argoproj.io/revision": str(len(hashes))}),
          "spec": {"replicas": total, "selector": {"matchLabels": {"app": name}},
                   "template": {"metadata": {"labels": {"app": name}},
                                "spec": {"containers": [{"name": "app", "image": f"example/{name}:{len(hashes)}.0"}]}},
                   "strategy": {"canary": {"steps": [{"setWeight": weight}, {"pause": {}},
                                                     {"setWeight": 50}, {"pause": {"duration": "10m"}}]}}},
          "status": {"currentPodHash": canary, "stableRS": stable, "currentStepIndex": 1, "replicas": total,
                     "updatedReplicas": pods_by_rs[-1], "readyReplicas": total, "availableReplicas": total,
                     "observedGeneration": "1", "phase": "Paused", "message": "CanaryPauseStep",
                     "pauseConditions": [{"reason": "CanaryPauseStep", "startTime": "2026-11-20T00:00:00Z"}],
                     "controllerPause": True,
                     "canary": {"weights": {"canary": {"weight": weight, "podTemplateHash": canary},
                                            "stable": {"weight": 100 - weight, "podTemplateHash": stable}}}}}
    if len(hashes) == 1:
        ro["status"].update({"currentStepIndex": 4, "phase": "Healthy", "message": ""})
        del ro["status"]["pauseConditions"], ro["status"]["controllerPause"]
    items = [ro]
    owner = ("argoproj.io/v1alpha1", "Rollout", name, ro["metadata"]["uid"])
    for k, (h, n) in enumerate(zip(hashes, pods_by_rs)):
        rs_name = f"{name}-{h}"
        labels = {"app": name, "rollouts-pod-template-hash": h}
        rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
              "metadata": meta("rs", rs_name, labels, owner, {"rollout.argoproj.io/revision": str(k + 1)}),
              "spec": {"replicas": n, "selector": {"matchLabels": labels},
                       "template": {"metadata": {"labels": labels},
                                    "spec": {"containers": [{"name": "app", "image": f"example/{name}:{k + 1}.0"}]}}},
              "status": {"replicas": n, "readyReplicas": n, "availableReplicas": n, "observedGeneration": 1}}
        items.append(rs)
        rs_owner = ("apps/v1", "ReplicaSet", rs_name, rs["metadata"]["uid"])
        for p in range(n):
            cond = [{"type": t, "status": "True", "lastTransitionTime": "2026-11-20T00:00:02Z"}
                    for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")]
            items.append({"apiVersion": "v1", "kind": "Pod",
                          "metadata": meta("pod", f"{rs_name}-{p:05d}", labels, rs_owner),
                          "spec": {"containers": [{"name": "app", "image": f"example/{name}:{k + 1}.0"}]},
                          "status": {"phase": "Running", "conditions": cond, "podIP": f"10.1.{p // 250}.{p % 250}",
                                     "startTime": "2026-11-20T00:00:02Z",
                                     "containerStatuses": [{"name": "app", "image": f"example/{name}:{k + 1}.0",
                                                            "ready": True, "restartCount": 0, "started": True,
                                                            "state": {"running": {"startedAt": "2026-11-20T00:00:02Z"}}}]}})
    return items


class Sim:
    def __init__(self, tmp):
        fx = os.path.join(tmp, "objects.json")
        objs = objects(BIG, [450, 50], 10)
        for i in range(200):
            objs += objects("r%03d" % i, [1], 100)
        with open(fx, "w") as f:
            json.dump({"apiVersion": "v1", "kind": "List", "items": objs}, f)
        self.kc = os.path.join(tmp, "kubeconfig")
        portf = os.path.join(tmp, "port")
        # the objects as the controller left them; no controller, so a
        # patch costs the simulator next to nothing and the events come
        # as fast as the bench sends them
        self.p = subprocess.Popen([SIM, "--no-controller", "--fixtures", fx, "--port-file", portf,
                                   "--kubeconfig", self.kc],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(400):
            if os.path.exists(portf) and os.path.getsize(portf):
                break
            time.sleep(0.05)
        self.port = int(open(portf).read())
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def req(self, method, path, body=None, ctype="application/json"):
        headers = {"Content-Type": ctype} if body is not None else {}
        self.conn.request(method, path, body=body, headers=headers)
        r = self.conn.getresponse()
        data = r.read()
        return r.status, data

    def patch_big(self, n):
        path = f"/apis/argoproj.io/v1alpha1/namespaces/{NS}/rollouts/{BIG}"
        body = json.dumps({"metadata": {"annotations": {"bench/n": str(n)}}})
        st, _ = self.req("PATCH", path, body, "application/merge-patch+json")
        assert st == 200, st

    def count_pods(self):
        st, data = self.req("GET", f"/api/v1/namespaces/{NS}/pods")
        return len(json.loads(data).get("items", []))

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(10)


class OnPty:
    """A command on a pseudo-terminal of 100x30, its output drained."""

    def __init__(self, argv, env):
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                  start_new_session=True)
        os.close(slave)
        self.bytes = 0
        self.t = threading.Thread(target=self.drain, daemon=True)
        self.t.start()

    def drain(self):
        while True:
            try:
                b = os.read(self.master, 65536)
            except OSError:
                return
            if not b:
                return
            self.bytes += len(b)

    def cpu_s(self):
        f = open(f"/proc/{self.p.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / TICK

    def status_kb(self, key):
        for line in open(f"/proc/{self.p.pid}/status"):
            if line.startswith(key + ":"):
                return int(line.split()[1])
        return 0

    def stop(self):
        try:
            os.write(self.master, b"q")
        except OSError:
            pass
        try:
            self.p.wait(3)
        except subprocess.TimeoutExpired:
            os.killpg(self.p.pid, signal.SIGTERM)
            self.p.wait(5)
        os.close(self.master)


def wait_settled(proc, quiet=0.6, limit=120.0):
    """Until the process has used no more than a tick of CPU for `quiet`
    seconds (the view redraws every second for the ages: its output is
    never quiet, its CPU is)."""
    end = time.monotonic() + limit
    last, since = proc.cpu_s(), time.monotonic()
    while time.monotonic() < end:
        time.sleep(0.1)
        c = proc.cpu_s()
        if c - last > 1.0 / TICK:
            last, since = c, time.monotonic()
        elif time.monotonic() - since >= quiet and proc.bytes > 0:
            return


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))] if v else float("nan")


def measure(sim, name, argv, tmp):
    trace = os.path.join(tmp, name + ".trace")
    env = {"PATH": "/usr/bin:/bin", "HOME": tmp, "TERM": "xterm-256color", "LC_ALL": "C.UTF-8",
           "KUBECONFIG": sim.kc, "PDKIT_WATCH_TRACE": trace}
    proc = OnPty(argv, env)
    t0 = time.monotonic()
    wait_settled(proc, 1.5)
    print(f"# {name}: settled in {time.monotonic() - t0:.1f} s", file=sys.stderr)
    res = {}
    # 2. idle CPU
    c0, t0 = proc.cpu_s(), time.monotonic()
    time.sleep(IDLE)
    res["idle_cpu_pct"] = 100.0 * (proc.cpu_s() - c0) / (time.monotonic() - t0)
    # 1. latency over 100 patches 50 ms apart
    sent = []
    for i in range(100):
        sent.append(time.monotonic() * 1000.0)
        sim.patch_big(i)
        time.sleep(0.05)
    time.sleep(0.5)
    print(f"# {name}: latency patches done", file=sys.stderr)
    ev, e2e = [], []
    if os.path.exists(trace):
        rows = []
        for line in open(trace):
            f = line.split()
            if len(f) == 4 and f[0] == "event":
                rows.append((float(f[1]), float(f[3])))
        ev = [r - e for e, r in rows if e >= sent[0] - 1]
        for s in sent:
            after = [r for e, r in rows if e >= s]
            if after:
                e2e.append(min(after) - s)
    res["lat_event"] = ev
    res["lat_patch"] = e2e
    # 4. RSS across EVENTS events: warm-up of 1,000 first
    warm = min(1000, EVENTS // 10)
    for i in range(warm):
        sim.patch_big(1000 + i)
    wait_settled(proc, 1.0)
    rss_warm = proc.status_kb("VmRSS")
    t0 = time.monotonic()
    for i in range(warm, EVENTS):
        sim.patch_big(1000 + i)
    print(f"# {name}: {EVENTS - warm} patches in {time.monotonic() - t0:.1f} s", file=sys.stderr)
    wait_settled(proc, 1.0)
    res["rss_warm_kb"] = rss_warm
    res["rss_end_kb"] = proc.status_kb("VmRSS")
    res["hwm_kb"] = proc.status_kb("VmHWM")
    res["anon_kb"] = proc.status_kb("RssAnon")
    res["file_kb"] = proc.status_kb("RssFile")
    res["pss_kb"] = 0
    for line in open(f"/proc/{proc.p.pid}/smaps_rollup"):
        if line.startswith("Pss:"):
            res["pss_kb"] = int(line.split()[1])
    res["out_bytes"] = proc.bytes
    proc.stop()
    return res


def curl_cost_kb():
    """RSS that dlopen(libcurl) and curl_global_init() alone add to a
    process (what every kubectl-rollouts command that talks to a server
    pays before its first request)."""
    code = ("import ctypes,sys\n"
            "def rss():\n"
            " return int([l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1])\n"
            "a=rss(); c=ctypes.CDLL('libcurl.so.4', mode=ctypes.RTLD_GLOBAL); c.curl_global_init(3)\n"
            "print(rss()-a)\n")
    try:
        return int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  timeout=30).stdout.strip())
    except (ValueError, OSError, subprocess.TimeoutExpired):
        return 0


def main():
    for b in (SIM, KR):
        if not os.access(b, os.X_OK):
            sys.exit(f"kr-watch-bench: {b} is not built (ninja -C {BUILD})")
    with tempfile.TemporaryDirectory() as tmp:
        sim = Sim(tmp)
        try:
            print(f"rollouts-sim: {BIG} with 500 pods and 200 other rollouts ({sim.count_pods()} pods)")
            ours = measure(sim, "watch", [KR, "watch", BIG, "-n", NS], tmp)
            base = measure(sim, "get-w", [KR, "get", "rollout", BIG, "-w", "-n", NS], tmp)
        finally:
            sim.stop()
    print(f"\n{'':38} {'watch':>12} {'get -w':>12} {'ratio':>8}  target")
    lat = ours["lat_event"]
    print(f"{'event -> redraw, median ms':38} {pct(lat, 50):12.2f} {'-':>12} {'':>8}  <= 50")
    print(f"{'event -> redraw, p95 ms':38} {pct(lat, 95):12.2f} {'-':>12} {'':>8}  <= 50")
    print(f"{'event -> redraw, max ms':38} {max(lat) if lat else float('nan'):12.2f} {'-':>12}")
    e2e = ours["lat_patch"]
    print(f"{'patch sent -> redraw, median ms':38} {pct(e2e, 50):12.2f} {'-':>12}")
    print(f"{'patch sent -> redraw, p95 ms':38} {pct(e2e, 95):12.2f} {'-':>12}")
    print(f"{'redraws traced (of 100 patches)':38} {len(lat):12d} {'-':>12}")

    def row(label, a, b, target, fmt="{:12.2f}"):
        ratio = a / b if b else float("nan")
        if not b:
            print(f"{label:38} {fmt.format(a)} {fmt.format(b)} {'-':>8}  {target}")
            return
        print(f"{label:38} {fmt.format(a)} {fmt.format(b)} {ratio:8.2f}  {target}")

    row("idle CPU, % of one core", ours["idle_cpu_pct"], base["idle_cpu_pct"], "< 1")
    row("peak RSS, MB", ours["hwm_kb"] / 1024, base["hwm_kb"] / 1024, "< 10")
    row(f"RSS after {min(1000, EVENTS // 10)} events, MB", ours["rss_warm_kb"] / 1024,
        base["rss_warm_kb"] / 1024, "")
    row(f"RSS after {EVENTS} events, MB", ours["rss_end_kb"] / 1024, base["rss_end_kb"] / 1024, "")
    row("RSS growth, MB", (ours["rss_end_kb"] - ours["rss_warm_kb"]) / 1024,
        (base["rss_end_kb"] - base["rss_warm_kb"]) / 1024, "within 1")
    row("  of it private (RssAnon), MB", ours["anon_kb"] / 1024, base["anon_kb"] / 1024, "")
    row("  of it shared files (RssFile), MB", ours["file_kb"] / 1024, base["file_kb"] / 1024, "")
    row("PSS at the end, MB", ours["pss_kb"] / 1024, base["pss_kb"] / 1024, "")
    cc = curl_cost_kb()
    print(f"{'libcurl dlopen + global init alone, MB':38} {cc / 1024:12.2f}   (in every process that talks to a server)")
    row("terminal output, KB", ours["out_bytes"] / 1024, base["out_bytes"] / 1024, "")


if __name__ == "__main__":
    main()
