#!/usr/bin/env python3
"""Benchmark rollouts-sim against named baselines, in one run.

  bench/sim-bench.py [BUILD_DIR]

1. Fixture load: rollouts-sim start-up (to the port file) with 20,000 pods,
   from YAML and from JSON. Baselines: PyYAML's parser (CSafeLoader when
   built with libyaml, else SafeLoader) and Python's json module reading
   the same files; nothing else is done by the baselines, so the ratio
   understates rollouts-sim's advantage.
2. List serving: 20 sequential GETs of a 5,000-pod list over keep-alive.
   Baseline: fakekube.py from ../shared/conformance (an independent API
   stand-in) with the same pods; skipped when ../shared is absent.

Prints one line per measurement: ours, the baseline, and the ratio
(baseline / ours; above 1 means rollouts-sim is faster).
"""
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = sys.argv[1] if len(sys.argv) > 1 else os.path.join(TOP, "build")
SIM = os.path.join(BUILD, "plugins", "rollouts-sim", "rollouts-sim")
SHARED = os.path.join(os.path.dirname(TOP), "shared")


def pod(i, ns="bench"):
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": f"web-7d9f8c6b5-{i:05d}", "namespace": ns,
                     "labels": {"app": "web", "rollouts-pod-template-hash": "7d9f8c6b5",
                                "shard": str(i % 10)},
                     "creationTimestamp": "2026-11-26T09:00:00Z",
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                          "name": "web-7d9f8c6b5", "uid": "2f0e8a61-93c4-4d7e-8b1a-5c6d7e8f9a0b",
                                          "controller": True}]},
        "spec": {"containers": [{"name": "web", "image": "example/web:1.2.3",
                                 "ports": [{"containerPort": 8080}],
                                 "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]},
        "status": {"phase": "Running", "podIP": f"10.0.{i // 250}.{i % 250}",
                   "conditions": [{"type": "Ready", "status": "True"}]},
    }


def write_yaml(path, n):
    # hand-written block YAML, one document per pod (no PyYAML needed)
    with open(path, "w") as f:
        for i in range(n):
            p = pod(i)
            m = p["metadata"]
            f.write(f"""---
apiVersion: v1
kind: Pod
metadata:
  name: {m['name']}
  namespace: bench
  labels:
    app: web
    rollouts-pod-template-hash: "7d9f8c6b5"
    shard: "{i % 10}"
  creationTimestamp: "2026-11-26T09:00:00Z"
  ownerReferences:
  - apiVersion: apps/v1
    kind: ReplicaSet
    name: web-7d9f8c6b5
    uid: 2f0e8a61-93c4-4d7e-8b1a-5c6d7e8f9a0b
    controller: true
spec:
  containers:
  - name: web
    image: example/web:1.2.3
    ports:
    - containerPort: 8080
    resources:
      requests: {{cpu: 100m, memory: 128Mi}}
status:
  phase: Running
  podIP: {p['status']['podIP']}
  conditions:
  - type: Ready
    status: "True"
""")


def write_json(path, n):
    with open(path, "w") as f:
        json.dump({"apiVersion": "v1", "kind": "List", "items": [pod(i) for i in range(n)]}, f)


def start(cmd, portfile):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while not (os.path.exists(portfile) and os.path.getsize(portfile) > 0):
        if p.poll() is not None:
            raise SystemExit(f"sim-bench: error: {cmd[0]} exited: {p.stderr.read().decode()}")
        time.sleep(0.002)
    return p, time.perf_counter() - t0, int(open(portfile).read())


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()


def list_time(port, path, n=20):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    total = 0
    size = 0
    conn.request("GET", path)  # warm-up
    conn.getresponse().read()
    t0 = time.perf_counter()
    for _ in range(n):
        conn.request("GET", path, headers={"Accept": "application/json"})
        r = conn.getresponse()
        body = r.read()
        size = len(body)
        if r.status != 200:
            raise SystemExit(f"sim-bench: error: GET {path}: {r.status}")
    total = time.perf_counter() - t0
    conn.close()
    return total / n, size


def line(what, ours, base_name, base):
    if base is None:
        print(f"{what:<34} rollouts-sim {ours * 1000:9.1f} ms   baseline {base_name}: skipped")
    else:
        print(f"{what:<34} rollouts-sim {ours * 1000:9.1f} ms   {base_name} {base * 1000:9.1f} ms   ratio {base / ours:6.2f}x")


def main():
    if not os.access(SIM, os.X_OK):
        raise SystemExit(f"sim-bench: error: '{SIM}' is not built (run ninja -C {BUILD})")
    tmp = tempfile.mkdtemp(prefix="sim-bench.")
    try:
        y20, j20 = os.path.join(tmp, "pods20k.yaml"), os.path.join(tmp, "pods20k.json")
        write_yaml(y20, 20000)
        write_json(j20, 20000)
        d5 = os.path.join(tmp, "five")
        os.mkdir(d5)
        write_yaml(os.path.join(d5, "pods5k.yaml"), 5000)

        try:
            import yaml
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            lname = "PyYAML " + loader.__name__
        except ImportError:
            yaml = None
            lname = "PyYAML"

        results = {}
        for kind, path in (("yaml", y20), ("json", j20)):
            best = None
            for rep in range(3):
                pf = os.path.join(tmp, f"port.{kind}.{rep}")
                p, dt, _ = start([SIM, "--no-controller", "--fixtures", path, "--port-file", pf], pf)
                stop(p)
                best = dt if best is None else min(best, dt)
            results[kind] = best
        base_y = None
        if yaml is not None:
            t0 = time.perf_counter()
            with open(y20) as f:
                docs = [d for d in yaml.load_all(f, Loader=loader) if d]
            base_y = time.perf_counter() - t0
            assert len(docs) == 20000
        t0 = time.perf_counter()
        with open(j20) as f:
            assert len(json.load(f)["items"]) == 20000
        base_j = time.perf_counter() - t0
        line("load 20,000 pods (YAML)", results["yaml"], lname + " parse only", base_y)
        line("load 20,000 pods (JSON)", results["json"], "python json.load only", base_j)

        pf = os.path.join(tmp, "port.list")
        p, _, port = start([SIM, "--no-controller", "--fixtures", d5, "--port-file", pf], pf)
        path = "/api/v1/namespaces/bench/pods"
        ours, size = list_time(port, path)
        sel, _ = list_time(port, path + "?labelSelector=shard%3D3")
        stop(p)
        fk = os.path.join(SHARED, "conformance", "fakekube.py")
        base = bsel = None
        if os.path.exists(fk) and yaml is not None:
            pf2 = os.path.join(tmp, "port.fk")
            q, _, port2 = start([sys.executable, fk, "--dir", d5, "--port-file", pf2], pf2)
            try:
                base, _ = list_time(port2, path, 5)
                bsel, _ = list_time(port2, path + "?labelSelector=shard%3D3", 5)
            finally:
                stop(q)
        line(f"list 5,000 pods ({size // 1024} KiB)", ours, "fakekube.py", base)
        line("list 5,000 pods, labelSelector", sel, "fakekube.py", bsel)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
