#!/usr/bin/env python3
"""Checks a run's reports with tools outside the project.

- junit.xml is read with junitparser (a standard JUnit parser); its counts must match
  report.json.
- report.html is rendered by headless Chromium with a network log; the page must render
  its content and Chromium must not request anything but the file itself.
- With --load: a load run's load-report.html (its charts must render) and goose's
  report.html (rewritten by the harness) are rendered the same way, and neither may
  request anything. A copy of goose's page with its CDN script put back must be caught,
  which shows the check would see the page as goose wrote it.
- With --compare: a `report compare --out` directory's compare.html, likewise.
- With --explore: an `explore` report directory: explore-junit.xml read with junitparser
  (one testcase per rule; failures and errors must match the findings in explore.json)
  and explore.html rendered like the others.

Usage: check_reports.py REPORT_DIR | --load LOAD_RUN_DIR | --compare COMPARE_DIR
       | --explore EXPLORE_DIR
"""
import json
import os
import subprocess
import sys
import tempfile


def check_junit(run_dir, report):
    from junitparser import JUnitXml, Failure, Error, Skipped

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


def prove_the_check_can_fail():
    """A page with an external resource must be caught."""
    with tempfile.TemporaryDirectory() as tmp:
        control = os.path.join(tmp, "control.html")
        with open(control, "w", encoding="utf-8") as f:
            f.write('<html><body><img src="http://127.0.0.1:9/x.png">control</body></html>')
        _, caught = page_requests(control)
        assert caught == ["http://127.0.0.1:9/x.png"], f"the request check is blind: {caught}"


def check_html(run_dir, report):
    prove_the_check_can_fail()
    dom, urls = page_requests(os.path.join(run_dir, "report.html"))
    assert report["run_id"] in dom, "the rendered page does not show the run id"
    for case in report["cases"][:5]:
        assert case["id"] in dom, f"the rendered page lacks case {case['id']}"
    assert not urls, f"report.html made requests: {urls}"
    print(f"report.html: rendered by headless Chromium ({len(dom)} bytes of DOM), no request made")


GOOSE_CDN = '<script src="https://cdn.jsdelivr.net/npm/echarts@5.2.2/dist/echarts.min.js"></script>'


def check_load(run_dir):
    prove_the_check_can_fail()
    with open(os.path.join(run_dir, "swivel-load-summary.json"), encoding="utf-8") as f:
        summary = json.load(f)
    page = os.path.join(run_dir, "load-report.html")
    dom, urls = page_requests(page)
    assert not urls, f"load-report.html made requests: {urls}"
    assert summary["run_id"] in dom, "load-report.html does not show the run id"
    charts = dom.count("<svg")
    assert charts >= 4, f"load-report.html rendered {charts} charts"
    assert "<polyline" in dom, "load-report.html draws no line"
    for t in summary["figures"]["transactions"]:
        assert t["name"].replace("&", "&amp;").replace("<", "&lt;") in dom, f"no row for {t['name']}"
    print(f"load-report.html: rendered by headless Chromium ({len(dom)} bytes of DOM, {charts} charts), no request made")

    goose = os.path.join(run_dir, "report.html")
    dom, urls = page_requests(goose)
    assert not urls, f"goose's report.html made requests: {urls}"
    assert "Goose Attack Report" in dom, "goose's report.html did not render"
    assert "load-report.html" in dom, "goose's chart boxes do not point at load-report.html"
    # The page as goose wrote it (its CDN script, none of the harness's additions) must
    # be caught: otherwise this check could not tell the rewrite from no rewrite.
    with open(goose, encoding="utf-8") as f:
        html = f.read()
    start = html.index('<meta http-equiv="Content-Security-Policy"')
    end = html.index("</script>", start) + len("</script>")
    original = html[:start] + GOOSE_CDN + html[end:]
    with tempfile.TemporaryDirectory() as tmp:
        control = os.path.join(tmp, "goose-as-written.html")
        with open(control, "w", encoding="utf-8") as f:
            f.write(original)
        _, caught = page_requests(control)
    assert any("cdn.jsdelivr.net" in u for u in caught), f"goose's CDN request was not seen: {caught}"
    print("goose report.html: rendered by headless Chromium, no request made (as goose wrote it, it requests cdn.jsdelivr.net)")


def check_compare(out_dir):
    prove_the_check_can_fail()
    with open(os.path.join(out_dir, "compare.json"), encoding="utf-8") as f:
        comparison = json.load(f)
    dom, urls = page_requests(os.path.join(out_dir, "compare.html"))
    assert not urls, f"compare.html made requests: {urls}"
    verdict = "PASS" if comparison["passed"] else "FAIL"
    assert f"comparison: {verdict}" in dom, "compare.html does not show its verdict"
    print(f"compare.html ({comparison['kind']}, {verdict}): rendered by headless Chromium, no request made")


def check_explore(out_dir):
    from junitparser import JUnitXml, Failure, Error

    prove_the_check_can_fail()
    with open(os.path.join(out_dir, "explore.json"), encoding="utf-8") as f:
        report = json.load(f)
    xml = JUnitXml.fromfile(os.path.join(out_dir, "explore-junit.xml"))
    cases = {case.name: case for suite in xml for case in suite}
    rules = set(report["coverage"]) | {f["rule"] for f in report["findings"]}
    assert set(cases) == rules, (sorted(cases), sorted(rules))
    confirmed = {f["rule"] for f in report["findings"] if f["status"] == "confirmed"}
    inconclusive = {f["rule"] for f in report["findings"]} - confirmed
    failed = {n for n, c in cases.items() if any(isinstance(r, Failure) for r in c.result)}
    errors = {n for n, c in cases.items() if any(isinstance(r, Error) for r in c.result)}
    assert failed == confirmed, (failed, confirmed)
    assert errors == inconclusive, (errors, inconclusive)
    dom, urls = page_requests(os.path.join(out_dir, "explore.html"))
    assert not urls, f"explore.html made requests: {urls}"
    assert f"seed {report['seed']}" in dom, "explore.html does not show its seed"
    for f in report["findings"]:
        assert f["kind"].replace("&", "&amp;").replace("<", "&lt;") in dom, f"explore.html lacks finding {f['kind']}"
    print(f"explore-junit.xml: {len(cases)} rules, {len(failed)} failing, {len(errors)} inconclusive: parsed by junitparser; "
          f"explore.html: rendered by headless Chromium ({len(dom)} bytes of DOM), no request made")


def main():
    if sys.argv[1] == "--explore":
        check_explore(sys.argv[2])
        return
    if sys.argv[1] == "--load":
        check_load(sys.argv[2])
        return
    if sys.argv[1] == "--compare":
        check_compare(sys.argv[2])
        return
    run_dir = sys.argv[1]
    with open(os.path.join(run_dir, "report.json"), encoding="utf-8") as f:
        report = json.load(f)
    check_junit(run_dir, report)
    check_html(run_dir, report)


if __name__ == "__main__":
    main()
