#!/usr/bin/env python3
"""Independent interoperability client for a Swivel mobile-provisioning server.

It acts as the mobile app and an agent would: Site ID lookup, provision, security-string
download, an OTC login through Agent-XML, and a replay of that OTC, which must be refused.
It was written from /work/shared/protocol.md alone (§3 SS-3 and OTC-1, §9 "The default
wire profile, mobile-3.6"), without reading the project's Rust code, so that it checks
the reference server against the specification rather than against itself. The provision
code is obtained as an administrator would, through the harness's own control API (not
Swivel protocol). Standard library only, Python 3.11; only loopback hosts are contacted.

How CI runs it: start the reference server,
    swivel-harness serve --bind 127.0.0.1:PORT --control-bind 127.0.0.1:CPORT \\
        --control-token TOKEN
then run
    python3 .ci/interop_client.py --server http://127.0.0.1:PORT \\
        --control http://127.0.0.1:CPORT --token TOKEN --json interop.json
It prints one line per step (PASS/FAIL/SKIP name: detail) and exits 0 when every step
passed, 1 when a check failed, 2 on a usage error. `--self-test` checks the pure
functions (OTC, string layout, DOCTYPE refusal, XML escaping) without any network.
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

PROFILE = "mobile-3.6"
VERSION = "3.6"
MAX_BODY = 1024 * 1024
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
STRING_COUNT = 99
OTC_INDEX = 5
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


# ---------------------------------------------------------------- pure functions

def clip(text, limit=100):
    """Printable, bounded text for a report line."""
    text = "".join(c if c.isprintable() else "?" for c in str(text))
    return text if len(text) <= limit else text[:limit] + "..."


def mask(secret):
    return f"<{len(secret)} chars>"


def is_loopback(host):
    return (host or "").lower() in LOOPBACK_HOSTS


def loopback_url(url, option):
    """Validates a loopback http(s) URL given on the command line; ValueError if not."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{option} must be an http:// or https:// URL")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError(f"{option} must not carry credentials, a query or a fragment")
    if not is_loopback(parts.hostname):
        raise ValueError(f"{option}: only loopback hosts (127.0.0.1, ::1, localhost) "
                         f"are accepted, not {clip(parts.hostname or '')!r}")
    parts.port  # raises ValueError on a bad port
    return url.rstrip("/")


def xml_escape(value):
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&apos;"))


def sas_request(fields):
    """An Agent-XML request without prolog; a None value gives an empty element."""
    body = "".join(f"<{name}/>" if value is None else f"<{name}>{xml_escape(value)}</{name}>"
                   for name, value in fields)
    return f"<SASRequest>{body}</SASRequest>".encode("utf-8")


def parse_xml(body, root_tag):
    """Parses a reply, refusing DOCTYPE/ENTITY declarations (checked on the raw bytes)."""
    raw = body.replace(b"\x00", b"").upper()  # NUL removal also catches UTF-16/32 text
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
        desc = root.find("errorDescription")
        extra = f" ({clip(desc.text or '')})" if desc is not None else ""
        raise StepError(f"responseCode is {clip(code)!r}, expected 0{extra}")
    host = text_of(root, "SSDetails/hostname")
    port = text_of(root, "SSDetails/port")
    context = text_of(root, "SSDetails/connectionType")
    ssl = text_of(root, "SSDetails/usingSSL")
    if ssl not in ("YES", "NO"):
        raise StepError(f"usingSSL is {clip(ssl)!r}, expected YES or NO")
    if not HOST_RE.fullmatch(host):
        raise StepError(f"hostname {clip(host)!r} is not a host name or address")
    if not re.fullmatch(r"[0-9]{1,5}", port) or not 1 <= int(port) <= 65535:
        raise StepError(f"port {clip(port)!r} is not a port number")
    if not CONTEXT_RE.fullmatch(context) or ".." in context.split("/"):
        raise StepError(f"connectionType {clip(context)!r} is not a context path")
    scheme = "https" if ssl == "YES" else "http"
    host_part = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host_part}:{int(port)}/{context}"


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
    chars = []
    for digit in pin:
        position = 10 if digit == "0" else int(digit)
        if position > len(string):
            raise StepError(f"string has {len(string)} chars, the PIN needs position {position}")
        chars.append(string[position - 1])
    return "".join(chars) + f"{index:02d}"


