#!/usr/bin/env python3
"""Argo CD scenario tests for rollouts-sim, on the manual clock.

Each scenario builds Git repositories in a temporary directory (git init,
commits with a fixed author, GIT_CONFIG_NOSYSTEM=1 and a fresh HOME), starts
rollouts-sim with --clock manual, creates Applications through the API and
moves time with /sim/v1/clock?advance=..., then asserts what the simulated
Argo CD wrote: sync and health status, revisions, resources, operationState,
history, conditions, and the objects it applied, pruned or healed. It shares
run.py's harness (Sim, ok) and prints TAP.

  argocd.py ROLLOUTS_SIM [SCENARIO...]
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import http.client

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run  # noqa: E402  (the harness: Sim, ok, TAP counters)
from run import ok  # noqa: E402

APPS = "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications"
CHART = os.path.join(HERE, "argocd-chart")
WORK = tempfile.mkdtemp(prefix="argocd-scenarios.")
# git (ours and the simulator's) runs with a fixed identity and no user or
# system configuration
os.environ.update({
    "HOME": WORK, "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Scenario", "GIT_AUTHOR_EMAIL": "scenario@example.com",
    "GIT_COMMITTER_NAME": "Scenario", "GIT_COMMITTER_EMAIL": "scenario@example.com",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
})


def git(repo, *args):
    p = subprocess.run(["git", "-C", repo] + list(args), capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("git %s: %s" % (" ".join(args), p.stderr))
    return p.stdout.strip()


def new_repo(name, files):
    """A repository with one commit of files {path: text}; its path."""
    repo = os.path.join(WORK, name)
    shutil.rmtree(repo, ignore_errors=True)
    os.makedirs(repo)
    git(repo, "init", "-q", "-b", "main")
    commit(repo, files, "initial")
    return repo


def commit(repo, files, msg, remove=()):
    for path, text in files.items():
        full = os.path.join(repo, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    for path in remove:
        git(repo, "rm", "-q", path)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", msg)
    return git(repo, "rev-parse", "HEAD")


def chart_files(**values):
    files = {}
    for root, _, names in os.walk(CHART):
        for n in names:
            full = os.path.join(root, n)
            files[os.path.join("chart", os.path.relpath(full, CHART))] = open(full).read()
    return files


def application(name, repo, path, target="HEAD", automated=True, prune=True, heal=True,
                ns="shop", extra=None):
    spec = {
        "project": "default",
        "source": {"repoURL": "file://" + repo, "targetRevision": target, "path": path},
        "destination": {"server": "https://kubernetes.default.svc", "namespace": ns},
        "syncPolicy": {"syncOptions": ["CreateNamespace=true"]},
    }
    if automated:
        spec["syncPolicy"]["automated"] = {"prune": prune, "selfHeal": heal}
    app = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
           "metadata": {"name": name, "namespace": "argocd",
                        "finalizers": ["resources-finalizer.argocd.argoproj.io"]},
           "spec": spec}
    for k, v in (extra or {}).items():
        app["spec"][k] = v
    return app


def create(sim, obj, plural="applications", ns="argocd", group="argoproj.io/v1alpha1"):
    path = ("/apis/%s/namespaces/%s/%s" % (group, ns, plural)) if "/" in group else \
        ("/api/%s/namespaces/%s/%s" % (group, ns, plural))
    st, body = sim.req("POST", path, json.dumps(obj), "application/json")
    assert st == 201, (st, body)
    return body


def app(sim, name):
    return sim.req("GET", APPS + "/" + name)[1]


def patch_app(sim, name, body):
    st, out = sim.req("PATCH", APPS + "/" + name, json.dumps(body))
    assert st == 200, (st, out)
    return out


def refresh(sim, name):
    patch_app(sim, name, {"metadata": {"annotations": {"argocd.argoproj.io/refresh": "normal"}}})


def get(sim, path):
    st, body = sim.req("GET", path)
    return body if st == 200 else None


def res_of(a, kind, name=None):
    for r in a.get("status", {}).get("resources", []):
        if r["kind"] == kind and (name is None or r["name"] == name):
            return r
    return None


def cond(a, typ):
    for c in a.get("status", {}).get("conditions", []) or []:
        if c["type"] == typ:
            return c
    return None


def brief(a):
    st = a.get("status", {})
    return {"sync": st.get("sync", {}).get("status"), "health": st.get("health", {}).get("status"),
            "rev": st.get("sync", {}).get("revision"), "conditions": st.get("conditions"),
            "op": st.get("operationState", {}).get("message")}


class ObjWatch(threading.Thread):
    """Collects f(object) for every event of one watched path."""

    def __init__(self, sim, path, f):
        super().__init__(daemon=True)
        self.sim, self.path, self.f = sim, path, f
        self.seen = []
        self.ready = threading.Event()
        self.start()
        self.ready.wait(10)

    def run(self):
        c = http.client.HTTPConnection("127.0.0.1", self.sim.port)
        c.request("GET", self.path + ("&" if "?" in self.path else "?") + "watch=true")
        r = c.getresponse()
        self.ready.set()
        buf = b""
        while True:
            chunk = r.read1(65536)
            if not chunk:
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line.strip():
                    self.seen.append(self.f(json.loads(line)["object"]))

    def settle(self):
        last = -1
        for _ in range(200):
            if len(self.seen) == last:
                return
            last = len(self.seen)
            time.sleep(0.01)


# ------------------------------------------------------------ scenarios

CM = """apiVersion: v1
kind: ConfigMap
metadata:
  name: %s
