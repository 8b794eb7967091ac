#!/usr/bin/env python3
"""Controller scenario tests for rollouts-sim, on the manual clock.

Each scenario starts rollouts-sim with --clock manual, follows one rollout
through a real watch, drives it with the exact request bodies
kubectl-argo-rollouts sends (argo-plugin.md section 7) and moves time with
/sim/v1/clock?advance=..., then asserts the sequence of states the watch saw
(phase, step) and the objects' fields. Nothing depends on wall-clock time:
the clock only moves when a scenario says so. Output is TAP.

  run.py ROLLOUTS_SIM [SCENARIO...]
"""
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SIM = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("ROLLOUTS_SIM", "")
KR = os.environ.get("KUBECTL_ROLLOUTS", "")
ONLY = sys.argv[2:]
RO = "/apis/argoproj.io/v1alpha1/namespaces/%s/rollouts"
N = 0
FAILED = 0


def ok(cond, name, diag=None):
    global N, FAILED
    N += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (N, name))
    if not cond:
        FAILED += 1
        if diag is not None:
            for line in str(diag).splitlines():
                print("#   " + line)
    sys.stdout.flush()
    return cond


class Sim:
    def __init__(self, *fixtures, extra=()):
        self.dir = tempfile.mkdtemp(prefix="scenario.")
        pf = os.path.join(self.dir, "port")
        self.kubeconfig = os.path.join(self.dir, "kubeconfig")
        args = [SIM, "--clock", "manual", "--seed", "7", "--port-file", pf,
                "--kubeconfig", self.kubeconfig,
                "--request-log", os.path.join(self.dir, "requests.log")]
        for f in fixtures:
            args += ["--fixtures", os.path.join(HERE, f)]
        args += list(extra)
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        for _ in range(400):
            if os.path.exists(pf) and os.path.getsize(pf):
                break
            if self.proc.poll() is not None:
                raise SystemExit("rollouts-sim exited: " +
                                 self.proc.stderr.read().decode())
            time.sleep(0.025)
        self.port = int(open(pf).read())
        # let the first revisions of the fixtures come up
        self.advance("5s")

    def req(self, method, path, body=None, ctype="application/merge-patch+json"):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": ctype} if body is not None else {}
        data = body if isinstance(body, (str, bytes)) or body is None else json.dumps(body)
        c.request(method, path, body=data, headers=headers)
        r = c.getresponse()
        text = r.read().decode()
        c.close()
        try:
            return r.status, json.loads(text) if text.strip() else None
        except ValueError:
            return r.status, text

    def get(self, ns, name):
        return self.req("GET", (RO % ns) + "/" + name)[1]

    def patch(self, ns, name, body, sub="", ctype="application/merge-patch+json"):
        path = (RO % ns) + "/" + name + ("/" + sub if sub else "")
        return self.req("PATCH", path, body, ctype)

    def advance(self, dur):
        st, body = self.req("POST", "/sim/v1/clock?advance=" + dur)
        assert st == 200, body
        return body

    def traffic(self, ns, ro, mode):
        return self.req("PUT", "/sim/v1/traffic",
                        {"namespace": ns, "rollout": ro, "mode": mode},
                        "application/json")

    def list(self, path):
        return self.req("GET", path)[1]["items"]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        subprocess.run(["rm", "-rf", self.dir])


class Watch(threading.Thread):
    """Follows one rollout; states[] collects (phase, step) as they change."""

    def __init__(self, sim, ns, name):
        super().__init__(daemon=True)
        self.sim, self.ns, self.name = sim, ns, name
        self.states = []
        self.objects = []
        self.ready = threading.Event()
        self.start()
        self.ready.wait(10)

    def run(self):
        c = http.client.HTTPConnection("127.0.0.1", self.sim.port)
        c.request("GET", (RO % self.ns) + "?watch=true&fieldSelector=metadata.name%3D" + self.name)
        r = c.getresponse()
        self.ready.set()
        buf = b""
        while True:
            chunk = r.read1(65536) if hasattr(r, "read1") else r.read(1)
            if not chunk:
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if not line.strip():
                    continue
                ev = json.loads(line)
                o = ev["object"]
                st = o.get("status", {})
                steps = len(o["spec"]["strategy"].get("canary", {}).get("steps", []) or [])
                step = "%s/%d" % (st.get("currentStepIndex"), steps) if "currentStepIndex" in st else "-"
                s = (st.get("phase"), step)
                self.objects.append(o)
                if not self.states or self.states[-1] != s:
                    self.states.append(s)

    def settle(self):
        # events are written before the request that caused them answers;
        # give the reader thread its turn
        last = -1
        for _ in range(200):
            if len(self.objects) == last:
                return
            last = len(self.objects)
            time.sleep(0.01)


def subsequence(want, got):
    it = iter(got)
    return all(any(w == g for g in it) for w in want)


def expect_states(w, want, name):
    w.settle()
    ok(subsequence(want, w.states), name,
       "want (in order): %s\ngot: %s" % (want, w.states))


def image_patch(image):
    return json.dumps([{"op": "replace", "path": "/spec/template/spec/containers/0/image",
                        "value": image}])


def new_release(sim, ns, name, image):
    st, _ = sim.patch(ns, name, image_patch(image), ctype="application/json-patch+json")
    assert st == 200, st


def promote_body(ro):
    """The plugin's default promote (section 7.1): (status patch, spec patch)."""
    st = ro.get("status", {})
    spec_patch = '{"spec":{"paused":false}}' if ro["spec"].get("paused") else None
    steps = ro["spec"]["strategy"].get("canary", {}).get("steps")
    idx = st.get("currentStepIndex") or 0
    nxt = min(idx + 1, len(steps)) if steps else 0
    if st.get("pauseConditions") and st.get("controllerPause") and \
            st.get("canary", {}).get("currentStepAnalysisRunStatus", {}).get("status") == "Inconclusive":
        return ('{"status":{"pauseConditions":null, "controllerPause":false, "currentStepIndex":%d}}' % nxt,
                spec_patch)
    if st.get("pauseConditions"):
        return '{"status":{"pauseConditions":null}}', spec_patch
    if steps:
        return '{"status":{"pauseConditions":null, "currentStepIndex":%d}}' % nxt, spec_patch
    return None, spec_patch


