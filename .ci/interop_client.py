#!/usr/bin/env python3
"""Independent interoperability client for a Swivel mobile-provisioning server.

Acts as the mobile app and an agent would (Site ID lookup, provision, string download,
OTC login through Agent-XML, replay of that OTC), written from /work/shared/protocol.md
alone (§3 SS-3 and OTC-1, §9 "The default wire profile, mobile-3.6") without reading the
project's Rust code, so that it checks the reference server against the specification
rather than against itself. The provision code comes from the harness's own control API,
as an administrator would get it. Standard library only; only loopback hosts are contacted.

How CI runs it: start `swivel-harness serve --bind 127.0.0.1:PORT --control-bind
127.0.0.1:CPORT --control-token TOKEN`, then run `python3 .ci/interop_client.py --server
http://127.0.0.1:PORT --control http://127.0.0.1:CPORT --token TOKEN --json FILE`. It prints
one `PASS|FAIL|SKIP step: detail` line per step and exits 0 when all passed, 1 when a check
failed, 2 on a usage error. CI also runs it against `serve --wire-profile agentxml-3.6`
(the earlier spelling, which a real app cannot use), where it must exit non-zero.
`--self-test` checks the pure functions without any network.
"""
import argparse
import http.client
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass

PROFILE, VERSION = "mobile-3.6", "3.6"
MAX_BODY = 1024 * 1024
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
STRING_COUNT, OTC_INDEX = 99, 5
EXPECTED_REPLAY_ERROR = "AGENT_ERROR_BAD_OTC"
HOST_RE = re.compile(r"[A-Za-z0-9.-]+|[0-9A-Fa-f:.]+")
CONTEXT_RE = re.compile(r"[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]+)*")
USER_AGENT = "swivel-interop-client/1 (python stdlib)"


class StepError(Exception):
    """A failed check; `value` may carry a partial result that later steps can still use."""

    def __init__(self, message, value=None):
        super().__init__(message)
        self.value = value


@dataclass
class Step:
    name: str
    ok: bool
    detail: str
    skipped: bool = False


# ------------------------------------------------------------------ pure functions

def clip(text, limit=100):
    """Printable, bounded text for a report line."""
    text = "".join(c if c.isprintable() else "?" for c in str(text))
    return text if len(text) <= limit else text[:limit] + "..."


def mask(secret):
    return f"<{len(secret)} chars>"