data:
  color: %s
"""
SVC = """apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - port: 80
"""


def sc_directory(sim):
    """Directory source: sync, recurse, refresh interval, annotation, prune, self-heal."""
    repo = new_repo("dir", {"k8s/cm.yaml": CM % ("settings", "blue"), "k8s/svc.yaml": SVC,
                            "k8s/more/extra.json": json.dumps(json.loads(json.dumps(
                                {"apiVersion": "v1", "kind": "ConfigMap",
                                 "metadata": {"name": "nested"}, "data": {"a": "b"}}))),
                            "k8s/README.md": "not a manifest\n"})
    head = git(repo, "rev-parse", "HEAD")
    create(sim, application("web", repo, "k8s", extra={"source": {
        "repoURL": "file://" + repo, "targetRevision": "HEAD", "path": "k8s",
        "directory": {"recurse": True}}}))
    a = app(sim, "web")
    st = a["status"]
    ok(st["sync"]["status"] == "Synced" and st["health"]["status"] == "Healthy",
       "directory: Synced and Healthy at once", brief(a))
    ok(st["sync"]["revision"] == head, "directory: sync.revision is the full SHA of HEAD", st["sync"])
    ok(st.get("sourceType") == "Directory", "directory: sourceType Directory", st.get("sourceType"))
    ok(sorted((r["kind"], r["name"]) for r in st["resources"]) ==
       [("ConfigMap", "nested"), ("ConfigMap", "settings"), ("Service", "web")],
       "directory: resources[] holds the three manifests (recurse reads k8s/more)", st["resources"])
    svc = res_of(a, "Service")
    ok(svc == {"kind": "Service", "namespace": "shop", "name": "web", "version": "v1",
               "status": "Synced", "health": {"status": "Healthy"}},
       "directory: a resources[] row as Argo CD writes it", svc)
    ok("health" not in res_of(a, "ConfigMap", "settings"), "directory: a ConfigMap has no health")
    op = st["operationState"]
    ok(op["phase"] == "Succeeded" and op["message"] == "successfully synced (all tasks run)" and
       op["operation"]["initiatedBy"] == {"automated": True} and
       op["syncResult"]["revision"] == head,
       "directory: operationState Succeeded, automated, at the revision", op)
    msgs = [r["message"] for r in op["syncResult"]["resources"]]
    ok(msgs[0] == "namespace/shop created" and "configmap/settings created" in msgs and
       "service/web created" in msgs, "directory: kubectl's messages, the namespace first", msgs)
    ok(len(st["history"]) == 1 and st["history"][0]["id"] == 0 and st["history"][0]["revision"] == head,
       "directory: one history entry, id 0", st.get("history"))
    live = get(sim, "/api/v1/namespaces/shop/configmaps/settings")
    ok(live["metadata"]["annotations"].get("argocd.argoproj.io/tracking-id") ==
       "web:/ConfigMap:shop/settings", "directory: v3 tracking-id annotation on the object",
       live["metadata"].get("annotations"))
    ok(get(sim, "/api/v1/namespaces/shop") is not None, "directory: CreateNamespace made the namespace")

    # a new commit waits for the 3m poll
    c2 = commit(repo, {"k8s/cm.yaml": CM % ("settings", "green")}, "green")
    sim.advance("2m")
    ok(app(sim, "web")["status"]["sync"]["revision"] == head, "directory: no refresh before the interval")
    sim.advance("61s")
    a = app(sim, "web")
    ok(a["status"]["sync"]["revision"] == c2 and
       get(sim, "/api/v1/namespaces/shop/configmaps/settings")["data"]["color"] == "green",
       "directory: the 3m refresh syncs the new commit", brief(a))
    ok(len(a["status"]["history"]) == 2 and a["status"]["history"][1]["id"] == 1,
       "directory: a second history entry")

    # the refresh annotation: at once, then removed
    c3 = commit(repo, {"k8s/cm.yaml": CM % ("settings", "red")}, "red", remove=["k8s/svc.yaml"])
    refresh(sim, "web")
    a = app(sim, "web")
    ok(a["status"]["sync"]["revision"] == c3, "refresh annotation: the new commit at once", brief(a))
    ok("argocd.argoproj.io/refresh" not in (a["metadata"].get("annotations") or {}),
       "refresh annotation: removed after the refresh", a["metadata"].get("annotations"))
    # prune: the Service left Git
    ok(get(sim, "/api/v1/namespaces/shop/services/web") is None, "prune: the Service is deleted")
    pr = [r for r in a["status"]["operationState"]["syncResult"]["resources"] if r["kind"] == "Service"]
    ok(pr and pr[0]["status"] == "Pruned" and pr[0]["message"] == "pruned",
       "prune: syncResult says Pruned", pr)
    ok(res_of(a, "Service") is None, "prune: the Service left resources[]")

    # self-heal: a live edit is reverted, as a partial sync without history
    nhist = len(a["status"]["history"])
    st, _ = sim.req("PATCH", "/api/v1/namespaces/shop/configmaps/settings",
                    json.dumps({"data": {"color": "hacked"}}))
    a = app(sim, "web")
    ok(get(sim, "/api/v1/namespaces/shop/configmaps/settings")["data"]["color"] == "red",
       "self-heal: the live edit is reverted", brief(a))
    op = a["status"]["operationState"]["operation"]["sync"]
    ok(op.get("resources") == [{"group": "", "kind": "ConfigMap", "name": "settings", "namespace": "shop"}] and
       op.get("autoHealAttemptsCount") == 1,
       "self-heal: a partial sync of the changed resource, attempt 1", op)
    ok(len(a["status"]["history"]) == nhist, "self-heal: no history entry")
    # a field Git does not set is not a difference
    sim.req("PATCH", "/api/v1/namespaces/shop/configmaps/settings",
            json.dumps({"metadata": {"labels": {"added": "live"}}}))
    a = app(sim, "web")
    ok(a["status"]["sync"]["status"] == "Synced" and
       a["status"]["operationState"]["operation"]["sync"].get("autoHealAttemptsCount") == 1,
       "self-heal: a live-only label is no difference (no heal)", brief(a))
    # the second heal waits the backoff (2s)
    sim.req("PATCH", "/api/v1/namespaces/shop/configmaps/settings",
            json.dumps({"data": {"color": "again"}}))
    a = app(sim, "web")
    ok(a["status"]["sync"]["status"] == "OutOfSync", "self-heal: the next heal waits its backoff", brief(a))
    sim.advance("2s")
    ok(get(sim, "/api/v1/namespaces/shop/configmaps/settings")["data"]["color"] == "red",
       "self-heal: healed after the 2s backoff")
    # deleting the Application (resources finalizer) deletes what it deployed
    sim.req("DELETE", APPS + "/web")
    sim.advance("1s")
    ok(get(sim, "/api/v1/namespaces/shop/configmaps/settings") is None,
       "finalizer: deleting the Application deletes its resources")


def sc_helm(sim):
    """Helm subset: values precedence, Release/Chart lookups, if/else, default, quote;
    the Rollout health mapping."""
    repo = new_repo("helm", chart_files())
    create(sim, application("shop", repo, "chart", extra={"source": {
        "repoURL": "file://" + repo, "targetRevision": "HEAD", "path": "chart",
        "helm": {"values": "replicas: 3\nimage:\n  tag: \"2.0\"\n",
                 "parameters": [{"name": "image.repository", "value": "example/shop-param"}]}}}))
    a = app(sim, "shop")
    ok(a["status"].get("sourceType") == "Helm", "helm: sourceType Helm", brief(a))
    ro = get(sim, "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/shop-shop")
    ok(ro is not None, "helm: the Rollout is named {{ .Release.Name }}-{{ .Chart.Name }}", brief(a))
    if not ro:
        return
    ok(ro["spec"]["template"]["spec"]["containers"][0]["image"] == "example/shop-param:2.0",
       "helm: parameters over values over values.yaml", ro["spec"]["template"]["spec"]["containers"][0])
    ok(ro["spec"]["replicas"] == 3, "helm: a number from helm.values stays a number", ro["spec"]["replicas"])
    ok(ro["metadata"]["labels"] == {"chart-version": "0.2.0", "team": "shop"},
       "helm: quote and default", ro["metadata"]["labels"])
    ok(ro["spec"]["strategy"]["canary"]["trafficRouting"]["istio"]["virtualService"]["name"] == "shop-shop",
       "helm: if on a value with {{- trim")
    ok(get(sim, "/apis/networking.istio.io/v1beta1/namespaces/shop/virtualservices/shop-shop") is not None,
       "helm: the VirtualService is rendered")
    sim.advance("10s")
    a = app(sim, "shop")
    ok(a["status"]["health"]["status"] == "Healthy" and a["status"]["sync"]["status"] == "Synced",
       "rollout health: Healthy once the first revision is up", brief(a))
    ok(res_of(a, "Rollout")["health"] == {"status": "Healthy"}, "rollout health: the row", res_of(a, "Rollout"))
    ok(a["status"]["summary"].get("images") == ["example/shop-param:2.0"],
       "summary.images: the images of the pods", a["status"].get("summary"))
    # a new tag through the Application's spec: the source changed, so a new sync at once
    patch_app(sim, "shop", {"spec": {"source": {"helm": {"valuesObject": {"image": {"tag": "3.0"}}}}}})
    a = app(sim, "shop")
    ro = get(sim, "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/shop-shop")
    ok(ro["spec"]["template"]["spec"]["containers"][0]["image"] == "example/shop-param:3.0",
       "helm: valuesObject wins over values; a spec change syncs at once")
    ok(a["status"]["health"]["status"] == "Progressing" and
       res_of(a, "Rollout")["health"]["status"] == "Progressing",
       "rollout health: Progressing while the canary comes up", res_of(a, "Rollout"))
    sim.advance("3s")
    a = app(sim, "shop")
    r = res_of(a, "Rollout")
    ok(r["health"] == {"status": "Suspended", "message": "CanaryPauseStep"} and
       a["status"]["health"]["status"] == "Suspended",
       "rollout health: Suspended (CanaryPauseStep) at the pause", r)
    ok(len(a["status"]["history"]) == 2, "helm: the new source made a history entry")
    st, _ = sim.req("PATCH", "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/shop-shop/status",
                    json.dumps({"status": {"abort": True}}))
    a = app(sim, "shop")
    r = res_of(a, "Rollout")
    ok(r["health"]["status"] == "Degraded" and "RolloutAborted" in r["health"].get("message", "") and
       a["status"]["health"]["status"] == "Degraded",
       "rollout health: Degraded when aborted", r)
    sim.req("PATCH", "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/shop-shop/status",
            json.dumps({"status": {"abort": False, "promoteFull": True}}))
    sim.advance("10s")
    a = app(sim, "shop")
    ok(a["status"]["health"]["status"] == "Healthy" and res_of(a, "Rollout")["health"]["status"] == "Healthy",
       "rollout health: Healthy after promotion", res_of(a, "Rollout"))
    ok(a["status"]["sync"]["status"] == "Synced",
       "rollout: the controller's status and live-only fields keep the app Synced", brief(a))


def fight(sim, ignore):
    repo = new_repo("fight", chart_files())
    extra = {"source": {"repoURL": "file://" + repo, "targetRevision": "HEAD", "path": "chart"}}
    if ignore:
        extra["ignoreDifferences"] = [{"group": "networking.istio.io", "kind": "VirtualService",
                                       "jsonPointers": ["/spec/http/0"]}]
    create(sim, application("shop", repo, "chart", extra=extra))
    sim.advance("10s")
    vs_path = "/apis/networking.istio.io/v1beta1/namespaces/shop/virtualservices"
    w = ObjWatch(sim, vs_path + "?fieldSelector=metadata.name%3Dshop-shop",
                 lambda o: [d["weight"] for d in o["spec"]["http"][0]["route"]])
    # the release: a new tag in Git
    files = chart_files()
    files["chart/values.yaml"] = files["chart/values.yaml"].replace('tag: "1.0"', 'tag: "1.1"')
    commit(repo, files, "release 1.1")
    refresh(sim, "shop")
    sim.advance("3s")   # the canary is up: weight 20, paused
    for _ in range(10):
        sim.advance("2s")
    w.settle()
    return w, app(sim, "shop")


def sc_vs_fight(sim):
    """selfHeal without ignoreDifferences: Argo CD reverts the canary weights."""
    w, a = fight(sim, ignore=False)
    vs = get(sim, "/apis/networking.istio.io/v1beta1/namespaces/shop/virtualservices/shop-shop")
    ok([d["weight"] for d in vs["spec"]["http"][0]["route"]] == [80, 20],
       "fight: the Rollouts controller keeps setting 80/20", vs["spec"]["http"])
    flips = sum(1 for i in range(1, len(w.seen)) if w.seen[i - 1] == [80, 20] and w.seen[i] == [100, 0])
    ok(flips >= 3, "fight: self-heal reverted the weights to Git's 100/0 again and again (%d times)" % flips,
       w.seen)
    op = a["status"]["operationState"]
    ok(op["operation"]["sync"].get("resources") ==
       [{"group": "networking.istio.io", "kind": "VirtualService", "name": "shop-shop", "namespace": "shop"}] and
       op["operation"]["sync"].get("autoHealAttemptsCount", 0) >= 3,
       "fight: the heals are partial syncs of the VirtualService, with a growing attempt count",
       op["operation"])
    ok(any(r["kind"] == "VirtualService" and r["message"].endswith("configured")
           for r in op["syncResult"]["resources"]),
       "fight: the heal configured the VirtualService", op["syncResult"]["resources"])


def sc_vs_ignore(sim):
    """The tutorial's ignoreDifferences: no fight."""
    w, a = fight(sim, ignore=True)
    ok([100, 0] not in w.seen[w.seen.index([80, 20]):] if [80, 20] in w.seen else False,
       "ignoreDifferences: the canary weights are never reverted", w.seen)
    ok(res_of(a, "VirtualService")["status"] == "Synced", "ignoreDifferences: the VirtualService is Synced",
       res_of(a, "VirtualService"))
    ok("resources" not in a["status"]["operationState"]["operation"]["sync"],
       "ignoreDifferences: no self-heal ran", a["status"]["operationState"]["operation"])
    ok(a["status"]["sync"]["status"] == "Synced", "ignoreDifferences: the app is Synced", brief(a))