# ---------------------------------------------------------------- HTTP

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
        deadline = time.monotonic() + self.timeout
        try:
            try:
                resp = self.opener.open(req, timeout=self.timeout)
            except urllib.error.HTTPError as err:
                err.close()
                return err.code, b""
            with resp:
                return resp.status, read_capped(resp, deadline)
        except TimeoutError:
            raise StepError(f"timed out after {self.timeout:g}s ({url})") from None
        except urllib.error.URLError as err:
            if isinstance(err.reason, TimeoutError):
                raise StepError(f"timed out after {self.timeout:g}s ({url})") from None
            raise StepError(f"cannot reach {url}: {clip(err.reason)}") from None
        except (OSError, http.client.HTTPException, ValueError) as err:
            raise StepError(f"transport error on {url}: {type(err).__name__} {clip(err)}") from None


def read_capped(resp, deadline):
    chunks, size = [], 0
    while chunk := resp.read1(65536):
        size += len(chunk)
        if size > MAX_BODY:
            raise StepError(f"reply body exceeds {MAX_BODY} bytes; refused")
        if time.monotonic() > deadline:
            raise StepError("reply took longer than the timeout")
        chunks.append(chunk)
    return b"".join(chunks)


def expect_xml(reply, root_tag):
    status, body = reply
    if status != 200:
        raise StepError(f"HTTP status {status}, expected 200")
    return parse_xml(body, root_tag)


def agent_xml(http, base, fields):
    """POSTs an Agent-XML request; returns (Result, root) with Result PASS or FAIL."""
    reply = http.request(f"{base}/AgentXML", data=sas_request(fields), method="POST",
                         headers={"Content-Type": "application/xml; charset=utf-8"})
    root = expect_xml(reply, "SASResponse")
    result = text_of(root, "Result")
    if result not in ("PASS", "FAIL"):
        raise StepError(f"<Result> is {clip(result)!r}, expected PASS or FAIL")
    return result, root


def error_of(root):
    element = root.find("Error")
    return clip((element.text or "").strip()) if element is not None else "(no <Error>)"


def control_headers(cfg):
    return {"Authorization": f"Bearer {cfg.token}", "Accept": "application/json"}


# ---------------------------------------------------------------- steps

def step_ssd_lookup(cfg, http):
    query = urllib.parse.urlencode({"id": cfg.site_id})
    root = expect_xml(http.request(f"{cfg.server}/ssdserver/getServerDetails?{query}"),
                      "getServerDetailsResponse")
    base = ssd_base_url(root)
    host = urllib.parse.urlsplit(base).hostname
    if not is_loopback(host):
        raise StepError(f"SSD names host {clip(host)!r}; only loopback hosts are contacted")
    return f"site {cfg.site_id} -> {base}", base


def step_reprovision(cfg, http):
    user = urllib.parse.quote(cfg.user, safe="")
    status, _ = http.request(f"{cfg.control}/control/users/{user}/reprovision", data=b"{}",
                             method="POST", headers={**control_headers(cfg),
                                                     "Content-Type": "application/json"})
    if status != 202:
        raise StepError(f"control API answered HTTP {status}, expected 202")
    return f"administrator reprovision of {cfg.user} accepted (202)", True


def step_outbox(cfg, http):
    query = urllib.parse.urlencode({"user": cfg.user})
    status, body = http.request(f"{cfg.control}/control/outbox?{query}",
                                headers=control_headers(cfg))
    if status != 200:
        raise StepError(f"control API answered HTTP {status}, expected 200")
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        raise StepError("outbox reply is not JSON") from None
    messages = doc.get("messages") if isinstance(doc, dict) else None
    if not isinstance(messages, list) or not messages:
        raise StepError(f"outbox holds no messages for {cfg.user}")
    code = messages[-1].get("code") if isinstance(messages[-1], dict) else None
    if not isinstance(code, str) or not code:
        raise StepError('newest outbox message has no "code"')
    return f"provision code {mask(code)} from the newest of {len(messages)} message(s)", code


