#!/usr/bin/env python3
"""Checks a run's reports with tools outside the project.

- junit.xml is read with junitparser (a standard JUnit parser); its counts must match
  report.json.
- report.html is rendered by headless Chromium with a network log; the page must render
  its content and Chromium must not request anything but the file itself.

Usage: check_reports.py REPORT_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

from junitparser import JUnitXml, Failure, Error, Skipped


def check_junit(run_dir, report):
    xml = JUnitXml.fromfile(os.path.join(run_dir, "junit.xml"))
    cases = [case for suite in xml for case in suite]
    s = report["summary"]
    assert len(cases) == s["total"], (len(cases), s["total"])
    failures = sum(1 for c in cases for r in c.result if isinstance(r, Failure))
    errors = sum(1 for c in cases for r in c.result if isinstance(r, Error))
    skipped = sum(1 for c in cases for r in c.result if isinstance(r, Skipped))
    assert failures == s["fail"], (failures, s["fail"])
    assert errors == s["inconclusive"], (errors, s["inconclusive"])
    assert skipped == s["skipped"] + s["not_run"], (skipped, s)
    print(f"junit.xml: {len(cases)} testcases, {failures} failures, {errors} errors, {skipped} skipped: parsed by junitparser")


def page_requests(page):
    """Renders `page` in headless Chromium; returns (DOM, URLs the page itself requested).

    Chromium's own background traffic (update checks and the like) has no page origin as
    its initiator ("not an origin") and is left out; what the page loads is initiated by
    its file:// origin ("null").
    """
    with tempfile.TemporaryDirectory() as tmp:
        netlog = os.path.join(tmp, "netlog.json")
        cmd = [
            "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={tmp}/profile",
            f"--log-net-log={netlog}", "--net-log-capture-mode=Everything",
            "--virtual-time-budget=2000", "--dump-dom", "file://" + os.path.abspath(page),
        ]
        dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
        with open(netlog, encoding="utf-8", errors="replace") as f:
            log = json.load(f)
    type_names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    urls = set()
    for event in log["events"]:
        params = event.get("params") or {}
        if (
            type_names.get(event.get("type"), "") == "URL_REQUEST_START_JOB"
            and "url" in params
            and params.get("initiator") != "not an origin"
        ):
            urls.add(params["url"])
    return dom, sorted(urls)


def check_html(run_dir, report):
    # First prove the check can fail: a page with external resources must be caught.
    with tempfile.TemporaryDirectory() as tmp:
        control = os.path.join(tmp, "control.html")
        with open(control, "w", encoding="utf-8") as f:
            f.write('<html><body><img src="http://127.0.0.1:9/x.png">control</body></html>')
        _, caught = page_requests(control)
        assert caught == ["http://127.0.0.1:9/x.png"], f"the request check is blind: {caught}"
    dom, urls = page_requests(os.path.join(run_dir, "report.html"))
    assert report["run_id"] in dom, "the rendered page does not show the run id"
    for case in report["cases"][:5]:
        assert case["id"] in dom, f"the rendered page lacks case {case['id']}"
    assert not urls, f"report.html made requests: {urls}"
    print(f"report.html: rendered by headless Chromium ({len(dom)} bytes of DOM), no request made")


def main():
    run_dir = sys.argv[1]
    with open(os.path.join(run_dir, "report.json"), encoding="utf-8") as f:
        report = json.load(f)
    check_junit(run_dir, report)
    check_html(run_dir, report)


if __name__ == "__main__":
    main()