def sc_app_of_apps(sim):
    """An Application whose manifests are Applications."""
    child_repo = new_repo("child", {"k8s/cm.yaml": CM % ("child-cm", "blue")})
    c1 = git(child_repo, "rev-parse", "HEAD")
    c2 = commit(child_repo, {"k8s/cm.yaml": CM % ("child-cm", "green")}, "green")

    def child(rev):
        a = application("child", child_repo, "k8s", target=rev, ns="kids")
        a["metadata"].pop("finalizers")
        return json.dumps(a)
    parent_repo = new_repo("parent", {"apps/child.json": child(c1)})
    create(sim, application("parent", parent_repo, "apps", ns="argocd"))
    p = app(sim, "parent")
    ok(p["status"]["sync"]["status"] == "Synced" and p["status"]["health"]["status"] == "Healthy",
       "app-of-apps: the parent is Synced and Healthy", brief(p))
    row = res_of(p, "Application", "child")
    ok(row and row.get("group") == "argoproj.io" and "health" not in row,
       "app-of-apps: the child row has no health (no check since Argo CD 1.8)", row)
    c = app(sim, "child")
    ok(c and c["status"]["sync"]["status"] == "Synced" and c["status"]["sync"]["revision"] == c1,
       "app-of-apps: the child synced its pinned SHA", c and brief(c))
    ok(c["metadata"]["annotations"]["argocd.argoproj.io/tracking-id"] ==
       "parent:argoproj.io/Application:argocd/child", "app-of-apps: the child carries the parent's tracking id")
    ok(get(sim, "/api/v1/namespaces/kids/configmaps/child-cm")["data"]["color"] == "blue",
       "app-of-apps: the child's resources are deployed")
    # the parent changes the child's targetRevision
    commit(parent_repo, {"apps/child.json": child(c2)}, "child to green")
    refresh(sim, "parent")
    c = app(sim, "child")
    ok(c["status"]["sync"]["revision"] == c2 and
       get(sim, "/api/v1/namespaces/kids/configmaps/child-cm")["data"]["color"] == "green",
       "app-of-apps: a new child spec from the parent syncs the child at once", brief(c))
    p = app(sim, "parent")
    ok(p["status"]["sync"]["status"] == "Synced", "app-of-apps: the child's status never makes the parent OutOfSync",
       brief(p))