def step_provision(cfg, http, base, code):
    result, root = agent_xml(http, base, [("Version", VERSION), ("Action", "provision"),
                                          ("Username", cfg.user), ("ProvisionCode", code)])
    if result != "PASS":
        raise StepError(f"Result FAIL, error {error_of(root)}")
    device = text_of(root, "Id")
    if not device:
        raise StepError("Result PASS but <Id> is empty")
    return f"PASS, device id {mask(device)}", device


def step_strings(cfg, http, base, device):
    result, root = agent_xml(http, base, [("Version", VERSION), ("Action", "SecurityStrings"),
                                          ("Id", device)])
    if result != "PASS":
        raise StepError(f"Result FAIL, error {error_of(root)}")
    element = root.find("SecurityStrings")
    if element is None:
        raise StepError("Result PASS but reply lacks <SecurityStrings>")
    positions = check_strings(element.text or "")
    return f"PASS, {STRING_COUNT} strings in the SS-3 layout (position i = index i)", positions


def step_make_otc(cfg, positions):
    if len(positions) <= OTC_INDEX:
        raise StepError(f"the reply has no position {OTC_INDEX}")
    otc = make_otc(positions[OTC_INDEX], cfg.pin, OTC_INDEX)
    return f"OTC {mask(otc)} from position {OTC_INDEX} (suffix not checked, as the app)", otc


def login_fields(cfg, otc):
    return [("Version", VERSION), ("Secret", cfg.secret), ("Action", "login"),
            ("Username", cfg.user), ("Password", None), ("OTC", otc)]


def step_login(cfg, http, base, otc):
    result, root = agent_xml(http, base, login_fields(cfg, otc))
    if result != "PASS":
        raise StepError(f"Result FAIL, error {error_of(root)}: the OTC of index "
                        f"{OTC_INDEX:02d} was refused")
    return f"PASS with the OTC of index {OTC_INDEX:02d}", True


def step_replay(cfg, http, base, otc):
    result, root = agent_xml(http, base, login_fields(cfg, otc))
    if result != "FAIL":
        raise StepError("the same OTC was accepted twice (OTC-1: a string authenticates once)")
    error = error_of(root)
    note = "" if error == EXPECTED_REPLAY_ERROR else f" (expected {EXPECTED_REPLAY_ERROR})"
    return f"FAIL as required, error {error}{note}", True


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
    positions = attempt(report, "security-strings", device, step_strings, cfg, http, base,
                        device)
    otc = attempt(report, "make-otc", positions, step_make_otc, cfg, positions)
    logged_in = attempt(report, "login", otc, step_login, cfg, http, base, otc)
    attempt(report, "otc-replay", logged_in, step_replay, cfg, http, base, otc)
    return report


# ---------------------------------------------------------------- self-test and CLI

