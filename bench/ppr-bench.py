#!/usr/bin/env python3
"""Benchmark pipeline-pr against named baselines, in one run.

  bench/ppr-bench.py [BUILD_DIR] [--runs=N]

forge-sim serves the tutorial's environment repo over git's smart HTTP and
the GitHub API, with a token. Measured (median of N runs, each a new tag):

1. A release: `pipeline-pr --env-repo http://.../argocd-production.git
   --forge github --template production.yaml --app devops-toolkit --tag T`
   (clone, render, branch, commit, push, open the pull request) against the
   floor: the same git commands and API call run by hand in a shell script
   (git clone --depth 1 --single-branch, checkout -b, gitops-render, add,
   commit, push, one curl POST), with the token in git's environment as
   pipeline-pr gives it. Target: at most 1.3x the floor's wall time.
2. The clone's transfer: the bytes forge-sim sends to pipeline-pr (counted
   by a TCP relay in front of it) for a --dry-run release against an env
   repo with 10 commits and one with 10,000 (built with git fast-import).
   Target: independent of the history (ratio ~1.0).
"""
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = [a for a in sys.argv[1:] if not a.startswith("--runs")]
BUILD = os.path.abspath(args[0] if args else os.path.join(TOP, "build"))
RUNS = 7
for a in sys.argv[1:]:
    if a.startswith("--runs="):
        RUNS = int(a.split("=", 1)[1])
PPR = os.path.join(BUILD, "plugins", "pipeline-pr", "pipeline-pr")
FORGE = os.path.join(BUILD, "plugins", "forge-sim", "forge-sim")
GR = os.path.join(BUILD, "plugins", "gitops-render", "gitops-render")
FIX = os.path.join(TOP, "tests", "e2e", "fixtures", "ppr")
TEMPLATE = os.path.join(FIX, "production.yaml")
TOKEN = "bench-token-0123456789"

FLOOR = r"""#!/bin/sh
# the floor: the release by hand (what pipeline-pr does, nothing more)
set -e
url=$1 tag=$2 api=$3 work=$(mktemp -d)
git clone --quiet --depth 1 --single-branch --no-tags --branch master "$url" "$work/repo"
cd "$work/repo"
git checkout --quiet -b "devops-toolkit-$tag"
"$GR" -v "IMAGE_TAG=$tag" "$TEMPLATE" >helm/templates/devops-toolkit.yaml
git add helm/templates/devops-toolkit.yaml
git commit --quiet -m "Adding commit $tag from devops-toolkit"
git push --quiet origin "HEAD:refs/heads/devops-toolkit-$tag"
curl -q --noproxy '*' -sS -f -o /dev/null -X POST \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -H 'Accept: application/vnd.github+json' -H 'User-Agent: floor' \
    -d "{\"title\":\"$tag from devops-toolkit\",\"head\":\"devops-toolkit-$tag\",\"base\":\"master\"}" \
    "$api/repos/vfarcic/argocd-production/pulls"
cd /
rm -rf "$work"
"""


def git(*a, cwd=None, env=None, inp=None):
    return subprocess.run(["git"] + list(a), cwd=cwd, env=env, input=inp,
                          check=True, capture_output=True)


def base_env(home):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "GITHUB_", "GITLAB_", "GITEA_", "CF_"))
           and k not in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")}
    env.update(HOME=home, GIT_CONFIG_NOSYSTEM="1", LC_ALL="C",
               GIT_AUTHOR_NAME="Bench", GIT_AUTHOR_EMAIL="bench@example.com",
               GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.com")
    return env


def make_repo(bare, commits, env):
    """A bare env repo whose master has `commits` commits (fast-import)."""
    git("init", "-q", "--bare", "-b", "master", bare, env=env)
    chart = open(os.path.join(FIX, "Chart.yaml"), "rb").read()
    app = open(os.path.join(FIX, "devops-toolkit.yaml"), "rb").read()
    out = []
    out.append(b"blob\nmark :1\ndata %d\n%s\n" % (len(chart), chart))
    out.append(b"blob\nmark :2\ndata %d\n%s\n" % (len(app), app))
    for i in range(1, commits + 1):
        hist = b"release %d\n" % i
        msg = b"Release %d" % i
        out.append(b"commit refs/heads/master\n")
        out.append(b"committer Bench <bench@example.com> %d +0000\n" % (1700000000 + i))
        out.append(b"data %d\n%s\n" % (len(msg), msg))
        if i == 1:
            out.append(b"M 100644 :1 helm/Chart.yaml\n")
            out.append(b"M 100644 :2 helm/templates/devops-toolkit.yaml\n")
        out.append(b"M 100644 inline history.txt\ndata %d\n%s\n" % (len(hist), hist))
    git("fast-import", "--quiet", cwd=bare, env=env, inp=b"".join(out))
    git("gc", "--quiet", cwd=bare, env=env)


def start_forge(root, work, env):
    port_file = os.path.join(work, "port")
    tok = os.path.join(work, "token")
    with open(tok, "w") as f:
        f.write(TOKEN + "\n")
    p = subprocess.Popen([FORGE, "--root", root, "--port-file", port_file,
                          "--token-file", tok], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(400):
        if os.path.exists(port_file) and open(port_file).read().strip():
            return p, int(open(port_file).read())
        time.sleep(0.025)
    p.kill()
    sys.exit("forge-sim did not start")


class Relay:
    """A TCP relay counting the bytes the server sends back."""

    def __init__(self, port):
        self.target = port
        self.down = 0
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def pipe(self, a, b, count):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                if count:
                    with self.lock:
                        self.down += len(d)
                b.sendall(d)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            s = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self.pipe, args=(c, s, False), daemon=True).start()
            threading.Thread(target=self.pipe, args=(s, c, True), daemon=True).start()


def timed(cmd, env):
    t = time.perf_counter()
    r = subprocess.run(cmd, env=env, capture_output=True)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), r.stderr.decode(errors="replace")))
    return dt