def sc_revisions(sim):
    """targetRevision: a branch, a tag, a full and a short SHA; an unknown one."""
    repo = new_repo("revs", {"k8s/cm.yaml": CM % ("rev", "one")})
    first = git(repo, "rev-parse", "HEAD")
    git(repo, "tag", "-a", "v1", "-m", "v1")
    git(repo, "branch", "release")
    second = commit(repo, {"k8s/cm.yaml": CM % ("rev", "two")}, "two")
    for name, rev, want in [("branch", "release", first), ("tag", "v1", first),
                            ("sha", first, first), ("short", first[:7], first), ("head", "HEAD", second)]:
        create(sim, application("r-" + name, repo, "k8s", target=rev, ns="r-" + name))
        a = app(sim, "r-" + name)
        ok(a["status"]["sync"]["revision"] == want and a["status"]["sync"]["status"] == "Synced",
           "revisions: %s '%s' resolves to the right full SHA" % (name, rev), brief(a))
    # the branch moves: the app follows at the next refresh; the pinned SHA stays
    git(repo, "checkout", "-q", "release")
    third = commit(repo, {"k8s/cm.yaml": CM % ("rev", "three")}, "three")
    git(repo, "checkout", "-q", "main")
    sim.advance("3m")
    ok(app(sim, "r-branch")["status"]["sync"]["revision"] == third,
       "revisions: the branch app follows its branch")
    ok(get(sim, "/api/v1/namespaces/r-branch/configmaps/rev")["data"]["color"] == "three",
       "revisions: and deploys it")
    ok(app(sim, "r-sha")["status"]["sync"]["revision"] == first, "revisions: a pinned SHA stays pinned")
    create(sim, application("r-bad", repo, "k8s", target="no-such-branch", ns="r-bad"))
    a = app(sim, "r-bad")
    c = cond(a, "ComparisonError")
    ok(a["status"]["sync"]["status"] == "Unknown" and c and
       c["message"].endswith("unable to resolve 'no-such-branch' to a commit SHA"),
       "revisions: an unknown revision is a ComparisonError", brief(a))