def loopback_url(url, option):
    """A command-line URL: http(s), loopback host, no credentials; ValueError otherwise."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise ValueError(f"{option}: {exc}") from None
    if parts.scheme not in ("http", "https") or parts.username or parts.password \
            or parts.query or parts.fragment:
        raise ValueError(f"{option} must be a plain http:// or https:// URL")
    if (parts.hostname or "").lower() not in LOOPBACK_HOSTS:
        raise ValueError(f"{option}: only loopback hosts (127.0.0.1, ::1, localhost) are "
                         f"accepted, not {clip(parts.hostname or '')!r}")
    return url.rstrip("/")


def xml_escape(value):
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&apos;"))


def sas_request(fields):
    """An Agent-XML request without XML prolog; a None value gives an empty element."""
    body = "".join(f"<{name}/>" if value is None else f"<{name}>{xml_escape(value)}</{name}>"
                   for name, value in fields)
    return f"<SASRequest>{body}</SASRequest>".encode("utf-8")


def parse_xml(body, root_tag):
    """Parses a reply, refusing DOCTYPE/ENTITY declarations (checked on the raw bytes)."""
    raw = body.replace(b"\x00", b"").upper()  # dropping NULs also catches UTF-16/32 text
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise StepError("reply carries a DOCTYPE/ENTITY declaration; refused")
    try:
        root = ET.fromstring(body)
    except (ET.ParseError, ValueError) as exc:
        raise StepError(f"reply is not well-formed XML ({clip(exc)})") from None
    if root.tag != root_tag:
        raise StepError(f"reply root is <{clip(root.tag)}>, expected <{root_tag}>")
    return root


def text_of(root, path):
    element = root.find(path)
    if element is None:
        raise StepError(f"reply lacks <{path}>")
    return (element.text or "").strip()


def ssd_base_url(root):
    """Node base URL from a getServerDetailsResponse, built from exactly its values (§9)."""
    code = text_of(root, "responseCode")
    if code != "0":
        raise StepError(f"responseCode is {clip(code)!r}, expected 0")
    host, port, context, ssl = (text_of(root, f"SSDetails/{name}") for name in
                                ("hostname", "port", "connectionType", "usingSSL"))
    for name, value, valid in (
            ("usingSSL", ssl, ssl in ("YES", "NO")),
            ("hostname", host, HOST_RE.fullmatch(host)),
            ("port", port, re.fullmatch(r"[0-9]{1,5}", port) and 1 <= int(port) <= 65535),
            ("connectionType", context,
             CONTEXT_RE.fullmatch(context) and ".." not in context.split("/"))):
        if not valid:
            raise StepError(f"<{name}> {clip(value)!r} is not valid")
    host_part = f"[{host}]" if ":" in host else host
    return f"{'https' if ssl == 'YES' else 'http'}://{host_part}:{int(port)}/{context}"


def check_strings(text):
    """SS-3: 100 positions split on ';', position 0 empty, position i = 10 chars + 'ii'.
    Returns the positions; a layout fault raises StepError carrying them as its value."""
    positions = text.split(";")
    if len(positions) != STRING_COUNT + 1:
        raise StepError(f"{len(positions)} positions, expected {STRING_COUNT + 1}", positions)
    if positions[0] != "":
        raise StepError(f"position 0 is not empty ({len(positions[0])} chars)", positions)
    for i in range(1, STRING_COUNT + 1):
        if len(positions[i]) != 12 or not positions[i].endswith(f"{i:02d}"):
            raise StepError(f"position {i} is not 12 characters ending in {i:02d} "
                            f"({len(positions[i])} chars)", positions)
    return positions


def make_otc(string, pin, index):
    """OTC-1: characters at the PIN positions (digit 0 = 10th), then the two-digit index."""
    positions = [10 if digit == "0" else int(digit) for digit in pin]
    if max(positions) > len(string):
        raise StepError(f"string has {len(string)} chars; the PIN needs {max(positions)}")
    return "".join(string[p - 1] for p in positions) + f"{index:02d}"


# ------------------------------------------------------------------ HTTP

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx then surfaces as a non-200 status


@dataclass
class Http:
    opener: urllib.request.OpenerDirector
    timeout: float

    def request(self, url, data=None, headers=None, method=None):
        """Returns (status, body); transport faults, timeouts and oversize bodies raise."""
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={"User-Agent": USER_AGENT, **(headers or {})})
        deadline, late = time.monotonic() + self.timeout, f"timed out after {self.timeout:g}s"
        try:
            try:
                resp = self.opener.open(req, timeout=self.timeout)
            except urllib.error.HTTPError as err:  # a non-2xx status: body not needed
                err.close()
                return err.code, b""
            with resp:
                chunks, size = [], 0
                while chunk := resp.read1(65536):
                    size += len(chunk)
                    if size > MAX_BODY:
                        raise StepError(f"reply body exceeds {MAX_BODY} bytes; refused ({url})")
                    if time.monotonic() > deadline:
                        raise StepError(f"{late} ({url})")
                    chunks.append(chunk)
                return resp.status, b"".join(chunks)
        except TimeoutError:
            raise StepError(f"{late} ({url})") from None
        except urllib.error.URLError as err:
            if isinstance(err.reason, TimeoutError):
                raise StepError(f"{late} ({url})") from None
            raise StepError(f"cannot reach {url}: {clip(err.reason)}") from None
        except (OSError, http.client.HTTPException, ValueError) as err:
            raise StepError(f"transport error on {url}: {type(err).__name__} {clip(err)}") \
                from None

    def xml(self, url, root_tag, data=None):
        """GET (or POST an Agent-XML body) and parse a 200 reply with the given root."""
        headers = {"Content-Type": "application/xml; charset=utf-8"} if data else {}
        status, body = self.request(url, data, headers, "POST" if data else "GET")
        if status != 200:
            raise StepError(f"HTTP status {status}, expected 200")
        return parse_xml(body, root_tag)


def agent_xml(http, base, fields):
    """POSTs an Agent-XML request; returns (Result, Error text, root), Result PASS or FAIL."""
    root = http.xml(f"{base}/AgentXML", "SASResponse", sas_request(fields))
    result, error = text_of(root, "Result"), root.find("Error")
    if result not in ("PASS", "FAIL"):
        raise StepError(f"<Result> is {clip(result)!r}, expected PASS or FAIL")
    return result, "(no <Error>)" if error is None else clip((error.text or "").strip()), root


def control(http, cfg, path, data=None):
    """The harness's control API (JSON, bearer token): returns (status, body)."""
    headers = {"Authorization": f"Bearer {cfg.token}", "Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    return http.request(f"{cfg.control}/control/{path}", data, headers,
                        "GET" if data is None else "POST")