def promote(sim, ns, name):
    ro = sim.get(ns, name)
    status_patch, spec_patch = promote_body(ro)
    if status_patch:
        assert sim.patch(ns, name, status_patch, "status")[0] == 200
    if spec_patch:
        assert sim.patch(ns, name, spec_patch)[0] == 200


# ------------------------------------------------------------ scenarios

def sc_tutorial(sim):
    """The tutorial: bad traffic aborts and rolls back; good rolls forward."""
    ns, name = "production", "devops-toolkit-devops-toolkit"
    w = Watch(sim, ns, name)
    ok(sim.get(ns, name)["status"]["phase"] == "Healthy", "tutorial: starts Healthy")
    sim.traffic(ns, name, "bad")
    new_release(sim, ns, name, "vfarcic/devops-toolkit:bad0001")
    sim.advance("3s")
    ro = sim.get(ns, name)
    ok(ro["status"].get("currentStepIndex") == 1 and ro["status"]["phase"] == "Paused",
       "tutorial: weight 10, paused 2m", ro["status"])
    ok(ro["status"]["canary"]["weights"]["canary"]["weight"] == 10,
       "tutorial: status.canary.weights.canary.weight is 10")
    vs = sim.req("GET", "/apis/networking.istio.io/v1alpha3/namespaces/production/virtualservices/" + name)[1]
    weights = [d["weight"] for d in vs["spec"]["http"][0]["route"]]
    ok(weights == [90, 10], "tutorial: the VirtualService routes 90/10", weights)
    sim.advance("2m")
    sim.advance("60s")
    ro = sim.get(ns, name)
    ok(ro["status"]["phase"] == "Degraded", "tutorial: bad traffic makes the analysis fail: Degraded",
       ro["status"].get("message"))
    ok(ro["status"].get("abort") is True, "tutorial: status.abort set")
    prog = [c for c in ro["status"]["conditions"] if c["type"] == "Progressing"][0]
    ok(prog["status"] == "False" and prog["reason"] == "RolloutAborted" and
       prog["message"].startswith("Rollout aborted update to revision 2: Background analysis phase error/failed: Metric"),
       "tutorial: Progressing False RolloutAborted with Argo's message", prog)
    ok(ro["status"]["canary"]["weights"]["canary"]["weight"] == 0, "tutorial: weight back to stable")
    ars = sim.list("/apis/argoproj.io/v1alpha1/namespaces/production/analysisruns")
    ok(len(ars) == 1 and ars[0]["status"]["phase"] == "Failed" and
       ars[0]["metadata"]["labels"].get("rollout-type") == "Background",
       "tutorial: one Background AnalysisRun, Failed", [a["status"].get("phase") for a in ars])
    ok("assessed Failed due to failed (4) > failureLimit (3)" in ars[0]["status"].get("message", ""),
       "tutorial: the run's message", ars[0]["status"].get("message"))
    sim.advance("31s")
    rss = sim.list("/apis/apps/v1/namespaces/production/replicasets")
    canary = [r for r in rss if r["metadata"]["annotations"]["rollout.argoproj.io/revision"] == "2"][0]
    ok(canary["spec"]["replicas"] == 0, "tutorial: the canary is scaled down after abortScaleDownDelaySeconds")
    # roll forward under good traffic
    sim.traffic(ns, name, "good")
    new_release(sim, ns, name, "vfarcic/devops-toolkit:good002")
    for _ in range(6):
        sim.advance("60s")
    ro = sim.get(ns, name)
    ok(ro["status"]["phase"] == "Healthy", "tutorial: good traffic rolls forward to Healthy", ro["status"].get("message"))
    ok(ro["status"]["stableRS"] == ro["status"]["currentPodHash"], "tutorial: stableRS is the new hash")
    ok(ro["status"]["currentStepIndex"] == 6, "tutorial: Step 6/6")
    expect_states(w, [("Healthy", "6/6"), ("Paused", "1/6"), ("Degraded", "3/6"),
                      ("Paused", "1/6"), ("Healthy", "6/6")], "tutorial: the watch saw the whole story")
    ars = sim.list("/apis/argoproj.io/v1alpha1/namespaces/production/analysisruns")
    done = [a for a in ars if a["metadata"]["annotations"]["rollout.argoproj.io/revision"] == "3"]
    ok(done and done[0]["status"]["phase"] == "Successful",
       "tutorial: the good release's analysis ends Successful (terminated at promotion)",
       [a["status"].get("phase") for a in done])


def sc_promote_pause(sim):
    ns, name = "shop", "web"
    w = Watch(sim, ns, name)
    new_release(sim, ns, name, "example/web:2.0")
    sim.advance("3s")
    ro = sim.get(ns, name)
    ok(ro["status"]["phase"] == "Paused" and ro["status"]["currentStepIndex"] == 1,
       "promote: stops at the indefinite pause", ro["status"])
    sim.advance("1h")
    ok(sim.get(ns, name)["status"]["currentStepIndex"] == 1, "promote: an indefinite pause waits an hour")
    promote(sim, ns, name)
    sim.advance("3s")
    ro = sim.get(ns, name)
    ok(ro["status"]["currentStepIndex"] == 3, "promote: passes the pause to the timed one",
       ro["status"].get("currentStepIndex"))
    sim.advance("31s")
    sim.advance("11s")
    ro = sim.get(ns, name)
    ok(ro["status"]["currentStepIndex"] >= 5, "promote: the analysis step succeeded",
       (ro["status"].get("currentStepIndex"), ro["status"].get("message")))
    sim.advance("15s")
    ro = sim.get(ns, name)
    ok(ro["status"]["phase"] == "Healthy", "promote: Healthy at the end", ro["status"].get("message"))
    rss = sim.list("/apis/apps/v1/namespaces/shop/replicasets?labelSelector=app%3Dweb")
    ok(sorted(r["spec"]["replicas"] for r in rss) == [0, 4], "promote: old ReplicaSet scaled down (no traffic routing: at once)",
       [r["spec"]["replicas"] for r in rss])
    expect_states(w, [("Paused", "1/7"), ("Paused", "3/7"), ("Healthy", "7/7")],
                  "promote: states in order")


