#!/usr/bin/env python3
"""Benchmark kubectl-rollouts against named baselines, in one run.

  bench/kr-bench.py [BUILD_DIR] [--runs N]

rollouts-sim serves one target rollout plus 200 others, 10,000 pods and
1,000 ReplicaSets in one namespace. Measured (median of N runs; peak RSS
from wait4):

1. `kubectl-rollouts get rollout target` against
   `kubectl get pods,replicasets,rollouts.argoproj.io,analysisruns.argoproj.io,
   experiments.argoproj.io -o json` (what the Go plugin fetches, through the
   same client-go stack; kubectl v1.26+ needed, else skipped). Target: at
   most 1/10 of its wall time and peak RSS.
2. The same command against `curl --parallel` fetching exactly the requests
   kubectl-rollouts made (read from the simulator's request log) in one go,
   a lower bound. Target: at most 1.5x its wall time.
3. `kubectl-rollouts version` against `kubectl version --client` (target: 10x
   faster) and against a hello-world linked with the same libraries (target:
   within 1.5x in time and peak RSS).

Ratios are baseline / ours for speed (above 1 means kubectl-rollouts is
faster) and ours / baseline for the "within" targets.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = [a for a in sys.argv[1:] if not a.startswith("--runs")]
BUILD = args[0] if args else os.path.join(TOP, "build")
RUNS = 7
for a in sys.argv[1:]:
    if a.startswith("--runs="):
        RUNS = int(a.split("=", 1)[1])
SIM = os.path.join(BUILD, "plugins", "rollouts-sim", "rollouts-sim")
KR = os.path.join(BUILD, "plugins", "kubectl-rollouts", "kubectl-rollouts")
NS = "bench"


def kubectl_path():
    """kubectl from $KUBECTL or PATH, when it is v1.26 or newer."""
    for k in (os.environ.get("KUBECTL"), shutil.which("kubectl")):
        if k and os.access(k, os.X_OK):
            try:
                out = subprocess.run([k, "version", "--client", "-o", "json"],
                                     capture_output=True, text=True, timeout=20).stdout
                minor = int("".join(c for c in json.loads(out)["clientVersion"]["minor"] if c.isdigit()))
                if minor >= 26:
                    return k
            except (OSError, ValueError, KeyError, subprocess.TimeoutExpired):
                pass
    return None


def meta(kind, name, labels, owner=None, api="v1"):
    m = {"name": name, "namespace": NS, "uid": f"uid-{kind}-{name}",
         "creationTimestamp": "2026-11-20T00:00:00Z", "labels": labels}
    if owner:
        m["ownerReferences"] = [{"apiVersion": owner[0], "kind": owner[1], "name": owner[2],
                                 "uid": owner[3], "controller": True}]
    return m


def rollout(name, hashes):
    stable, canary = hashes[0], hashes[-1]
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
            "metadata": meta("ro", name, {"app": name}),
            "spec": {"replicas": 5, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": f"example/{name}:{canary}"}]}},
                     "strategy": {"canary": {"steps": [{"setWeight": 10}, {"pause": {"duration": "2m"}},
                                                       {"setWeight": 50}, {"pause": {}}]}}},
            "status": {"currentPodHash": canary, "stableRS": stable, "currentStepIndex": 1,
                       "replicas": 5, "updatedReplicas": 1, "readyReplicas": 5, "availableReplicas": 5,
                       "observedGeneration": "1", "phase": "Progressing", "message": "more replicas need to be updated",
                       "canary": {"weights": {"canary": {"weight": 10, "podTemplateHash": canary},
                                              "stable": {"weight": 90, "podTemplateHash": stable}}},
                       "conditions": [{"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
                                       "message": "updated", "lastUpdateTime": "2026-11-20T00:00:00Z",
                                       "lastTransitionTime": "2026-11-20T00:00:00Z"}]}}


def fixture(path):
    items = []
    names = ["target"] + [f"svc-{i:03d}" for i in range(200)]
    rs_total = pod_total = 0
    for ri, name in enumerate(names):
        nrs = 5 if ri else 3
        hashes = [f"{ri:04d}{k:05d}x" for k in range(nrs)]
        ro = rollout(name, hashes)
        items.append(ro)
        ro_owner = ("argoproj.io/v1alpha1", "Rollout", name, ro["metadata"]["uid"])
        for k, h in enumerate(hashes):
            rs_name = f"{name}-{h}"
            live = k in (0, nrs - 1)
            rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                  "metadata": meta("rs", rs_name, {"app": name, "rollouts-pod-template-hash": h}, ro_owner),
                  "spec": {"replicas": 4 if live else 0,
                           "selector": {"matchLabels": {"app": name, "rollouts-pod-template-hash": h}},
                           "template": {"metadata": {"labels": {"app": name, "rollouts-pod-template-hash": h}},
                                        "spec": {"containers": [{"name": "app", "image": f"example/{name}:{h}"}]}}},
                  "status": {"replicas": 4 if live else 0, "readyReplicas": 4 if live else 0,
                             "availableReplicas": 4 if live else 0}}
            rs["metadata"]["annotations"] = {"rollout.argoproj.io/revision": str(k + 1)}
            items.append(rs)
            rs_total += 1
            npods = 5 if ri == 0 else (25 if live else 0)
            for p in range(npods if live else 0):
                items.append({"apiVersion": "v1", "kind": "Pod",
                              "metadata": meta("pod", f"{rs_name}-{p:05d}",
                                               {"app": name, "rollouts-pod-template-hash": h},
                                               ("apps/v1", "ReplicaSet", rs_name, rs["metadata"]["uid"])),
                              "spec": {"containers": [{"name": "app", "image": f"example/{name}:{h}"}]},
                              "status": {"phase": "Running",
                                         "containerStatuses": [{"name": "app", "ready": True, "restartCount": 0}]}})
                pod_total += 1
    # top up to exactly 10,000 pods with pods of the other rollouts
    i = 0
    while pod_total < 10000:
        name = names[1 + i % 200]
        h = f"{1 + i % 200:04d}00000x"
        items.append({"apiVersion": "v1", "kind": "Pod",
                      "metadata": meta("pod", f"{name}-extra-{i:05d}", {"app": name, "rollouts-pod-template-hash": h}),
                      "spec": {"containers": [{"name": "app", "image": "example/x:1"}]},
                      "status": {"phase": "Running"}})
        pod_total += 1
        i += 1
    with open(path, "w") as f:
        json.dump({"apiVersion": "v1", "kind": "List", "items": items}, f)
    return rs_total, pod_total


GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
RSS_FILE = os.path.join(tempfile.gettempdir(), f"kr-bench-rss.{os.getpid()}")


def run(cmd, env=None):
    """Wall seconds and peak RSS (KiB) of one run; output discarded. The
    peak RSS comes from GNU time (a small C parent), not from this Python
    process's wait4, whose children start as copies of the interpreter."""
    full = [GNU_TIME, "-f", "%M", "-o", RSS_FILE] + cmd if GNU_TIME else cmd
    t0 = time.perf_counter()
    p = subprocess.run(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"kr-bench: error: {' '.join(cmd[:3])}... exited {p.returncode}: "
                         f"{p.stderr.decode(errors='replace').strip()[:300]}")
    rss = int(open(RSS_FILE).read().split()[-1]) if GNU_TIME else 0
    return dt, rss