def sc_helm_unsupported(sim):
    """A construct outside the Helm subset: ComparisonError naming file and line."""
    files = chart_files()
    files["chart/templates/config.yaml"] = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                            "  name: cfg\n  labels:\n"
                                            "{{ include \"shop.labels\" . | indent 4 }}\n")
    repo = new_repo("unsupported", files)
    create(sim, application("bad", repo, "chart"))
    a = app(sim, "bad")
    c = cond(a, "ComparisonError")
    ok(c is not None and a["status"]["sync"]["status"] == "Unknown", "unsupported: ComparisonError, sync Unknown",
       brief(a))
    ok(c and c["message"].startswith("Failed to load target state: failed to generate manifest for source 1 of 1: "
                                     "rpc error: code = Unknown desc = ") and
       "chart/templates/config.yaml:6:" in c["message"] and "function \"include\"" in c["message"],
       "unsupported: the message names the template, the line and the construct", c)
    ok(get(sim, "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/shop-bad") is None,
       "unsupported: nothing was applied")
    # fixing the chart clears the condition
    files["chart/templates/config.yaml"] = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                            "  name: cfg\n  labels:\n"
                                            "    team: {{ .Values.team | default \"shop\" }}\n")
    commit(repo, files, "fix")
    refresh(sim, "bad")
    a = app(sim, "bad")
    ok(cond(a, "ComparisonError") is None and a["status"]["sync"]["status"] == "Synced",
       "unsupported: the fix clears the condition and syncs", brief(a))