def sc_abort_retry(sim):
    ns, name = "shop", "web"
    w = Watch(sim, ns, name)
    new_release(sim, ns, name, "example/web:3.0")
    sim.advance("3s")
    ok(sim.patch(ns, name, '{"status":{"abort":true}}', "status")[0] == 200, "abort: the status patch is accepted")
    ro = sim.get(ns, name)
    ok(ro["status"]["phase"] == "Degraded" and
       ro["status"]["message"] == "RolloutAborted: Rollout aborted update to revision 2",
       "abort: Degraded with Argo's message", ro["status"].get("message"))
    sim.advance("3s")
    rss = sim.list("/apis/apps/v1/namespaces/shop/replicasets?labelSelector=app%3Dweb")
    new = [r for r in rss if r["metadata"]["annotations"]["rollout.argoproj.io/revision"] == "2"][0]
    ok(new["spec"]["replicas"] == 0, "abort: the canary is scaled down")
    ok(sim.patch(ns, name, '{"status":{"abort":false}}', "status")[0] == 200, "retry: accepted")
    sim.advance("3s")
    ro = sim.get(ns, name)
    ok(ro["status"]["phase"] == "Paused" and ro["status"]["currentStepIndex"] == 1,
       "retry: the rollout starts its steps again", ro["status"])
    prog = [c for c in ro["status"]["conditions"] if c["type"] == "Progressing"][0]
    ok(prog["reason"] in ("RolloutRetry", "RolloutPaused"), "retry: Progressing moved on from RolloutAborted", prog)
    expect_states(w, [("Degraded", "1/7"), ("Paused", "1/7")], "abort/retry: states in order")


def sc_promote_full(sim):
    ns, name = "shop", "web"
    new_release(sim, ns, name, "example/web:4.0")
    sim.advance("3s")
    ok(sim.patch(ns, name, '{"status":{"promoteFull":true}}', "status")[0] == 200, "promote --full: accepted")
    sim.advance("3s")
    ro = sim.get(ns, name)
    ok(ro["status"]["phase"] == "Healthy" and ro["status"]["currentStepIndex"] == 7,
       "promote --full: skips every step to Healthy", ro["status"])
    ok("promoteFull" not in ro["status"], "promote --full: the flag is cleared once done")


def sc_pause_resume(sim):
    ns, name = "shop", "web"
    new_release(sim, ns, name, "example/web:5.0")
    sim.advance("3s")
    promote(sim, ns, name)
    sim.advance("1s")
    ok(sim.patch(ns, name, '{"spec":{"paused":true}}')[0] == 200, "pause: accepted")
    ro = sim.get(ns, name)
    ok(ro["status"]["phase"] == "Paused" and ro["status"]["message"] == "manually paused",
       "pause: Paused - manually paused", ro["status"].get("message"))
    before = ro["status"]["currentStepIndex"]
    sim.advance("5m")
    ok(sim.get(ns, name)["status"]["currentStepIndex"] == before, "pause: no step moves while paused")
    promote(sim, ns, name)
    sim.advance("40s")
    ok(sim.get(ns, name)["status"]["currentStepIndex"] > before, "resume: steps move again")


def sc_undo(sim):
    ns, name = "shop", "web"
    new_release(sim, ns, name, "example/web:6.0")
    sim.advance("3s")
    ok(sim.patch(ns, name, '{"status":{"promoteFull":true}}', "status")[0] == 200, "undo: set up revision 2")
    sim.advance("5s")
    rss = sim.list("/apis/apps/v1/namespaces/shop/replicasets?labelSelector=app%3Dweb")
    rev1 = [r for r in rss if r["metadata"]["annotations"]["rollout.argoproj.io/revision"] == "1"][0]
    tmpl = rev1["spec"]["template"]
    tmpl["metadata"]["labels"].pop("rollouts-pod-template-hash", None)
    st, _ = sim.patch(ns, name, json.dumps([{"op": "replace", "path": "/spec/template", "value": tmpl}]),
                      ctype="application/json-patch+json")
    ok(st == 200, "undo: the plugin's JSON patch is accepted")
    sim.advance("3s")
    ro = sim.get(ns, name)
    ok(ro["spec"]["template"]["spec"]["containers"][0]["image"] == "example/web:1.0",
       "undo: the template is revision 1's again")
    rss = sim.list("/apis/apps/v1/namespaces/shop/replicasets?labelSelector=app%3Dweb")
    old = [r for r in rss if r["metadata"]["name"] == rev1["metadata"]["name"]][0]
    ok(old["metadata"]["annotations"]["rollout.argoproj.io/revision"] == "3",
       "undo: the old ReplicaSet becomes revision 3, as Argo does",
       old["metadata"]["annotations"]["rollout.argoproj.io/revision"])
    ok(ro["status"]["currentPodHash"] == old["metadata"]["labels"]["rollouts-pod-template-hash"],
       "undo: currentPodHash is the old hash")


def sc_bluegreen(sim):
    ns, name = "shop", "checkout"
    w = Watch(sim, ns, name)
    ok(sim.get(ns, name)["status"]["phase"] == "Healthy", "blue-green: first revision Healthy")
    new_release(sim, ns, name, "example/checkout:2.0")
    sim.advance("3s")
    ro = sim.get(ns, name)
    ok(ro["status"]["phase"] == "Paused" and ro["status"]["message"] == "BlueGreenPause",
       "blue-green: preview up, paused for promotion", ro["status"])
    ok(ro["status"]["blueGreen"]["previewSelector"] == ro["status"]["currentPodHash"] and
       ro["status"]["blueGreen"]["activeSelector"] != ro["status"]["currentPodHash"],
       "blue-green: preview selector is new, active is old")
    svc = sim.req("GET", "/api/v1/namespaces/shop/services/checkout-preview")[1]
    ok(svc["spec"]["selector"].get("rollouts-pod-template-hash") == ro["status"]["currentPodHash"],
       "blue-green: the preview Service selects the new pods")
    promote(sim, ns, name)
    sim.advance("1s")
    ro = sim.get(ns, name)
    ok(ro["status"]["blueGreen"]["activeSelector"] == ro["status"]["currentPodHash"],
       "blue-green: promote switches the active selector")
    ok(ro["status"]["phase"] in ("Healthy", "Progressing"), "blue-green: promoted", ro["status"].get("message"))
    sim.advance("21s")
    rss = sim.list("/apis/apps/v1/namespaces/shop/replicasets?labelSelector=app%3Dcheckout")
    ok(sorted(r["spec"]["replicas"] for r in rss) == [0, 2], "blue-green: the old one is scaled down after the delay",
       [r["spec"]["replicas"] for r in rss])
    ok(sim.get(ns, name)["status"]["phase"] == "Healthy", "blue-green: Healthy at the end")
    expect_states(w, [("Healthy", "-"), ("Paused", "-"), ("Healthy", "-")], "blue-green: states in order")


