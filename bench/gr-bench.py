#!/usr/bin/env python3
"""Benchmark gitops-render against named baselines, in one run.

  bench/gr-bench.py [BUILD_DIR] [--runs=N] [--size-mb=N] [--kyml]

Generates a multi-document manifest (default 100 MB: Argo CD Applications
with the placeholder inside their Helm values block, Deployments with it in
an unquoted image, ConfigMaps with it in double quotes: a placeholder in
every document) and measures, median of N runs (default 3), wall time and
peak RSS (GNU time):

1. layout-preserving `gitops-render -v IMAGE_TAG=...` against libyaml's own
   parse of the same input (a small C program looping yaml_parser_parse(),
   built here with cc): the floor for a renderer that validates. Target:
   within 1.5x.
2. the same against GNU `envsubst` on the same text with ${IMAGE_TAG}
   (which validates nothing). Target: within 4x.
3. memory bounded by the largest document, not the input: peak RSS on the
   full input against a tenth of it. Target: about the same.
--kyml adds the canonical mode (which holds the whole stream) for reference.

Ratios are ours / baseline: below the target means met.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = [a for a in sys.argv[1:] if not a.startswith("--")]
BUILD = args[0] if args else os.path.join(TOP, "build")
RUNS = 3
SIZE_MB = 100
KYML = False
for a in sys.argv[1:]:
    if a.startswith("--runs="):
        RUNS = int(a.split("=", 1)[1])
    elif a.startswith("--size-mb="):
        SIZE_MB = int(a.split("=", 1)[1])
    elif a == "--kyml":
        KYML = True
GR = os.path.join(BUILD, "plugins", "gitops-render", "gitops-render")
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
TAG = "ef19bd2"

PARSE_C = r"""
#include <stdio.h>
#include <yaml.h>
int main(int argc, char **argv)
{
	FILE *f = fopen(argv[1], "rb");
	yaml_parser_t p;
	yaml_event_t ev;
	long n = 0;
	if (!f || !yaml_parser_initialize(&p))
		return 2;
	yaml_parser_set_input_file(&p, f);
	for (;;) {
		if (!yaml_parser_parse(&p, &ev)) {
			fprintf(stderr, "parse error: %s\n", p.problem);
			return 1;
		}
		int t = ev.type;
		yaml_event_delete(&ev);
		n++;
		if (t == YAML_STREAM_END_EVENT)
			break;
	}
	yaml_parser_delete(&p);
	fclose(f);
	printf("%ld events\n", n);
	return 0;
}
"""

APP = """---
# production Application {i}, rendered by the pipeline
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: app-{i}
  namespace: argocd
  finalizers:
    - resources-finalizer.argocd.argoproj.io
spec:
  project: production
  source:
    path: helm
    repoURL: https://git.example.com/team/app-{i}.git
    targetRevision: HEAD
    helm:
      values: |
        image:
          repository: registry.example.com/team/app-{i}
          tag: {ph}
        ingress:
          host: app-{i}.example.com
      version: v3
  destination:
    namespace: production
    server: https://kubernetes.default.svc
  syncPolicy:
    automated:
      selfHeal: true
      prune: true
"""

DEPLOY = """---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-{i}
  labels: {{app: web-{i}, tier: frontend}}
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web-{i}
  template:
    metadata:
      labels:
        app: web-{i}
    spec:
      containers:
      - name: web
        image: registry.example.com/web:{ph}
        ports:
        - containerPort: 8080
        resources:
          limits: {{cpu: 500m, memory: 256Mi}}
"""

CM = """---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings-{i}
data:
  release: "{ph}"
  region: eu-west-1
  greeting: 'hello, world'