def sc_unreachable(sim):
    """A repository that cannot be fetched, then can."""
    path = os.path.join(WORK, "later")
    shutil.rmtree(path, ignore_errors=True)
    create(sim, application("later", path, "k8s", ns="later"))
    a = app(sim, "later")
    c = cond(a, "ComparisonError")
    ok(a["status"]["sync"]["status"] == "Unknown" and c and "failed to list refs" in c["message"],
       "unreachable: ComparisonError, sync Unknown", brief(a))
    new_repo("later", {"k8s/cm.yaml": CM % ("late", "yes")})
    sim.advance("3m")
    a = app(sim, "later")
    ok(cond(a, "ComparisonError") is None and a["status"]["sync"]["status"] == "Synced" and
       get(sim, "/api/v1/namespaces/later/configmaps/late") is not None,
       "unreachable: recovers at the next refresh once the repository exists", brief(a))


def sc_project_manual(sim):
    """AppProject limits (InvalidSpecError) and a sync a client requests."""
    repo = new_repo("proj", {"k8s/cm.yaml": CM % ("p", "x")})
    create(sim, {"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
                 "metadata": {"name": "narrow", "namespace": "argocd"},
                 "spec": {"sourceRepos": ["https://git.example.com/*"],
                          "destinations": [{"server": "https://kubernetes.default.svc", "namespace": "ok"}]}},
           plural="appprojects")
    a1 = application("outside", repo, "k8s", ns="ok")
    a1["spec"]["project"] = "narrow"
    create(sim, a1)
    a = app(sim, "outside")
    c = cond(a, "InvalidSpecError")
    ok(c and c["message"] == "application repo file://%s is not permitted in project 'narrow'" % repo and
       a["status"]["sync"]["status"] == "Unknown" and a["status"]["health"]["status"] == "Unknown",
       "project: a repo outside sourceRepos is an InvalidSpecError", brief(a))
    a2 = application("ghost", repo, "k8s", ns="ok")
    a2["spec"]["project"] = "ghost"
    create(sim, a2)
    c = cond(app(sim, "ghost"), "InvalidSpecError")
    ok(c and c["message"] == "Application referencing project ghost which does not exist",
       "project: an unknown project", c)
    ok(get(sim, "/apis/argoproj.io/v1alpha1/namespaces/argocd/appprojects/default") is not None,
       "project: 'default' exists")
    # manual: OutOfSync until a client asks for a sync
    create(sim, application("manual", repo, "k8s", automated=False, ns="man"))
    a = app(sim, "manual")
    ok(a["status"]["sync"]["status"] == "OutOfSync" and a["status"]["health"]["status"] == "Missing",
       "manual: OutOfSync and Missing without automated sync", brief(a))
    patch_app(sim, "manual", {"operation": {"initiatedBy": {"username": "admin"},
                                            "sync": {"revision": "HEAD"}}})
    a = app(sim, "manual")
    ok(a["status"]["sync"]["status"] == "Synced" and "operation" not in a and
       a["status"]["operationState"]["operation"]["initiatedBy"] == {"username": "admin"} and
       a["status"]["history"][0]["initiatedBy"] == {"username": "admin"},
       "manual: operation.sync runs, is removed and recorded", brief(a))


SCENARIOS = [
    ("argocd-directory", sc_directory),
    ("argocd-helm", sc_helm),
    ("argocd-vs-fight", sc_vs_fight),
    ("argocd-vs-ignore", sc_vs_ignore),
    ("argocd-app-of-apps", sc_app_of_apps),
    ("argocd-revisions", sc_revisions),
    ("argocd-helm-unsupported", sc_helm_unsupported),
    ("argocd-unreachable", sc_unreachable),
    ("argocd-project-manual", sc_project_manual),
]


def main():
    if not run.SIM or not os.access(run.SIM, os.X_OK):
        print("Bail out! ROLLOUTS_SIM is not an executable")
        return 1
    if not shutil.which("git"):
        print("1..0 # SKIP git is not installed")
        return 0
    try:
        for name, fn in SCENARIOS:
            if run.ONLY and name not in run.ONLY:
                continue
            sim = run.Sim()
            try:
                fn(sim)
            except Exception as e:  # a scenario that crashes is a failure
                ok(False, "%s: ran to the end" % name, repr(e))
            finally:
                sim.stop()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    print("1..%d" % run.N)
    return 1 if run.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