def sc_inconclusive(sim):
    ns, name = "shop", "web"
    # the step analysis measures a latency between the success (< 50) and
    # failure (> 1000) thresholds: inconclusive
    ro = sim.get(ns, name)
    steps = ro["spec"]["strategy"]["canary"]["steps"]
    steps[4] = {"analysis": {"templates": [{"templateName": "coin"}]}}
    st, _ = sim.patch(ns, name, json.dumps({"spec": {"strategy": {"canary": {"steps": steps}}}}))
    new_release(sim, ns, name, "example/web:7.0")
    sim.advance("3s")
    promote(sim, ns, name)
    sim.advance("35s")
    ro = sim.get(ns, name)
    ok(ro["status"]["phase"] == "Paused" and ro["status"]["message"] == "InconclusiveAnalysisRun",
       "inconclusive: the step analysis pauses the rollout", (ro["status"].get("phase"), ro["status"].get("message")))
    ok(ro["status"]["canary"]["currentStepAnalysisRunStatus"]["status"] == "Inconclusive",
       "inconclusive: currentStepAnalysisRunStatus", ro["status"]["canary"].get("currentStepAnalysisRunStatus"))
    promote(sim, ns, name)
    sim.advance("30s")
    ro = sim.get(ns, name)
    ok(ro["status"]["phase"] == "Healthy", "inconclusive: promote goes past it", ro["status"].get("message"))


def sc_terminate(sim):
    ns, name = "production", "devops-toolkit-devops-toolkit"
    new_release(sim, ns, name, "vfarcic/devops-toolkit:term003")
    sim.advance("3s")
    sim.advance("2m")
    ars = sim.list("/apis/argoproj.io/v1alpha1/namespaces/production/analysisruns")
    ok(len(ars) == 1 and ars[0]["status"]["phase"] == "Running", "terminate: the background analysis runs",
       [a["status"].get("phase") for a in ars])
    st, _ = sim.req("PATCH", "/apis/argoproj.io/v1alpha1/namespaces/production/analysisruns/" +
                    ars[0]["metadata"]["name"], '{"spec":{"terminate":true}}', "application/merge-patch+json")
    ok(st == 200, "terminate: the plugin's patch is accepted")
    sim.advance("1s")
    ar = sim.req("GET", "/apis/argoproj.io/v1alpha1/namespaces/production/analysisruns/" +
                 ars[0]["metadata"]["name"])[1]
    ok(ar["status"]["phase"] == "Successful", "terminate: the run ends Successful", ar["status"].get("phase"))
    ok(sim.get(ns, name)["status"]["phase"] != "Degraded", "terminate: the rollout goes on")


def sc_restart(sim):
    ns, name = "shop", "web"
    pods0 = {p["metadata"]["name"] for p in sim.list("/api/v1/namespaces/shop/pods?labelSelector=app%3Dweb")}
    now = sim.advance("0s")["now"]
    st, _ = sim.patch(ns, name, json.dumps({"spec": {"restartAt": now}}))
    ok(st == 200, "restart: accepted")
    for _ in range(8):
        sim.advance("3s")
    pods1 = {p["metadata"]["name"] for p in sim.list("/api/v1/namespaces/shop/pods?labelSelector=app%3Dweb")}
    ok(len(pods1) == 4 and not (pods0 & pods1), "restart: every pod was replaced", (sorted(pods0), sorted(pods1)))
    ok(sim.get(ns, name)["status"].get("restartedAt") == now, "restart: status.restartedAt records it")


def sc_bluegreen_analysis(sim):
    ns, name = "shop", "pay"
    new_release(sim, ns, name, "example/pay:2.0")
    sim.advance("3s")
    ro = sim.get(ns, name)
    pre = ro["status"]["blueGreen"].get("prePromotionAnalysisRunStatus", {})
    ok(pre.get("name", "").endswith("-2-pre") and ro["status"]["blueGreen"]["activeSelector"] != ro["status"]["currentPodHash"],
       "blue-green analysis: pre-promotion runs before the switch", ro["status"]["blueGreen"])
    sim.advance("6s")
    ro = sim.get(ns, name)
    ok(ro["status"]["blueGreen"]["activeSelector"] == ro["status"]["currentPodHash"] and
       ro["status"]["stableRS"] != ro["status"]["currentPodHash"],
       "blue-green analysis: switched after it passed; stable waits for post-promotion", ro["status"])
    post = ro["status"]["blueGreen"].get("postPromotionAnalysisRunStatus", {})
    ok(post.get("name", "").endswith("-2-post"), "blue-green analysis: post-promotion runs after the switch", post)
    sim.advance("6s")
    ro = sim.get(ns, name)
    ok(ro["status"]["stableRS"] == ro["status"]["currentPodHash"] and ro["status"]["phase"] == "Healthy",
       "blue-green analysis: stable once post-promotion passed", (ro["status"].get("phase"), ro["status"].get("message")))
    sim.traffic(ns, name, "bad")
    new_release(sim, ns, name, "example/pay:3.0")
    sim.advance("3s")
    sim.advance("2s")
    ro = sim.get(ns, name)
    ok(ro["status"]["phase"] == "Degraded" and
       "Blue/green pre-promotion analysis phase error/failed" in ro["status"]["message"] and
       ro["status"]["blueGreen"]["activeSelector"] == ro["status"]["stableRS"],
       "blue-green analysis: a failed pre-promotion aborts and keeps the old version active",
       (ro["status"].get("message"), ro["status"]["blueGreen"]))
    svc = sim.req("GET", "/api/v1/namespaces/shop/services/pay")[1]
    ok(svc["spec"]["selector"].get("rollouts-pod-template-hash") == ro["status"]["stableRS"],
       "blue-green analysis: the active Service still selects the stable pods")