def self_test():
    def raises(fn, *args):
        try:
            fn(*args)
        except StepError:
            return True
        return False

    good = ";".join([""] + [f"4918276305{i:02d}" for i in range(1, 100)])
    shifted = ";".join([f"4918276305{i:02d}" for i in range(1, 100)] + [""])
    ssd = (b"<getServerDetailsResponse><responseCode>0</responseCode><SSDetails>"
           b"<hostname>h</hostname><usingSSL>YES</usingSSL><pushSupport>NO</pushSupport>"
           b"<local>NO</local><pin>YES</pin><oath>NO</oath><port>8443</port>"
           b"<connectionType>proxy</connectionType></SSDetails></getServerDetailsResponse>")

    def ssd_root(data):
        return parse_xml(data, "getServerDetailsResponse")

    checks = {
        "OTC-1 example 3759 on 4918276305": lambda: make_otc("4918276305", "3759", 5) == "162005",
        "OTC index suffix": lambda: make_otc("4918276305", "3759", 42) == "162042",
        "OTC PIN digit 0 is the 10th char": lambda: make_otc("4918276305", "0", 7) == "507",
        "OTC string too short": lambda: raises(make_otc, "12345", "9", 1),
        "SS-3 good layout": lambda: len(check_strings(good)) == 100,
        "SS-3 shifted layout refused": lambda: raises(check_strings, shifted),
        "SS-3 missing position 0 refused": lambda: raises(check_strings, good[1:]),
        "SS-3 trailing separator refused": lambda: raises(check_strings, good + ";"),
        "SS-3 fault keeps positions": lambda: len(_catch(check_strings, shifted).value) == 100,
        "DOCTYPE refused": lambda: raises(
            parse_xml, b'<!DOCTYPE r [<!ENTITY e "x">]><SASResponse/>', "SASResponse"),
        "lower-case doctype refused": lambda: raises(
            parse_xml, b"<!doctype SASResponse><SASResponse/>", "SASResponse"),
        "UTF-16 DOCTYPE refused": lambda: raises(
            parse_xml, "<!DOCTYPE r><SASResponse/>".encode("utf-16"), "SASResponse"),
        "plain reply parsed": lambda: text_of(parse_xml(
            b"<SASResponse><Result>PASS</Result></SASResponse>", "SASResponse"),
            "Result") == "PASS",
        "wrong root refused": lambda: raises(parse_xml, b"<Other/>", "SASResponse"),
        "missing element refused": lambda: raises(
            text_of, parse_xml(b"<SASResponse/>", "SASResponse"), "Result"),
        "XML escaping": lambda: xml_escape("a&b<c>\"'") == "a&amp;b&lt;c&gt;&quot;&apos;",
        "provision request, no prolog": lambda: sas_request(
            [("Version", "3.6"), ("Action", "provision"), ("Username", "a&b"),
             ("ProvisionCode", "<1>")]) == (
            b"<SASRequest><Version>3.6</Version><Action>provision</Action>"
            b"<Username>a&amp;b</Username><ProvisionCode>&lt;1&gt;</ProvisionCode>"
            b"</SASRequest>"),
        "empty Password element": lambda: b"<Password/>" in sas_request([("Password", None)]),
        "SSD example base URL": lambda: ssd_base_url(ssd_root(ssd)) == "https://h:8443/proxy",
        "SSD usingSSL NO, IPv6 host": lambda: ssd_base_url(ssd_root(
            ssd.replace(b"YES</usingSSL>", b"NO</usingSSL>").replace(b">h<", b">::1<")
            .replace(b"8443", b"8080").replace(b"proxy", b"pinsafe")))
        == "http://[::1]:8080/pinsafe",
        "SSD non-zero responseCode refused": lambda: raises(ssd_base_url, ssd_root(
            ssd.replace(b"<responseCode>0", b"<responseCode>1"))),
        "SSD lower-case yes refused": lambda: raises(ssd_base_url, ssd_root(
            ssd.replace(b"YES</usingSSL>", b"yes</usingSSL>"))),
        "loopback URLs accepted": lambda: all(loopback_url(u, "--server") for u in (
            "http://127.0.0.1:1/", "http://[::1]:2", "https://LOCALHOST:3")),
        "non-loopback URL refused": lambda: all(_catch(loopback_url, u, "x") for u in (
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
    for name in failed:
        print(f"FAIL self-test: {name}")
    print(f"self-test: {len(checks) - len(failed)}/{len(checks)} checks passed")
    return 1 if failed else 0


def _catch(fn, *args):
    """The exception fn raises (StepError or ValueError), or None."""
    try:
        fn(*args)
    except (StepError, ValueError) as exc:
        return exc
    return None


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
    if not args.server or not args.control:
        p.error("--server and --control are required")
    args.token = args.token or os.environ.get("SWIVEL_CONTROL_TOKEN", "")
    if not re.fullmatch(r"[\x21-\x7e]+", args.token):
        p.error("--token (or SWIVEL_CONTROL_TOKEN) is required: printable ASCII, no spaces")
    if not re.fullmatch(r"[0-9]{1,10}", args.pin):
        p.error("--pin must be 1 to 10 digits")
    if not args.user or not args.site_id:
        p.error("--user and --site-id must not be empty")
    if not 0 < args.timeout <= 300:
        p.error("--timeout must be between 0 and 300 seconds")
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
        label = "SKIP" if step.skipped else "PASS" if step.ok else "FAIL"
        print(f"{label} {step.name}: {step.detail}")
    ok = all(step.ok for step in report)
    if args.json:
        summary = {"tool": "interop_client", "profile": PROFILE, "server": args.server,
                   "ok": ok, "steps": [asdict(step) for step in report]}
        try:
            with open(args.json, "w", encoding="utf-8") as out:
                json.dump(summary, out, indent=2)
                out.write("\n")
        except OSError as exc:
            print(f"error: cannot write --json {args.json}: {exc.strerror}", file=sys.stderr)
            return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