# ------------------------------------------------------------------ steps

def step_ssd_lookup(cfg, http):
    query = urllib.parse.urlencode({"id": cfg.site_id})
    base = ssd_base_url(http.xml(f"{cfg.server}/ssdserver/getServerDetails?{query}",
                                 "getServerDetailsResponse"))
    host = urllib.parse.urlsplit(base).hostname
    if host.lower() not in LOOPBACK_HOSTS:
        raise StepError(f"SSD names host {clip(host)!r}; only loopback hosts are contacted")
    return f"site {cfg.site_id} -> {base}", base


def step_reprovision(cfg, http):
    user = urllib.parse.quote(cfg.user, safe="")
    status, _ = control(http, cfg, f"users/{user}/reprovision", b"{}")
    if status != 202:
        raise StepError(f"control API answered HTTP {status}, expected 202")
    return f"administrator reprovision of {cfg.user} accepted (202)", True


def step_outbox(cfg, http):
    status, body = control(http, cfg, "outbox?" + urllib.parse.urlencode({"user": cfg.user}))
    if status != 200:
        raise StepError(f"control API answered HTTP {status}, expected 200")
    try:
        messages = json.loads(body)["messages"]
        code = messages[-1]["code"]
    except (ValueError, RecursionError, LookupError, TypeError):
        raise StepError('reply is not {"messages": [..., {"code": ...}]} JSON') from None
    if not isinstance(code, str) or not code:
        raise StepError('newest outbox message has no "code" string')
    return f"provision code {mask(code)} from the newest of {len(messages)} message(s)", code


def step_provision(cfg, http, base, code):
    result, error, root = agent_xml(http, base, [
        ("Version", VERSION), ("Action", "provision"), ("Username", cfg.user),
        ("ProvisionCode", code)])
    if result != "PASS":
        raise StepError(f"Result FAIL, error {error}")
    device = text_of(root, "Id")
    if not device:
        raise StepError("Result PASS but <Id> is empty")
    return f"PASS, device id {mask(device)}", device


def step_strings(cfg, http, base, device):
    result, error, root = agent_xml(http, base, [
        ("Version", VERSION), ("Action", "SecurityStrings"), ("Id", device)])
    if result != "PASS":
        raise StepError(f"Result FAIL, error {error}")
    element = root.find("SecurityStrings")
    if element is None:
        raise StepError("Result PASS but reply lacks <SecurityStrings>")
    check_strings(element.text or "")
    return f"PASS, {STRING_COUNT} strings in the SS-3 layout", element.text.split(";")


def step_make_otc(cfg, positions):
    if len(positions) <= OTC_INDEX:
        raise StepError(f"the reply has no position {OTC_INDEX}")
    otc = make_otc(positions[OTC_INDEX], cfg.pin, OTC_INDEX)
    return f"OTC {mask(otc)} from position {OTC_INDEX} (suffix not checked, as the app)", otc


def step_login(cfg, http, base, otc, replay=False):
    result, error, _ = agent_xml(http, base, [
        ("Version", VERSION), ("Secret", cfg.secret), ("Action", "login"),
        ("Username", cfg.user), ("Password", None), ("OTC", otc)])
    if replay and result != "FAIL":
        raise StepError("the same OTC was accepted twice (OTC-1: a string authenticates once)")
    if replay:
        note = "" if error == EXPECTED_REPLAY_ERROR else f" (expected {EXPECTED_REPLAY_ERROR})"
        return f"FAIL as required, error {error}{note}", True
    if result != "PASS":
        raise StepError(f"Result FAIL, error {error}: the OTC of index {OTC_INDEX:02d} refused")
    return f"PASS with the OTC of index {OTC_INDEX:02d}", True