def sc_progress_deadline(sim):
    ns, name = "shop", "web"
    sim.req("PUT", "/sim/v1/faults", {"crashImages": ["crash"]}, "application/json")
    new_release(sim, ns, name, "example/web:crash-1")
    sim.advance("5s")
    pods = sim.list("/api/v1/namespaces/shop/pods?labelSelector=app%3Dweb")
    crashing = [p for p in pods if p["spec"]["containers"][0]["image"].endswith("crash-1")]
    ok(len(crashing) == 1 and crashing[0]["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
       == "CrashLoopBackOff", "deadline: the canary pod crashes", [p["status"] for p in crashing])
    ro = sim.get(ns, name)
    ok(ro["status"]["phase"] == "Progressing" and ro["status"]["currentStepIndex"] == 0,
       "deadline: the rollout waits at the first weight", (ro["status"].get("phase"), ro["status"].get("currentStepIndex")))
    sim.advance("9m")
    ok(sim.get(ns, name)["status"]["phase"] == "Progressing", "deadline: still progressing before 10 minutes")
    sim.advance("61s")
    ro = sim.get(ns, name)
    prog = [c for c in ro["status"]["conditions"] if c["type"] == "Progressing"][0]
    ok(ro["status"]["phase"] == "Degraded" and prog["reason"] == "ProgressDeadlineExceeded" and
       prog["message"].endswith("has timed out progressing."),
       "deadline: ProgressDeadlineExceeded after progressDeadlineSeconds", (ro["status"].get("message"), prog))
    ok(not ro["status"].get("abort"), "deadline: no abort without progressDeadlineAbort")
    # with progressDeadlineAbort the rollout is aborted and the canary removed
    st, _ = sim.patch(ns, name, '{"spec":{"progressDeadlineAbort":true,"progressDeadlineSeconds":60}}')
    new_release(sim, ns, name, "example/web:crash-2")
    sim.advance("5s")
    sim.advance("61s")
    ro = sim.get(ns, name)
    ok(ro["status"].get("abort") is True and ro["status"]["phase"] == "Degraded" and
       "has timed out progressing." in ro["status"]["message"],
       "deadline: progressDeadlineAbort aborts", ro["status"].get("message"))
    sim.advance("1s")
    rss = sim.list("/apis/apps/v1/namespaces/shop/replicasets?labelSelector=app%3Dweb")
    crash2 = [r for r in rss if r["spec"]["template"]["spec"]["containers"][0]["image"].endswith("crash-2")]
    ok(crash2 and crash2[0]["spec"]["replicas"] == 0, "deadline: the crashing canary is scaled down")
    sim.req("DELETE", "/sim/v1/faults")


def sc_experiment(sim):
    ns, name = "shop", "recs"
    w = Watch(sim, ns, name)
    new_release(sim, ns, name, "example/recs:2.0")
    sim.advance("3s")
    exps = sim.list("/apis/argoproj.io/v1alpha1/namespaces/shop/experiments")
    ok(len(exps) == 1 and exps[0]["metadata"]["name"].startswith("recs-") and
       exps[0]["metadata"]["name"].endswith("-2-0"), "experiment: the step creates NAME-HASH-REVISION-STEP",
       [e["metadata"]["name"] for e in exps])
    e = exps[0]
    ok(e["status"]["phase"] == "Running" and len(e["status"]["templateStatuses"]) == 2,
       "experiment: Running with two templates", e.get("status"))
    rss = sim.list("/apis/apps/v1/namespaces/shop/replicasets?labelSelector=role")
    ok(sorted(r["metadata"]["name"].rsplit("-", 1)[-1] for r in rss) == ["baseline", "canary"],
       "experiment: one ReplicaSet per template", [r["metadata"]["name"] for r in rss])
    ars = sim.list("/apis/argoproj.io/v1alpha1/namespaces/shop/analysisruns")
    ok(len(ars) == 1 and ars[0]["metadata"]["name"] == e["metadata"]["name"] + "-compare" and
       ars[0]["metadata"]["ownerReferences"][0]["kind"] == "Experiment",
       "experiment: its analysis runs, owned by the experiment", [a["metadata"]["name"] for a in ars])
    ro = sim.get(ns, name)
    ok(ro["status"]["canary"].get("currentExperiment") == e["metadata"]["name"],
       "experiment: status.canary.currentExperiment")
    sim.advance("61s")
    e = sim.list("/apis/argoproj.io/v1alpha1/namespaces/shop/experiments")[0]
    ok(e["status"]["phase"] == "Successful", "experiment: Successful after its duration", e["status"].get("phase"))
    sim.advance("15s")
    ro = sim.get(ns, name)
    ok(ro["status"]["phase"] == "Healthy", "experiment: the rollout carries on to Healthy", ro["status"].get("message"))
    rss = sim.list("/apis/apps/v1/namespaces/shop/replicasets?labelSelector=role")
    ok(all(r["spec"]["replicas"] == 0 for r in rss), "experiment: its ReplicaSets are scaled down")
    # a failing analysis fails the experiment and aborts the rollout
    sim.traffic(ns, name, "bad")
    new_release(sim, ns, name, "example/recs:3.0")
    sim.advance("3s")
    sim.advance("6s")
    e = [x for x in sim.list("/apis/argoproj.io/v1alpha1/namespaces/shop/experiments")
         if x["metadata"]["annotations"]["rollout.argoproj.io/revision"] == "3"][0]
    ok(e["status"]["phase"] == "Failed", "experiment: a failed analysis fails it", e["status"].get("phase"))
    ro = sim.get(ns, name)
    ok(ro["status"]["phase"] == "Degraded" and
       "Experiment analysis phase is error/failed" in ro["status"]["message"],
       "experiment: the rollout aborts with Argo's message", ro["status"].get("message"))
    # retry experiment: the plugin clears its status
    sim.traffic(ns, name, "good")
    st, _ = sim.req("PATCH", "/apis/argoproj.io/v1alpha1/namespaces/shop/experiments/" + e["metadata"]["name"],
                    '{"status":null}', "application/merge-patch+json")
    sim.advance("3s")
    e3 = sim.req("GET", "/apis/argoproj.io/v1alpha1/namespaces/shop/experiments/" + e["metadata"]["name"])[1]
    ok(st == 200 and e3["status"]["phase"] == "Running" and "availableAt" in e3["status"],
       "experiment: clearing the status (retry experiment) runs it again", e3.get("status"))
    # terminate experiment
    st, _ = sim.req("PATCH", "/apis/argoproj.io/v1alpha1/namespaces/shop/experiments/" + e["metadata"]["name"],
                    '{"spec":{"terminate":true}}', "application/merge-patch+json")
    sim.advance("1s")
    e2 = sim.req("GET", "/apis/argoproj.io/v1alpha1/namespaces/shop/experiments/" + e["metadata"]["name"])[1]
    ok(st == 200 and e2["status"]["phase"] == "Successful" and e2["status"].get("message") == "Experiment was terminated",
       "experiment: terminate ends it", e2.get("status", {}).get("message"))
    expect_states(w, [("Progressing", "0/3"), ("Healthy", "3/3")], "experiment: states in order")


def kr(sim, *args):
    """Run kubectl-rollouts against the simulator: (exit code, stdout, stderr)."""
    # the client's clock is the simulator's (restart --in, ages)
    now = sim.req("GET", "/sim/v1/clock")[1]["now"]
    env = dict(os.environ, KUBECONFIG=sim.kubeconfig, NO_COLOR="1", PDKIT_NOW=now)
    p = subprocess.run([KR] + list(args), capture_output=True, text=True, env=env, timeout=60)
    return p.returncode, p.stdout, p.stderr


def sc_kr_commands(sim):
    """The write commands change the rollout's course as Argo would."""
    if not have_kr("%s: kubectl-rollouts" % sys._getframe().f_code.co_name):
        return
    ns = "shop"
    rc, out, err = kr(sim, "set", "image", "web", "web=example/web:2.0", "-n", ns)
    ok(rc == 0 and out == 'rollout "web" image updated\n', "set image: the plugin's line", (rc, out, err))
    sim.advance("3s")
    ro = sim.get(ns, "web")
    ok(ro["status"]["phase"] == "Paused" and ro["status"]["currentStepIndex"] == 1,
       "set image: a new revision starts and stops at the indefinite pause", ro["status"].get("phase"))
    rc, out, _ = kr(sim, "promote", "web", "-n", ns)
    ok(rc == 0 and out == "rollout 'web' promoted\n", "promote: the plugin's line", out)
    sim.advance("3s")
    ok(sim.get(ns, "web")["status"]["currentStepIndex"] == 3, "promote: past the indefinite pause")
    rc, out, _ = kr(sim, "abort", "web", "-n", ns)
    ok(rc == 0 and out == "rollout 'web' aborted\n", "abort: the plugin's line", out)
    rc, out, _ = kr(sim, "status", "web", "-n", ns, "--watch=false")
    ok(rc == 7 and out.startswith("Degraded"), "abort: status reads Degraded (exit 7)", (rc, out))
    sim.advance("3s")
    rss = sim.list("/apis/apps/v1/namespaces/shop/replicasets?labelSelector=app%3Dweb")
    new = [r for r in rss if r["metadata"]["annotations"]["rollout.argoproj.io/revision"] == "2"][0]
    ok(new["spec"]["replicas"] == 0, "abort: the canary is scaled down")
    rc, out, _ = kr(sim, "retry", "rollout", "web", "-n", ns)
    ok(rc == 0 and out == "rollout 'web' retried\n", "retry: the plugin's line", out)
    sim.advance("3s")
    ok(sim.get(ns, "web")["status"]["phase"] == "Paused", "retry: the rollout resumes its steps")
    rc, out, _ = kr(sim, "promote", "web", "--full", "-n", ns)
    ok(rc == 0 and out == "rollout 'web' fully promoted\n", "promote --full: the plugin's line", out)
    sim.advance("5s")
    ro = sim.get(ns, "web")
    ok(ro["status"]["phase"] == "Healthy" and not ro["status"].get("pauseConditions"),
       "promote --full: skips to the end and leaves the pause (#2648)", ro["status"].get("message"))
    rc, out, _ = kr(sim, "pause", "web", "-n", ns)
    ok(rc == 0 and sim.get(ns, "web")["status"]["message"] == "manually paused", "pause: manually paused")
    kr(sim, "promote", "web", "-n", ns)
    ok(sim.get(ns, "web")["spec"].get("paused") is False, "promote: unpauses spec.paused")
    rc, out, err = kr(sim, "undo", "web", "-n", ns)
    ok(rc == 0 and out == "rollout 'web' undo\n", "undo: the plugin's line", (rc, out, err))
    sim.advance("3s")
    ro = sim.get(ns, "web")
    ok(ro["spec"]["template"]["spec"]["containers"][0]["image"] == "example/web:1.0",
       "undo: the previous revision's template is back")
    kr(sim, "promote", "web", "--full", "-n", ns)
    sim.advance("5s")
    pods0 = {p["metadata"]["name"] for p in sim.list("/api/v1/namespaces/shop/pods?labelSelector=app%3Dweb")}
    sim.advance("2s")
    rc, out, _ = kr(sim, "restart", "web", "-n", ns)
    ok(rc == 0 and out == "rollout 'web' restarts in 0s\n", "restart: the plugin's line", out)
    for _ in range(10):
        sim.advance("3s")
    pods1 = {p["metadata"]["name"] for p in sim.list("/api/v1/namespaces/shop/pods?labelSelector=app%3Dweb")}
    ok(len(pods1) == 4 and not (pods0 & pods1), "restart: the pods were replaced", (sorted(pods0), sorted(pods1)))
    # terminate a running analysis run through the command
    kr(sim, "set", "image", "web", "web=example/web:9.0", "-n", ns)
    sim.advance("3s")
    kr(sim, "promote", "web", "-n", ns)
    sim.advance("33s")
    ars = [a for a in sim.list("/apis/argoproj.io/v1alpha1/namespaces/shop/analysisruns")
           if a["status"].get("phase") in ("Running", "Pending")]
    if ars:
        rc, out, _ = kr(sim, "terminate", "analysisrun", ars[0]["metadata"]["name"], "-n", ns)
        ok(rc == 0 and out.startswith("analysisRun '"), "terminate analysisrun: the plugin's line", out)
        sim.advance("1s")
        ar = sim.req("GET", "/apis/argoproj.io/v1alpha1/namespaces/shop/analysisruns/" + ars[0]["metadata"]["name"])[1]
        ok(analysis_done(ar), "terminate: the run completes", ar["status"].get("phase"))
    else:
        ok(False, "terminate: a running analysis run to terminate")


def requests_since(sim, mark):
    lines = open(os.path.join(sim.dir, "requests.log")).read().splitlines()
    return [json.loads(l) for l in lines[mark:]], len(lines)


def sc_kr_fallbacks(sim):
    """The plugin's v0.9 fallback and set image's conflict retries, against
    the simulator's faults (a Rollout CRD without a status subresource; the
    next N updates refused with 409)."""
    if not have_kr("%s: kubectl-rollouts" % sys._getframe().f_code.co_name):
        return
    ns = "shop"
    sim.req("PUT", "/sim/v1/faults", {"statusless": ["rollouts"]}, "application/json")
    _, mark = requests_since(sim, 0)
    rc, out, err = kr(sim, "abort", "web", "-n", ns)
    reqs, mark = requests_since(sim, mark)
    patches = [(r["path"].rsplit("/", 1)[-1], r["body"]) for r in reqs if r["method"] == "PATCH"]
    ok(rc == 0 and patches == [("status", '{"status":{"abort":true}}'), ("web", '{"status":{"abort":true}}')],
       "abort: 404 on /status falls back to the main resource with the same body", (rc, patches, err))
    ok(sim.get(ns, "web")["status"].get("abort") is True, "abort: applied through the main resource")
    sim.req("DELETE", "/sim/v1/faults")
    kr(sim, "retry", "rollout", "web", "-n", ns)
    sim.advance("3s")
    sim.req("PUT", "/sim/v1/faults", {"conflictWrites": 2}, "application/json")
    rc, out, err = kr(sim, "set", "image", "web", "web=example/web:8.0", "-n", ns)
    reqs, mark = requests_since(sim, mark)
    puts = [r for r in reqs if r["method"] == "PUT" and "/rollouts/" in r["path"]]
    ok(rc == 0 and len(puts) == 3, "set image: retries two conflicts, then succeeds", (rc, len(puts), err))
    sim.req("PUT", "/sim/v1/faults", {"conflictWrites": 5}, "application/json")
    rc, out, err = kr(sim, "set", "image", "web", "web=example/web:8.1", "-n", ns)
    ok(rc == 4 and out == "" and len(err.strip().splitlines()) == 1 and "kubectl-rollouts: error:" in err,
       "set image: five conflicts give one line and exit 4", (rc, out, err))
    sim.req("DELETE", "/sim/v1/faults")


def have_kr(name):
    """True when KUBECTL_ROLLOUTS is an executable. Unset (run.py run by
    hand): a TAP skip, not a pass. Set but not executable: a failure."""
    global N
    if KR and os.access(KR, os.X_OK):
        return True
    if KR:
        ok(False, name + " is built", "KUBECTL_ROLLOUTS=%s is not an executable" % KR)
    else:
        N += 1
        print("ok %d - %s # SKIP KUBECTL_ROLLOUTS is not set" % (N, name))
        sys.stdout.flush()
    return False


AR = "/apis/argoproj.io/v1alpha1/namespaces/%s/analysisruns"


def metric_count(ar):
    res = ar.get("status", {}).get("metricResults") or [{}]
    return res[0].get("count", 0)


def sc_subsecond(sim):
    """An interval under a second: one measurement per 500 ms step."""
    run = {"apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisRun",
           "metadata": {"name": "fast", "namespace": "shop"},
           "spec": {"metrics": [{
               "name": "rate", "interval": "500ms", "count": 10,
               "successCondition": "result[0] >= 0.9",
               "provider": {"prometheus": {"address": "http://prometheus", "query": "rate"}}}]}}
    st, body = sim.req("POST", AR % "shop", run, "application/json")
    ok(st == 201, "sub-second: the AnalysisRun is created", body)
    counts = [metric_count(sim.req("GET", (AR % "shop") + "/fast")[1])]
    for _ in range(12):
        sim.advance("500ms")
        counts.append(metric_count(sim.req("GET", (AR % "shop") + "/fast")[1]))
    ok(counts == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 10],
       "sub-second: exactly one measurement per 500 ms, 10 in all", counts)
    ar = sim.req("GET", (AR % "shop") + "/fast")[1]
    ok(ar["status"]["phase"] == "Successful", "sub-second: Successful after count 10", ar["status"].get("phase"))
    stamps = [m["finishedAt"] for m in ar["status"]["metricResults"][0]["measurements"]]
    ok(all(len(t) == 20 and t.endswith("Z") for t in stamps),
       "sub-second: timestamps are RFC 3339 in whole seconds", stamps)


