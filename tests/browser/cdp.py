# SPDX-License-Identifier: Apache-2.0
"""cdp: a small Chrome DevTools Protocol client for the browser tests.

It starts Debian's chromium headless with --remote-debugging-pipe (the
browser reads commands on fd 3 and writes answers and events on fd 4, each
message one JSON text ended by a NUL byte), so no port, no websocket and no
network are needed. A Page is one tab attached in flat mode (its sessionId
on every message). Nothing waits for the network to go idle (a page with an
open event stream never does): wait_for() polls an expression until it is
truthy or a deadline passes.
"""
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time


class CDPError(Exception):
    pass


def find_chromium():
    """The browser's path: $CHROMIUM, or chromium / chromium-browser on
    PATH, or None."""
    env = os.environ.get("CHROMIUM")
    if env and os.access(env, os.X_OK):
        return env
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


def _high(fd):
    """fd moved to a close-on-exec number of 10 or more."""
    n = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return n


class Browser:
    def __init__(self, chromium, width=1200, height=900):
        # /tmp, not $TMPDIR: the profile's socket path must stay under
        # the 108 bytes of a unix socket address
        self.tmp = tempfile.mkdtemp(prefix="cdp-", dir="/tmp")
        to_r, to_w = (_high(f) for f in os.pipe())
        from_r, from_w = (_high(f) for f in os.pipe())

        def child():
            os.dup2(to_r, 3)
            os.dup2(from_w, 4)

        args = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
                "--remote-debugging-pipe", "--user-data-dir=" + self.tmp + "/profile",
                "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--password-store=basic",
                "--use-mock-keychain", "--hide-scrollbars",
                "--window-size=%d,%d" % (width, height), "about:blank"]
        env = dict(os.environ)
        env.setdefault("HOME", self.tmp)
        env["TMPDIR"] = self.tmp
        self.log = open(os.path.join(self.tmp, "chromium.log"), "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log,
                                     preexec_fn=child, close_fds=False,
                                     env=env)
        os.close(to_r)
        os.close(from_w)
        self.wfd, self.rfd = to_w, from_r
        self.rbuf = b""
        self.next_id = 0
        self.events = []

    def _read_one(self, deadline):
        while b"\0" not in self.rbuf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError("timed out waiting for the browser")
            r, _, _ = select.select([self.rfd], [], [], left)
            if not r:
                continue
            chunk = os.read(self.rfd, 1 << 20)
            if not chunk:
                raise CDPError("the browser closed the pipe (log: %s)"
                               % self.log_tail())
            self.rbuf += chunk
        msg, self.rbuf = self.rbuf.split(b"\0", 1)
        return json.loads(msg)

    def log_tail(self):
        try:
            with open(os.path.join(self.tmp, "chromium.log"), "rb") as f:
                return f.read()[-1500:].decode("utf-8", "replace")
        except OSError:
            return ""

    def send(self, method, params=None, session=None, timeout=20):
        self.next_id += 1
        mid = self.next_id
        m = {"id": mid, "method": method, "params": params or {}}
        if session:
            m["sessionId"] = session
        data = json.dumps(m).encode() + b"\0"
        while data:
            data = data[os.write(self.wfd, data):]
        deadline = time.monotonic() + timeout
        while True:
            r = self._read_one(deadline)
            if r.get("id") == mid:
                if "error" in r:
                    raise CDPError("%s: %s" % (method, r["error"].get("message")))
                return r.get("result", {})
            if "method" in r:
                self.events.append(r)
                del self.events[:-2000]

    def problems(self):
        """The page errors seen so far: uncaught exceptions, and console
        or log errors about the Content Security Policy."""
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append(d.get("exception", {}).get("description")
                           or d.get("text"))
            elif m == "Log.entryAdded":
                t = p.get("entry", {}).get("text", "")
                if "Content Security Policy" in t or \
                        p.get("entry", {}).get("source") == "security":
                    out.append(t)
            elif m == "Runtime.consoleAPICalled" and p.get("type") == "error":
                out.append(" ".join(str(a.get("value", a.get("description")))
                                    for a in p.get("args", [])))
        return out

    def new_page(self, url="about:blank"):
        t = self.send("Target.createTarget", {"url": "about:blank"})
        s = self.send("Target.attachToTarget", {"targetId": t["targetId"],
                                                "flatten": True})
        p = Page(self, t["targetId"], s["sessionId"])
        p.send("Page.enable")
        p.send("Runtime.enable")
        p.send("Log.enable")
        if url != "about:blank":
            p.goto(url)
        return p

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except (CDPError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.wfd, self.rfd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class Page:
    def __init__(self, browser, target, session):
        self.b = browser
        self.target = target
        self.session = session

    def send(self, method, params=None, timeout=20):
        return self.b.send(method, params, self.session, timeout)

    def goto(self, url):
        r = self.send("Page.navigate", {"url": url})
        if r.get("errorText"):
            raise CDPError("navigate %s: %s" % (url, r["errorText"]))
        # the document, not the network: an event stream never idles
        self.wait_for("document.readyState === 'complete'", 15)

    def eval(self, expr):
        r = self.send("Runtime.evaluate", {"expression": expr,
                                           "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise CDPError("%s: %s" % (expr[:80], d.get("exception", {}).get(
                "description", d.get("text"))))
        return r.get("result", {}).get("value")

    def wait_for(self, expr, timeout=10):
        """Poll expr every 50 ms until truthy; its value, or None when the
        deadline passed."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                v = self.eval(expr)
            except CDPError:
                v = None
            if v:
                return v
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)

    def viewport(self, width, height, mobile=False, scale=1):
        self.send("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": scale,
            "mobile": mobile})

    def screenshot(self, path, full=True):
        params = {"format": "png", "captureBeyondViewport": full}
        if full:
            m = self.send("Page.getLayoutMetrics")
            size = m.get("cssContentSize") or m.get("contentSize")
            params["clip"] = {"x": 0, "y": 0, "width": size["width"],
                              "height": size["height"], "scale": 1}
        r = self.send("Page.captureScreenshot", params)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(base64.b64decode(r["data"]))
        os.replace(tmp, path)