def main():
    for p in (PPR, FORGE, GR):
        if not os.access(p, os.X_OK):
            sys.exit("not built: %s (ninja -C %s)" % (p, BUILD))
    if not shutil.which("git") or not shutil.which("curl"):
        sys.exit("git and curl are needed")
    work = tempfile.mkdtemp(prefix="ppr-bench.")
    forge = None
    try:
        home = os.path.join(work, "home")
        os.makedirs(home)
        env = base_env(home)
        env["TMPDIR"] = work
        root = os.path.join(work, "root")
        os.makedirs(os.path.join(root, "vfarcic"))
        make_repo(os.path.join(root, "vfarcic", "argocd-production.git"), 10, env)
        make_repo(os.path.join(root, "vfarcic", "short-history.git"), 10, env)
        t0 = time.perf_counter()
        make_repo(os.path.join(root, "vfarcic", "long-history.git"), 10000, env)
        t_import = time.perf_counter() - t0
        forge, port = start_forge(root, work, env)
        base = "http://127.0.0.1:%d" % port
        url = base + "/vfarcic/argocd-production.git"
        floor = os.path.join(work, "floor.sh")
        with open(floor, "w") as f:
            f.write(FLOOR)
        # the floor's git gets the token as pipeline-pr gives it
        import base64
        basic = base64.b64encode(("x-access-token:" + TOKEN).encode()).decode()
        fenv = dict(env, GR=GR, TEMPLATE=TEMPLATE, TOKEN=TOKEN,
                    GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="http.extraHeader",
                    GIT_CONFIG_VALUE_0="Authorization: Basic " + basic,
                    GIT_TERMINAL_PROMPT="0")
        penv = dict(env, GITHUB_TOKEN=TOKEN)
        ours, theirs = [], []
        # warm up both (page cache, forge-sim)
        timed(["sh", floor, url, "w0", base + "/api/v3"], fenv)
        timed([PPR, "--env-repo", url, "--forge", "github", "--template", TEMPLATE,
               "--app", "devops-toolkit", "--tag", "w1"], penv)
        for i in range(RUNS):
            # alternate, so that load on the machine hits both alike
            theirs.append(timed(["sh", floor, url, "f%d" % i, base + "/api/v3"], fenv))
            ours.append(timed([PPR, "--env-repo", url, "--forge", "github",
                               "--template", TEMPLATE, "--app", "devops-toolkit",
                               "--tag", "p%d" % i], penv))
        mo, mt = statistics.median(ours), statistics.median(theirs)
        print("release (clone, render, commit, push, open PR) over HTTP, median of %d:" % RUNS)
        print("  pipeline-pr %7.1f ms   shell script floor %7.1f ms   %.2fx (target <= 1.3x)"
              % (mo * 1000, mt * 1000, mo / mt))

        relay = Relay(port)
        rbase = "http://127.0.0.1:%d" % relay.port
        sizes = {}
        for name, n in (("short-history", 10), ("long-history", 10000)):
            relay.down = 0
            timed([PPR, "--env-repo", "%s/vfarcic/%s.git" % (rbase, name),
                   "--forge", "github", "--template", TEMPLATE, "--app",
                   "devops-toolkit", "--tag", "size1", "--dry-run"], penv)
            sizes[n] = relay.down
        full = os.path.join(work, "full")
        relay.down = 0
        subprocess.run(["git", "clone", "--quiet", "--bare",
                        rbase + "/vfarcic/long-history.git", full], env=env, check=True)
        print("clone transfer (bytes from the forge, a --dry-run release):")
        print("  10 commits %d B   10,000 commits %d B   %.2fx (target ~1.0x; a full clone: %d B)"
              % (sizes[10], sizes[10000], sizes[10000] / sizes[10], relay.down))
        print("  (the 10,000-commit repo built by git fast-import in %.2f s)" % t_import)
    finally:
        if forge:
            forge.send_signal(signal.SIGTERM)
            try:
                forge.wait(timeout=10)
            except subprocess.TimeoutExpired:
                forge.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
