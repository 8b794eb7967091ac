#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""dash_test: the dashboard in a real browser (headless chromium over the
DevTools protocol, cdp.py), against rollouts-sim on its manual clock during
a live canary. Run by tests/e2e/kr-dashboard.sh, which starts the simulator
and the dashboards and passes:

  dash_test.py URL RO_URL SIM_BASE [SCREENSHOT_DIR]

URL is a dashboard with actions, RO_URL one under --read-only, SIM_BASE the
simulator (its clock and the Kubernetes API). Prints "ok - WHAT" or
"not ok - WHAT" per check (the script maps them to its own assertions);
exit 0 unless the browser could not be driven at all. With SCREENSHOT_DIR
it also writes dashboard-list.png and dashboard-rollout.png there.
"""
import json
import os
import signal
import subprocess
import sys
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402

RO = "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/"
FAILS = 0


def check(what, cond, detail=""):
    global FAILS
    if cond:
        print("ok - " + what, flush=True)
    else:
        FAILS += 1
        print("not ok - " + what + (" (%s)" % detail if detail else ""),
              flush=True)


def http(method, url, body=None, headers=None):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    req = urllib.request.Request(url, data=body, method=method,
                                 headers=headers or {})
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def rollout(sim, name):
    return json.loads(http("GET", sim + RO + name)[1])


def advance(sim, d):
    code, body = http("POST", sim + "/sim/v1/clock?advance=" + d)
    if code != 200:
        check("advance the clock " + d, False, body)


def set_image(sim, name, image):
    patch = {"spec": {"template": {"spec": {"containers": [
        {"name": name, "image": image}]}}}}
    code, body = http("PATCH", sim + RO + name, json.dumps(patch).encode(),
                      {"Content-Type": "application/merge-patch+json"})
    check("patch %s to %s" % (name, image), code == 200, body[:200])


def js(s):
    return json.dumps(s)


def text(sel):
    return ("(function(){var e=document.querySelector(%s);"
            "return e?e.textContent:''})()" % js(sel))


def main():
    url, ro_url, sim = sys.argv[1], sys.argv[2], sys.argv[3]
    shots = sys.argv[4] if len(sys.argv) > 4 else None
    chromium = cdp.find_chromium()
    if not chromium:
        print("SKIP: chromium is not installed")
        return 77
    b = cdp.Browser(chromium)
    try:
        run(b, url, ro_url, sim, shots)
    finally:
        b.close()
    return 0


def run(b, url, ro_url, sim, shots):
    p = b.new_page(url)
    # -------------------------------------------------------- the list
    rows = p.wait_for("document.querySelectorAll('#rows tr').length === 2 && "
                      "document.querySelector('[data-rollout=\"shop/web\"]') &&"
                      " document.querySelector('[data-rollout=\"shop/api\"]')"
                      " && document.querySelector('#rows').textContent", 10)
    check("the list shows the namespace's rollouts", rows and "Healthy" in rows,
          rows)
    check("the list has a labelled filter",
          p.eval("document.querySelector('label[for=filter]') !== null && "
                 "document.getElementById('filter') !== null"))
    p.eval("(function(){var f=document.getElementById('filter');f.value='api';"
           "f.dispatchEvent(new Event('input'));return 1})()")
    only = p.wait_for("document.querySelectorAll('#rows tr').length === 1 && "
                      "document.querySelector('#rows tr').dataset.rollout", 5)
    check("the filter keeps the matching rollout only", only == "shop/api", only)
    p.eval("(function(){var f=document.getElementById('filter');f.value='';"
           "f.dispatchEvent(new Event('input'));return 1})()")
    p.eval("window.__kept = 'same page'")

    # the canary starts: the list follows without a reload
    set_image(sim, "web", "example/web:2.0")
    st = p.wait_for("(function(){var r=document.querySelector("
                    "'[data-rollout=\"shop/web\"]');var t=r?r.textContent:'';"
                    "return /Progressing|Paused/.test(t)?t:''})()", 5)
    check("the list shows the canary start live", bool(st), st)
    check("the list was not reloaded", p.eval("window.__kept") == "same page")
    advance(sim, "5s")
    if shots:
        p.wait_for("/Paused/.test(%s)" % text('[data-rollout="shop/web"]'), 5)
        p.viewport(1000, 420)
        p.screenshot(os.path.join(shots, "dashboard-list.png"), full=False)
        p.send("Emulation.clearDeviceMetricsOverride")

    # -------------------------------------------------- a rollout page
    p.eval("document.getElementById('ro-shop/web').click()")
    at = p.wait_for("location.pathname.endsWith('/rollout/shop/web') && "
                    "document.getElementById('step') && " + text("#step"), 10)
    check("the link opens the rollout's page", at == "1/4", at)
    p.eval("window.__kept = 'rollout page'")
    cur = p.wait_for(text('#steps li[aria-current="step"]'), 5)
    check("the current step is marked", cur and cur.startswith("Pause 30s"),
          cur)
    check("the traffic weights are shown",
          p.eval(text("#set-weight")) == "25%" and
          p.eval(text("#actual-weight")) != "", p.eval(text("#weights")))
    frac = p.eval("(function(){var b=document.getElementById('set-bar');"
                  "return b.getBoundingClientRect().width/"
                  "b.parentNode.getBoundingClientRect().width})()")
    check("the set weight's bar is a quarter of its track",
          frac is not None and 0.2 < frac < 0.3, frac)
    imgs = p.eval(text("#images"))
    check("the images are shown with their roles",
          "example/web:2.0" in imgs and "canary" in imgs and
          "stable" in imgs, imgs)
    check("the revisions show ReplicaSets and pods",
          p.eval("document.querySelectorAll('section.revision').length") == 2
          and p.eval("document.querySelectorAll('table.pods tbody tr').length")
          >= 2)

    # the clock moves: the page follows to the next steps, no reload
    advance(sim, "30s")
    cur = p.wait_for("(function(){var t=%s;return /until promoted/.test(t)?t:''"
                     "})()" % text('#steps li[aria-current="step"]'), 5)
    check("the page follows the canary to its next step without a reload",
          bool(cur) and p.eval("window.__kept") == "rollout page",
          p.eval(text("#step")))
    check("the page shows the new weight",
          p.eval(text("#set-weight")) == "75%", p.eval(text("#weights")))
    check("the page shows the pause",
          "Paused" in p.eval(text("#status")), p.eval(text("#status")))
    if shots:
        p.viewport(1000, 1400)
        p.screenshot(os.path.join(shots, "dashboard-rollout.png"), full=False)
        p.send("Emulation.clearDeviceMetricsOverride")

    # promote: the button, the write command's message, the page follows
    p.eval("document.getElementById('act-promote').click()")
    msg = p.wait_for("(function(){var t=%s;return /promoted/.test(t)?t:''})()"
                     % text("#toast"), 10)
    check("the promote button promotes the paused rollout",
          msg == "rollout 'web' promoted", msg)
    advance(sim, "10s")
    done = p.wait_for("/Healthy/.test(%s) && %s === '4/4'"
                      % (text("#status"), text("#step")), 10)
    check("the page shows the promoted rollout Healthy at 4/4", bool(done),
          p.eval(text("#status")) + " " + p.eval(text("#step")))

    # abort asks first: cancel leaves it, confirm aborts
    set_image(sim, "web", "example/web:3.0")
    advance(sim, "5s")
    p.wait_for("/Paused/.test(%s)" % text("#status"), 10)
    p.eval("document.getElementById('act-abort').click()")
    asked = p.wait_for("document.getElementById('confirm').open && " +
                       text("#confirm-text"), 5)
    check("abort asks for confirmation", asked and "Abort web" in asked, asked)
    check("the question has the focus on Cancel",
          p.eval("document.activeElement.id") == "confirm-cancel")
    p.eval("document.getElementById('confirm-cancel').click()")
    check("cancel leaves the rollout alone",
          not p.eval("document.getElementById('confirm').open") and
          not rollout(sim, "web").get("status", {}).get("abort"))
    p.eval("document.getElementById('act-abort').click()")
    p.wait_for("document.getElementById('confirm').open", 5)
    p.eval("document.getElementById('confirm-ok').click()")
    msg = p.wait_for("(function(){var t=%s;return /aborted/.test(t)?t:''})()"
                     % text("#toast"), 10)
    check("confirming aborts", msg == "rollout 'web' aborted", msg)
    shown = p.wait_for("/Degraded/.test(%s)" % text("#status"), 10)
    check("the page shows the aborted rollout", bool(shown),
          p.eval(text("#status")))
    check("the API saw the abort",
          rollout(sim, "web").get("status", {}).get("abort") is True)

    # keyboard: the buttons are reachable with Tab
    p.eval("document.body.focus()")
    seen = set()
    for _ in range(40):
        p.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": "Tab",
                                          "code": "Tab",
                                          "windowsVirtualKeyCode": 9})
        p.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": "Tab",
                                          "code": "Tab",
                                          "windowsVirtualKeyCode": 9})
        seen.add(p.eval("document.activeElement.id"))
    check("Tab reaches the action buttons",
          {"act-promote", "act-abort"} <= seen, sorted(seen))

    # ---------------------------------------------------- read-only mode
    q = b.new_page(ro_url + "rollout/shop/api")
    ok = q.wait_for("document.getElementById('step') && " + text("#status"), 10)
    check("the read-only page shows the rollout", ok and "Healthy" in ok, ok)
    check("the read-only page has no action buttons",
          q.eval("document.querySelectorAll('button[id^=act-]').length") == 0)
    r = q.eval("fetch(%s, {method: 'PUT', headers: {'X-CSRF-Token': "
               "document.documentElement.dataset.csrf}}).then(function(r){"
               "return r.status})" % js(ro_url + "api/v1/rollouts/shop/api/"
                                        "promote"))
    check("the read-only dashboard refuses a PUT from its own page", r == 403,
          r)

    probs = b.problems()
    check("no script error and no Content Security Policy violation",
          not probs, "; ".join(str(x) for x in probs)[:500])

    resync(b, sim)


def dashboard(port=0):
    """A dashboard of our own (KUBECTL_ROLLOUTS, KUBECONFIG from the
    environment); the process and its URL."""
    d = subprocess.Popen([os.environ["KUBECTL_ROLLOUTS"], "dashboard", "-n",
                          "shop", "-p", str(port)], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    return d, d.stdout.readline().strip()


def stop(d):
    d.send_signal(signal.SIGTERM)
    try:
        return d.wait(timeout=10)
    except subprocess.TimeoutExpired:
        d.kill()
        return d.wait()


def resync(b, sim):
    """The dashboard goes away and comes back on its port: the open page
    says it is reconnecting, then shows what changed meanwhile, without a
    reload."""
    if not os.environ.get("KUBECTL_ROLLOUTS"):
        return
    d, url = dashboard()
    port = int(url.split(":")[2].split("/")[0])
    p = b.new_page(url + "rollout/shop/api")
    ok = p.wait_for("/Healthy/.test(%s)" % text("#status"), 10)
    check("a third dashboard's page shows api", bool(ok))
    p.eval("window.__kept = 'before the restart'")
    rc = stop(d)
    check("the dashboard stops with 0 while a page is open", rc == 0, rc)
    down = p.wait_for("(function(){var c=document.getElementById('conn');"
                      "return /reconnecting/.test(c.textContent)})()", 10)
    check("the page says it is reconnecting", bool(down))
    set_image(sim, "api", "example/api:9.9")
    d, url = dashboard(port)
    try:
        img = p.wait_for("(function(){var t=%s;return /api:9\\.9/.test(t)?t:''"
                         "})()" % text("#images"), 15)
        check("after the restart the page resyncs by itself (no reload)",
              bool(img) and p.eval("window.__kept") == "before the restart",
              p.eval(text("#images")))
        live = p.wait_for("document.getElementById('conn').textContent === "
                          "'live'", 5)
        check("the page says it is live again", bool(live))
    finally:
        stop(d)


if __name__ == "__main__":
    sys.exit(main())
