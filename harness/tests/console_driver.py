#!/usr/bin/env python3
"""Drives the certify console through a whole plan in headless Chromium (Debian's), as a
tester would: it reads the emulated phone's screen on the page, types each OTC into the
OTC input, clicks the confirmation buttons, uploads one screenshot, and records every
request the page makes. Chromium is controlled over the DevTools protocol on a pipe
(--remote-debugging-pipe), so nothing but the standard library is needed.

Usage: console_driver.py CONSOLE_URL SCREENSHOT_PNG
Prints one JSON line with what it did; exits 1 when a check fails.
"""
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit

OTC = re.compile(r"^[0-9A-Za-z]{3,14}$")


class Chrome:
    def __init__(self, tmp):
        binary = shutil.which("chromium") or shutil.which("chromium-browser")
        if not binary:
            raise SystemExit("chromium is not installed (apt-get install chromium)")
        cmd_r, self.cmd_w = os.pipe()
        self.res_r, res_w = os.pipe()

        def wire_pipes():
            os.dup2(cmd_r, 100)
            os.dup2(res_w, 101)
            os.dup2(100, 3)
            os.dup2(101, 4)

        self.proc = subprocess.Popen(
            [
                binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions",
                "--window-size=1280,1600", f"--user-data-dir={tmp}/profile",
                "--remote-debugging-pipe", "about:blank",
            ],
            preexec_fn=wire_pipes, close_fds=False,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(cmd_r)
        os.close(res_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("no message from Chromium")
            ready, _, _ = select.select([self.res_r], [], [], left)
            if ready:
                chunk = os.read(self.res_r, 1 << 16)
                if not chunk:
                    raise EOFError("Chromium closed the pipe")
                self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, params=None, session=True, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def pump(self, seconds):
        deadline = time.time() + seconds
        try:
            while True:
                self.events.append(self._read_message(deadline))
        except TimeoutError:
            pass

    def open(self):
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = self.call(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, session=False
        )
        self.session = attached["sessionId"]
        for domain in ("Network.enable", "Page.enable", "Runtime.enable", "DOM.enable"):
            self.call(domain)

    def requested(self):
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]

    def js(self, expression):
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        return result.get("result", {}).get("value")

    def center(self, selector):
        box = self.js(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " if (!e) return null; e.scrollIntoView({block: 'center'});"
            " const r = e.getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2]; })()"
        )
        if not box:
            raise RuntimeError(f"{selector} is not on the page")
        return box

    def click(self, selector):
        x, y = self.center(selector)
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            )

    def type_into(self, selector, text):
        self.js(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.value = ''; e.focus(); }})()")
        self.call("Input.insertText", {"text": text})

    def answers(self):
        """The active step and how many answers the page lists for it."""
        return self.js(
            "[document.getElementById('active').dataset.step,"
            " document.querySelectorAll('#answers li').length]"
        )

    def answer(self, fill, button):
        """Types (if `fill` is a (selector, text) pair) and clicks `button` until the page
        lists one more answer: a click that landed while the page moved is tried again."""
        before = self.answers()
        for _ in range(4):
            if fill:
                self.type_into(*fill)
            self.click(button)
            for _ in range(30):
                now = self.answers()
                if now[0] != before[0] or now[1] > before[1]:
                    return
                time.sleep(0.1)
        raise SystemExit(f"clicking {button} recorded no answer")

    def upload(self, selector, path):
        root = self.call("DOM.getDocument")["root"]["nodeId"]
        node = self.call("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        self.call("DOM.setFileInputFiles", {"nodeId": node, "files": [path]})

    def close(self):
        try:
            self.call("Browser.close", session=False, timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


PAGE_STATE = """(() => {
  const v = (id) => { const e = document.getElementById(id); return e ? e : null; };
  const hidden = (id) => v(id).classList.contains('hidden');
  const p = v('phone');
  return {
    finished: document.body.dataset.finished === 'yes',
    active: v('active').dataset.step || '',
    phone_step: p.dataset.step || '', phone_ready: p.dataset.ready === 'yes',
    phone_seq: p.dataset.seq || '', screen: p.textContent,
    otc: !hidden('otc-box'), msg: !hidden('msg-box'),
    expected: v('message-expected').textContent,
    answers: Array.from(document.querySelectorAll('#answers li')).map((li) => li.textContent),
    qr: !hidden('qr-box') && v('qr').naturalWidth > 0,
  };
})()"""


def main():
    url, screenshot = sys.argv[1], sys.argv[2]
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(url))
    done = {"otcs_typed": 0, "no_otc": 0, "shown": 0, "other": 0, "screenshots": 0, "qr_seen": 0}
    with tempfile.TemporaryDirectory() as tmp:
        chrome = Chrome(tmp)
        try:
            chrome.open()
            # The request log must see a page's request, or its silence would mean nothing.
            chrome.call("Page.navigate", {"url": "data:text/html,<img src='http://127.0.0.1:9/x.png'>"})
            chrome.pump(1.5)
            if "http://127.0.0.1:9/x.png" not in chrome.requested():
                raise SystemExit(f"the request log is blind: {chrome.requested()}")
            chrome.events.clear()
            chrome.call("Page.navigate", {"url": url})
            last_seq = None
            qr_steps = set()
            deadline = time.time() + 240
            while time.time() < deadline:
                s = chrome.js(PAGE_STATE)
                if s is None:
                    time.sleep(0.2)
                    continue
                if os.environ.get("CONSOLE_DRIVER_DEBUG"):
                    with open(os.environ["CONSOLE_DRIVER_DEBUG"], "a") as log:
                        log.write(json.dumps(s) + "\n")
                if s["finished"]:
                    break
                if s["qr"] and s["active"] not in qr_steps:
                    qr_steps.add(s["active"])
                    done["qr_seen"] += 1
                # Level-triggered: whatever the phone shows for the active step and the
                # page does not list as answered yet is answered now.
                ready = s["phone_step"] == s["active"] and s["phone_ready"] and s["active"]
                listed = s["answers"]
                screen = s["screen"].strip()
                if ready and s["otc"] and s["phone_seq"] != last_seq:
                    if OTC.match(screen) and screen != s["expected"]:
                        if not any(a.endswith("the OTC " + screen) or ("the OTC " + screen + " ") in a for a in listed):
                            chrome.answer(("#otc", screen), "#otc-submit")
                            done["otcs_typed"] += 1
                    elif not any("no OTC" in a for a in listed):
                        chrome.answer(None, "#no-otc")
                        done["no_otc"] += 1
                    last_seq = s["phone_seq"]
                    continue
                answered = any(re.search(r"showed (the expected message|no message|\")", a) for a in listed)
                if ready and s["msg"] and not answered:
                    if s["active"] == "wrong-code" and done["screenshots"] == 0:
                        chrome.upload("#shot", screenshot)
                        chrome.click("#shot-upload")
                        for _ in range(50):
                            if "stored as" in (chrome.js("document.getElementById('shot-result').textContent") or ""):
                                done["screenshots"] += 1
                                break
                            time.sleep(0.1)
                    if screen == s["expected"]:
                        chrome.answer(None, "#msg-shown")
                        done["shown"] += 1
                    else:
                        chrome.answer(("#msg-text", screen), "#msg-other")
                        done["other"] += 1
                time.sleep(0.15)
            else:
                raise SystemExit("the run did not finish in time")
            chrome.pump(0.5)
            requested = chrome.requested()
            outside = [u for u in requested if not u.startswith(origin)]
            if outside:
                raise SystemExit(f"the console made requests outside {origin}: {outside}")
            done["requests"] = len(requested)
            done["dom_has_verdicts"] = bool(chrome.js("document.querySelectorAll('.v-PASS').length > 20"))
        finally:
            chrome.close()
    print(json.dumps(done))


if __name__ == "__main__":
    main()