def runs_by_name(sim, ns):
    return {a["metadata"]["name"]: a for a in sim.list(AR % ns)}


def sc_superseded(sim):
    """A new revision terminates the superseded revision's background run."""
    ns, name = "production", "devops-toolkit-devops-toolkit"
    new_release(sim, ns, name, "vfarcic/devops-toolkit:sup0001")
    sim.advance("3s")
    sim.advance("2m")
    sim.advance("5s")
    old = list(runs_by_name(sim, ns).values())
    ok(len(old) == 1 and old[0]["status"]["phase"] == "Running",
       "superseded: revision 2's background run is Running", [a["status"].get("phase") for a in old])
    new_release(sim, ns, name, "vfarcic/devops-toolkit:sup0002")
    sim.advance("3s")
    sim.advance("2m")
    sim.advance("5s")
    runs = runs_by_name(sim, ns)
    was = runs.get(old[0]["metadata"]["name"], {})
    ok(was.get("spec", {}).get("terminate") is True, "superseded: spec.terminate set on revision 2's run",
       was.get("spec", {}).get("terminate"))
    ok(was.get("status", {}).get("phase") == "Successful" and
       was.get("status", {}).get("message") == "Run Terminated",
       "superseded: it ends Successful, 'Run Terminated'", was.get("status"))
    new = [a for a in runs.values() if a["metadata"]["annotations"]["rollout.argoproj.io/revision"] == "3"]
    ok(len(new) == 1 and new[0]["status"]["phase"] == "Running" and not new[0]["spec"].get("terminate"),
       "superseded: revision 3's background run is Running", [a["status"].get("phase") for a in new])
    ro = sim.get(ns, name)
    ok(ro["status"]["canary"]["currentBackgroundAnalysisRunStatus"]["name"] == new[0]["metadata"]["name"],
       "superseded: the rollout's status names the new run")
    sim.advance("60s")
    ok(runs_by_name(sim, ns)[old[0]["metadata"]["name"]]["status"]["metricResults"][0]["count"] ==
       was["status"]["metricResults"][0]["count"], "superseded: the terminated run measures no more")