"""


def generate(path, size, placeholder):
    """Documents until size bytes, each with one placeholder."""
    written, i = 0, 0
    kinds = (APP, DEPLOY, CM)
    with open(path, "w") as f:
        while written < size:
            doc = kinds[i % 3].format(i=i, ph=placeholder)
            f.write(doc)
            written += len(doc)
            i += 1
    return i


def run(cmd, env=None):
    """Wall seconds and peak RSS (KiB) of one run; output discarded."""
    rss_file = os.path.join(TMP, "rss")
    full = [GNU_TIME, "-f", "%M", "-o", rss_file] + cmd if GNU_TIME else cmd
    t0 = time.perf_counter()
    p = subprocess.run(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"gr-bench: error: {' '.join(cmd[:3])}... exited {p.returncode}: "
                         f"{p.stderr.decode(errors='replace').strip()[:300]}")
    rss = int(open(rss_file).read().split()[-1]) if GNU_TIME else 0
    return dt, rss


def measure(cmd, env=None, stdin_file=None):
    ts, rss = [], []
    for _ in range(RUNS):
        if stdin_file:
            c = ["sh", "-c", 'exec "$0" "$@" < ' + shlex_quote(stdin_file)] + cmd
        else:
            c = cmd
        t, r = run(c, env)
        ts.append(t)
        rss.append(r)
    ts.sort()
    rss.sort()
    return ts[len(ts) // 2], rss[len(rss) // 2]


def shlex_quote(s):
    return "'" + s.replace("'", "'\"'\"'") + "'"


def show(what, ours, base_name, base, target, limit):
    ratio = ours[0] / base[0]
    verdict = "met" if ratio <= limit else "MISSED"
    print(f"{what:<34} ours {ours[0]*1000:8.1f} ms {ours[1]/1024:6.1f} MiB   "
          f"{base_name} {base[0]*1000:8.1f} ms {base[1]/1024:6.1f} MiB   "
          f"ratio {ratio:5.2f}x  (target {target}: {verdict})")


def main():
    global TMP
    if not os.access(GR, os.X_OK):
        raise SystemExit(f"gr-bench: error: '{GR}' is not built (run ninja -C {BUILD})")
    envsubst = shutil.which("envsubst")
    if not envsubst:
        raise SystemExit("gr-bench: error: GNU envsubst is not installed; it is in the "
                         "gettext-base package (apt-get install gettext-base)")
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        raise SystemExit("gr-bench: error: no C compiler (cc) to build the libyaml baseline")
    TMP = tempfile.mkdtemp(prefix="gr-bench.")
    try:
        src = os.path.join(TMP, "parse.c")
        exe = os.path.join(TMP, "libyaml-parse")
        open(src, "w").write(PARSE_C)
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "yaml-0.1"],
                               capture_output=True, text=True).stdout.split() or ["-lyaml"]
        subprocess.run([cc, "-O2", "-o", exe, src] + flags, check=True)

        size = SIZE_MB * 1024 * 1024
        big = os.path.join(TMP, "manifest.yaml")
        small = os.path.join(TMP, "manifest-tenth.yaml")
        env_in = os.path.join(TMP, "manifest.envsubst")
        ndocs = generate(big, size, "{{.IMAGE_TAG}}")
        generate(small, size // 10, "{{.IMAGE_TAG}}")
        generate(env_in, size, "${IMAGE_TAG}")
        print(f"input: {os.path.getsize(big)/1048576:.1f} MiB, {ndocs} documents, "
              f"one placeholder each; median of {RUNS} runs")

        # sanity: the render is byte-identical except the placeholders
        out = subprocess.run([GR, "-v", "IMAGE_TAG=" + TAG, small], capture_output=True)
        want = open(small, "rb").read().replace(b"{{.IMAGE_TAG}}", TAG.encode())
        if out.returncode != 0 or out.stdout != want:
            raise SystemExit("gr-bench: error: the render is not the input with the "
                             "placeholders replaced")

        env = dict(os.environ, IMAGE_TAG=TAG)
        base = measure([exe, big])
        ours = measure([GR, "-v", "IMAGE_TAG=" + TAG, big])
        show("gitops-render vs libyaml parse", ours, "libyaml", base, "<= 1.5x", 1.5)
        es = measure([envsubst], env=env, stdin_file=env_in)
        show("gitops-render vs GNU envsubst", ours, "envsubst", es, "<= 4x", 4.0)
        tenth = measure([GR, "-v", "IMAGE_TAG=" + TAG, small])
        grow = ours[1] / tenth[1] if tenth[1] else 0
        print(f"{'peak RSS, full vs a tenth':<34} ours {ours[1]/1024:6.1f} MiB on "
              f"{SIZE_MB} MB, {tenth[1]/1024:6.1f} MiB on {SIZE_MB/10:g} MB   "
              f"ratio {grow:5.2f}x  (target: bounded by the largest document: "
              f"{'met' if grow < 1.5 else 'MISSED'})")
        if KYML:
            k = measure([GR, "--kyml", "-v", "IMAGE_TAG=" + TAG, big])
            print(f"{'--kyml (whole stream, reference)':<34} ours {k[0]*1000:8.1f} ms "
                  f"{k[1]/1024:6.1f} MiB")
    finally:
        shutil.rmtree(TMP, ignore_errors=True)


TMP = None
if __name__ == "__main__":
    main()