def attempt(report, name, needs, fn, *args):
    """Runs one step and records it; returns its value (or a failure's partial value)."""
    if not needs:
        report.append(Step(name, False, "not run: a step it needs failed", skipped=True))
        return None
    try:
        detail, value = fn(*args)
    except StepError as exc:
        report.append(Step(name, False, str(exc)))
        return exc.value
    except Exception as exc:  # never a traceback: report it against the step
        report.append(Step(name, False, f"unexpected {type(exc).__name__}: {clip(exc)}"))
        return None
    report.append(Step(name, True, detail))
    return value


def run_checks(cfg, http):
    report = []
    base = attempt(report, "ssd-lookup", True, step_ssd_lookup, cfg, http)
    issued = attempt(report, "reprovision", base, step_reprovision, cfg, http)
    code = attempt(report, "outbox", issued, step_outbox, cfg, http)
    device = attempt(report, "provision", code, step_provision, cfg, http, base, code)
    strings = attempt(report, "security-strings", device, step_strings, cfg, http, base, device)
    otc = attempt(report, "make-otc", strings, step_make_otc, cfg, strings)
    passed = attempt(report, "login", otc, step_login, cfg, http, base, otc)
    attempt(report, "otc-replay", passed, step_login, cfg, http, base, otc, True)
    return report


# ------------------------------------------------------------------ self-test and CLI

def _catch(fn, *args):
    """The StepError or ValueError that fn raises, or None."""
    try:
        fn(*args)
    except (StepError, ValueError) as exc:
        return exc
    return None


def self_test():
    def refused(fn, *args):
        return isinstance(_catch(fn, *args), StepError)

    def ssd(**swap):
        values = {"code": "0", "host": "h", "ssl": "YES", "port": "8443", "ctx": "proxy", **swap}
        return parse_xml((
            "<getServerDetailsResponse><responseCode>{code}</responseCode><SSDetails>"
            "<hostname>{host}</hostname><usingSSL>{ssl}</usingSSL><pushSupport>NO</pushSupport>"
            "<port>{port}</port><connectionType>{ctx}</connectionType></SSDetails>"
            "</getServerDetailsResponse>").format(**values).encode(), "getServerDetailsResponse")

    good = ";".join([""] + [f"4918276305{i:02d}" for i in range(1, 100)])
    shifted = good[1:] + ";"  # position i holds index i + 1
    checks = {
        "OTC-1 example: PIN 3759 on 4918276305": lambda: make_otc("4918276305", "3759", 5)
        == "162005" and make_otc("4918276305", "3759", 42) == "162042",
        "OTC-1 PIN digit 0 is the 10th char": lambda: make_otc("4918276305", "0", 7) == "507",
        "OTC-1 string too short": lambda: refused(make_otc, "12345", "9", 1),
        "SS-3 good layout": lambda: len(check_strings(good)) == 100,
        "SS-3 shifted layout refused, positions kept": lambda: len(
            _catch(check_strings, shifted).value) == 100,
        "SS-3 missing position 0 refused": lambda: refused(check_strings, good[1:]),
        "DOCTYPE/ENTITY refused": lambda: all(refused(parse_xml, b, "SASResponse") for b in (
            b'<!DOCTYPE r [<!ENTITY e "x">]><SASResponse/>', b"<!doctype r><SASResponse/>",
            "<!DOCTYPE r><SASResponse/>".encode("utf-16"))),
        "plain reply parsed, wrong root refused": lambda: text_of(parse_xml(
            b"<SASResponse><Result>PASS</Result></SASResponse>", "SASResponse"), "Result")
        == "PASS" and refused(parse_xml, b"<Other/>", "SASResponse"),
        "XML escaping": lambda: xml_escape("a&b<c>\"'") == "a&amp;b&lt;c&gt;&quot;&apos;",
        "provision request without prolog": lambda: sas_request(
            [("Action", "provision"), ("Username", "a&b"), ("Password", None)])
        == b"<SASRequest><Action>provision</Action><Username>a&amp;b</Username>"
           b"<Password/></SASRequest>",
        "SSD example base URL": lambda: ssd_base_url(ssd()) == "https://h:8443/proxy",
        "SSD usingSSL NO, IPv6 host": lambda: ssd_base_url(ssd(
            ssl="NO", host="::1", port="8080", ctx="pinsafe")) == "http://[::1]:8080/pinsafe",
        "SSD faults refused": lambda: all(refused(ssd_base_url, ssd(**kw)) for kw in (
            {"code": "1"}, {"ssl": "yes"}, {"port": "0"}, {"ctx": "../x"}, {"host": "a/b"})),
        "loopback URLs accepted": lambda: all(loopback_url(u, "--server") for u in (
            "http://127.0.0.1:1/", "http://[::1]:2", "https://LOCALHOST:3")),
        "non-loopback URLs refused": lambda: all(_catch(loopback_url, u, "x") for u in (
            "http://example.com:1", "ftp://127.0.0.1", "http://u:p@127.0.0.1:1")),
        "masking shows length only": lambda: mask("1234567890") == "<10 chars>",
    }
    failed = []
    for name, check in checks.items():
        try:
            ok = check()
        except Exception:  # a crash is a failed check, not a traceback
            ok = False
        if not ok:
            failed.append(name)
            print(f"FAIL self-test: {name}")
    print(f"self-test: {len(checks) - len(failed)}/{len(checks)} checks passed")
    return 1 if failed else 0