def sc_retry_runs(sim):
    """Retry keeps the failed run and starts one with Argo's collision name."""
    ns, name = "production", "devops-toolkit-devops-toolkit"
    sim.traffic(ns, name, "bad")
    new_release(sim, ns, name, "vfarcic/devops-toolkit:bad0001")
    sim.advance("3s")
    sim.advance("2m")
    sim.advance("60s")
    ro = sim.get(ns, name)
    ok(ro["status"]["phase"] == "Degraded", "retry runs: bad traffic aborts", ro["status"].get("message"))
    runs = runs_by_name(sim, ns)
    ok(len(runs) == 1, "retry runs: one run so far", sorted(runs))
    failed = list(runs)[0]
    evs = sim.list("/api/v1/namespaces/%s/events" % ns)
    got = {(e["type"], e["reason"]) for e in evs}
    ok(("Warning", "RolloutAborted") in got and ("Warning", "AnalysisRunFailed") in got,
       "retry runs: Warning events RolloutAborted and AnalysisRunFailed", sorted(got))
    arf = [e["message"] for e in evs if e["reason"] == "AnalysisRunFailed"]
    ok(arf == ["Background Analysis Run '%s' Status New: 'Failed' Previous: 'Running'" % failed],
       "retry runs: the AnalysisRunFailed message is Argo's", arf)
    sim.traffic(ns, name, "good")
    ok(sim.patch(ns, name, '{"status":{"abort":false}}', "status")[0] == 200, "retry runs: retry accepted")
    sim.advance("3s")
    sim.advance("2m")
    sim.advance("5s")
    runs = runs_by_name(sim, ns)
    ok(failed in runs and runs[failed]["status"]["phase"] == "Failed",
       "retry runs: the failed run is kept", sorted(runs))
    ok(failed + ".1" in runs and runs[failed + ".1"]["status"]["phase"] == "Running",
       "retry runs: the new run is named <name>.1 and runs", sorted(runs))
    ro = sim.get(ns, name)
    ok(ro["status"]["canary"]["currentBackgroundAnalysisRunStatus"]["name"] == failed + ".1",
       "retry runs: the status names the new run", ro["status"]["canary"].get("currentBackgroundAnalysisRunStatus"))
    for _ in range(6):
        sim.advance("60s")
    ro = sim.get(ns, name)
    ok(ro["status"]["phase"] == "Healthy", "retry runs: good traffic completes the retried rollout",
       ro["status"].get("message"))