def measure(cmd, env=None, runs=RUNS):
    ts, rss = [], []
    for _ in range(runs):
        t, r = run(cmd, env)
        ts.append(t)
        rss.append(r)
    ts.sort()
    rss.sort()
    return ts[len(ts) // 2], rss[len(rss) // 2]


def show(what, ours, base_name, base, target):
    if base is None:
        print(f"{what:<40} ours {ours[0]*1000:8.1f} ms {ours[1]/1024:6.1f} MiB   {base_name}: skipped")
        return
    print(f"{what:<40} ours {ours[0]*1000:8.1f} ms {ours[1]/1024:6.1f} MiB   "
          f"{base_name} {base[0]*1000:8.1f} ms {base[1]/1024:6.1f} MiB   "
          f"time {base[0]/ours[0]:6.2f}x  rss {base[1]/ours[1]:6.2f}x  ({target})")


def main():
    for b in (SIM, KR):
        if not os.access(b, os.X_OK):
            raise SystemExit(f"kr-bench: error: '{b}' is not built (run ninja -C {BUILD})")
    tmp = tempfile.mkdtemp(prefix="kr-bench.")
    sim = None
    try:
        fx = os.path.join(tmp, "objects.json")
        nrs, npods = fixture(fx)
        pf, kc, log = (os.path.join(tmp, n) for n in ("port", "kubeconfig", "requests.log"))
        sim = subprocess.Popen([SIM, "--no-controller", "--fixtures", fx, "--port-file", pf,
                                "--kubeconfig", kc, "--request-log", log],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not (os.path.exists(pf) and os.path.getsize(pf)):
            if sim.poll() is not None:
                raise SystemExit("kr-bench: error: rollouts-sim exited")
            time.sleep(0.01)
        port = int(open(pf).read())
        env = dict(os.environ, KUBECONFIG=kc, NO_COLOR="1")
        print(f"namespace '{NS}': 201 rollouts, {nrs} ReplicaSets, {npods} pods; median of {RUNS} runs")

        kr_get = [KR, "get", "rollout", "target", "-n", NS]
        ours = measure(kr_get, env)

        # 1. the Go plugin's fetch, through kubectl
        k = kubectl_path()
        base = None
        if k:
            cache = os.path.join(tmp, "kcache")
            kget = [k, "--kubeconfig", kc, "--cache-dir", cache, "-n", NS, "get",
                    "pods,replicasets,rollouts.argoproj.io,analysisruns.argoproj.io,experiments.argoproj.io",
                    "-o", "json"]
            run(kget)  # warm the discovery cache
            base = measure(kget, runs=max(3, RUNS // 2))
        show("get rollout vs kubectl get ... -o json", ours, "kubectl", base, "target >= 10x both")

        # 2. curl fetching exactly our requests, all in parallel
        open(log, "w").close()
        run(kr_get, env)
        reqs = [json.loads(l) for l in open(log) if l.strip()]
        urls = [f"http://127.0.0.1:{port}{r['path']}" + (f"?{r['query']}" if r["query"] else "") for r in reqs]
        curl = shutil.which("curl")
        cb = None
        if curl:
            cmd = [curl, "-s", "--parallel", "--parallel-immediate", "--parallel-max", "50"]
            for u in urls:
                cmd += ["-o", "/dev/null", u]
            cb = measure(cmd)
        print(f"  kubectl-rollouts made {len(reqs)} requests: " + ", ".join(
            r["path"].rsplit("/", 1)[-1] + ("?" + r["query"] if r["query"] else "") for r in reqs))
        if cb:
            print(f"{'get rollout vs curl --parallel (same reqs)':<40} ours {ours[0]*1000:8.1f} ms   "
                  f"curl {cb[0]*1000:8.1f} ms   ours/curl {ours[0]/cb[0]:5.2f}x (target <= 1.5x)")

        # 3. version
        vours = measure([KR, "version"], runs=RUNS * 3)
        vk = measure([k, "version", "--client"], runs=RUNS) if k else None
        show("version vs kubectl version --client", vours, "kubectl", vk, "target >= 10x")
        # hello-worlds: linked as kubectl-rollouts is (cJSON, libyaml; libcurl
        # is loaded on first use), and with libcurl linked as well
        for label, pkgs, calls in (
                ("hello (cJSON, libyaml)", ["libcjson", "yaml-0.1"],
                 "!cJSON_Version() || !yaml_get_version_string()"),
                ("hello (+ libcurl linked)", ["libcurl", "libcjson", "yaml-0.1"],
                 "!curl_version() || !cJSON_Version() || !yaml_get_version_string()")):
            hello = os.path.join(tmp, "hello")
            src = os.path.join(tmp, "hello.c")
            with open(src, "w") as f:
                f.write('#include <stdio.h>\n#include <curl/curl.h>\n#include <cjson/cJSON.h>\n#include <yaml.h>\n'
                        f'int main(void){{ if ({calls}) return 1; puts("hello"); return 0; }}\n')
            libs = subprocess.run(["pkg-config", "--cflags", "--libs"] + pkgs,
                                  capture_output=True, text=True).stdout.split()
            subprocess.run(["cc", "-O2", "-o", hello, src] + libs, check=True)
            vh = measure([hello], runs=RUNS * 3)
            print(f"{'version vs ' + label:<40} ours {vours[0]*1000:8.2f} ms {vours[1]/1024:6.1f} MiB   "
                  f"hello {vh[0]*1000:8.2f} ms {vh[1]/1024:6.1f} MiB   "
                  f"ours/hello time {vours[0]/vh[0]:5.2f}x rss {vours[1]/vh[1]:5.2f}x (target <= 1.5x)")
    finally:
        if sim:
            sim.send_signal(signal.SIGTERM)
            sim.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