def parse_args(argv):
    p = argparse.ArgumentParser(description="Swivel interop client (protocol.md §9, "
                                "profile mobile-3.6); loopback servers only.")
    p.add_argument("--server", help="server root, e.g. http://127.0.0.1:8080 (serves the SSD)")
    p.add_argument("--control", help="harness control API root, e.g. http://127.0.0.1:9090")
    p.add_argument("--token", help="control API token (default: $SWIVEL_CONTROL_TOKEN)")
    p.add_argument("--site-id", default="HARNESS01")
    p.add_argument("--user", default="alice")
    p.add_argument("--pin", default="3759")
    p.add_argument("--secret", default="swivel-harness-secret", help="Agent-XML agent secret")
    p.add_argument("--timeout", type=float, default=5.0, help="seconds per request")
    p.add_argument("--json", metavar="FILE", help="write a machine-readable summary")
    p.add_argument("--self-test", action="store_true", help="test pure functions, no network")
    args = p.parse_args(argv)
    if args.self_test:
        return args
    args.token = args.token or os.environ.get("SWIVEL_CONTROL_TOKEN", "")
    for bad, message in (
            (not args.server or not args.control, "--server and --control are required"),
            (not re.fullmatch(r"[\x21-\x7e]+", args.token),
             "--token (or SWIVEL_CONTROL_TOKEN) is required: printable ASCII, no spaces"),
            (not re.fullmatch(r"[0-9]{1,10}", args.pin), "--pin must be 1 to 10 digits"),
            (not args.user or not args.site_id, "--user and --site-id must not be empty"),
            (not 0 < args.timeout <= 300, "--timeout must be more than 0 and at most 300")):
        if bad:
            p.error(message)
    try:
        args.server = loopback_url(args.server, "--server")
        args.control = loopback_url(args.control, "--control")
    except ValueError as exc:
        p.error(str(exc))
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.self_test:
        return self_test()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())
    report = run_checks(args, Http(opener, args.timeout))
    for step in report:
        print(f"{'SKIP' if step.skipped else 'PASS' if step.ok else 'FAIL'} "
              f"{step.name}: {step.detail}")
    ok = all(step.ok for step in report)
    if args.json:
        summary = {"tool": "interop_client", "profile": PROFILE, "server": args.server,
                   "ok": ok, "steps": [asdict(step) for step in report]}
        try:
            with open(args.json, "w", encoding="utf-8") as out:
                out.write(json.dumps(summary, indent=2) + "\n")
        except OSError as exc:
            print(f"error: cannot write --json {args.json}: {exc.strerror}", file=sys.stderr)
            return 2
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # stdout closed early (e.g. piped to head): no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