def cond(ro, type_):
    return [c for c in ro["status"].get("conditions", []) if c["type"] == type_]


def sc_conditions(sim):
    """Conditions as Argo writes them: no Paused condition until a pause."""
    ns, name = "shop", "web"
    ro = sim.get(ns, name)
    types = sorted(c["type"] for c in ro["status"].get("conditions", []))
    ok(types == ["Available", "Completed", "Healthy", "Progressing"],
       "conditions: a fresh rollout has Available, Completed, Healthy, Progressing", types)
    new_release(sim, ns, name, "example/web:2.0")
    sim.advance("3s")
    p = cond(sim.get(ns, name), "Paused")
    ok(len(p) == 1 and p[0]["status"] == "True" and p[0]["reason"] == "RolloutPaused",
       "conditions: Paused True RolloutPaused at the pause step", p)
    promote(sim, ns, name)
    sim.advance("3s")
    sim.advance("31s")
    ro = sim.get(ns, name)
    p = cond(ro, "Paused")
    ok(ro["status"]["currentStepIndex"] == 4 and len(p) == 1 and p[0]["status"] == "False",
       "conditions: Paused False once it runs again (the analysis step)", (ro["status"]["currentStepIndex"], p))


def analysis_done(ar):
    return ar.get("status", {}).get("phase") in ("Successful", "Failed", "Error", "Inconclusive")


SCENARIOS = [
    ("tutorial", ["../../demo/production.yaml"], sc_tutorial),
    ("promote-pause", ["canary.yaml"], sc_promote_pause),
    ("abort-retry", ["canary.yaml"], sc_abort_retry),
    ("promote-full", ["canary.yaml"], sc_promote_full),
    ("pause-resume", ["canary.yaml"], sc_pause_resume),
    ("undo", ["canary.yaml"], sc_undo),
    ("bluegreen", ["canary.yaml"], sc_bluegreen),
    ("inconclusive", ["canary.yaml"], sc_inconclusive),
    ("terminate", ["../../demo/production.yaml"], sc_terminate),
    ("restart", ["canary.yaml"], sc_restart),
    ("experiment", ["canary.yaml"], sc_experiment),
    ("bluegreen-analysis", ["canary.yaml"], sc_bluegreen_analysis),
    ("progress-deadline", ["canary.yaml"], sc_progress_deadline),
    ("kr-commands", ["canary.yaml"], sc_kr_commands),
    ("kr-fallbacks", ["canary.yaml"], sc_kr_fallbacks),
    ("subsecond", ["canary.yaml"], sc_subsecond),
    ("superseded", ["../../demo/production.yaml"], sc_superseded),
    ("retry-runs", ["../../demo/production.yaml"], sc_retry_runs),
    ("conditions", ["canary.yaml"], sc_conditions),
]


def main():
    if not SIM or not os.access(SIM, os.X_OK):
        print("Bail out! ROLLOUTS_SIM is not an executable")
        return 1
    for name, fixtures, fn in SCENARIOS:
        if ONLY and name not in ONLY:
            continue
        sim = Sim(*fixtures)
        try:
            fn(sim)
        except Exception as e:  # a scenario that crashes is a failure
            ok(False, "%s: ran to the end" % name, repr(e))
        finally:
            sim.stop()
    print("1..%d" % N)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
