"""Browser tests: the real app in a subprocess, driven by Debian's Chromium through Playwright.

The server gets its own SQLite database, instance folder and mail folder under a temporary
directory, is migrated and loaded with the demo city (`flask db upgrade`, `flask decide demo`)
before it starts, and is stopped by its own pid at the end of the session. E-mail is delivered
with `flask decide deliver`, which writes .eml files the tests read.

Every page a test visits goes through `check_page`: axe-core at 1280x800 and 360x740 (any WCAG
2.0/2.1 A or AA violation fails the test), no horizontal scrolling on the phone, and a
full-page screenshot at both sizes in tests/e2e/screenshots/ (gitignored) for a human to look at.

Without /usr/bin/chromium, playwright or axe-core these tests are skipped, except in CI
(CI=true), where that is a failure.
"""

import email
import email.policy
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from email.message import EmailMessage
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLASK = ROOT / ".venv" / "bin" / "flask"
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"

# ../shared/BROWSER.md: without the background-networking flags Chromium keeps trying to reach
# outside hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}

# Demo accounts (decide/demo.py, README.md).
ADMIN = ("admin@decide.example", "harbour-lantern-orchard-42")
RESIDENT = ("maria@decide.example", "river-bicycle-garden")


def pytest_collection_modifyitems(items):
    # Every test in this folder drives a browser; `make test` leaves them out of the
    # PostgreSQL run with -m "not e2e". The modules say so too; this makes it impossible
    # to forget in a new one.
    here = Path(__file__).resolve().parent
    for item in items:
        if here in item.path.resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _missing(what: str) -> None:
    """Skip when a browser tool is missing; in CI that is a failure."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI needs {what} for the browser tests.", pytrace=False)
    pytest.skip(f"{what} is missing; the browser tests are skipped.")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    mail_dir: Path
    log: Path
    delivered: set[Path] = field(default_factory=set)
    log_read: int = 0

    def assert_no_server_errors(self) -> None:
        """Fail on any traceback the server logged since the last check (a 500, a crash)."""
        with self.log.open() as log:
            log.seek(self.log_read)
            new = log.read()
            self.log_read = log.tell()
        assert "Traceback" not in new, f"the server logged an error:\n{new}"

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(FLASK), "--app", "wsgi", *args]
        done = subprocess.run(command, cwd=ROOT, env=self.env, capture_output=True, text=True,
                              timeout=120)
        if done.returncode:
            pytest.fail(f"`flask {' '.join(args)}` failed ({done.returncode}):\n"
                        f"{done.stdout}\n{done.stderr}", pytrace=False)
        return done

    def deliver(self, to: str) -> list[EmailMessage]:
        """Run the delivery worker once; the messages to `to` written since the last call."""
        self.flask("decide", "deliver")
        messages = []
        for path in sorted(self.mail_dir.glob("*.eml")):
            if path in self.delivered:
                continue
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if message["To"] == to:
                self.delivered.add(path)
                messages.append(message)
        return messages

    def link_in(self, message: EmailMessage, path_prefix: str) -> str:
        """The link to this server whose path starts with `path_prefix`, from the text part."""
        text = message.get_body(preferencelist=("plain",)).get_content()
        links = re.findall(rf"{re.escape(self.url)}{re.escape(path_prefix)}\S+", text)
        assert links, f"no {path_prefix} link in:\n{text}"
        return links[0]


def _wait_until_up(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server stopped at start:\n{log.read_text()}", pytrace=False)
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.2)
    pytest.fail(f"the server did not answer /healthz in 30 s:\n{log.read_text()}", pytrace=False)


@contextmanager
def running_server(base: Path):
    """The app on a free port with its own database, instance and mail folders under `base`."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{base / 'decide.sqlite3'}",
        "INSTANCE_PATH": str(base / "instance"),
        "MAIL_DIR": str(base / "mail"),
        "MAIL_URL": "",
        "REDIS_URL": "",
        "PUBLIC_URL": url,
        "SECRET_KEY": secrets.token_hex(32),
        "DECIDE_ENV": "development",
        "DEMO_MODE": "1",
        "RATELIMIT_ENABLED": "0",
        "FLASK_DEBUG": "0",
    }
    server = LiveServer(url=url, env=env, mail_dir=base / "mail", log=base / "server.log")
    server.flask("db", "upgrade")
    server.flask("decide", "demo")
    with server.log.open("w") as log:
        process = subprocess.Popen(
            [str(FLASK), "--app", "wsgi", "run", "--host", "127.0.0.1", "--port", str(port),
             "--no-reload", "--no-debugger"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(process, url, server.log)
        yield server
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The server most tests share; a test that changes the organization starts its own."""
    with running_server(tmp_path_factory.mktemp("live")) as server:
        yield server


@pytest.fixture
def own_server(tmp_path_factory):
    """A server of the test's own, for a test that changes what every other test would see."""
    with running_server(tmp_path_factory.mktemp("own")) as server:
        yield server
        server.assert_no_server_errors()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _missing(str(CHROMIUM))
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    yield context
    context.close()


@pytest.fixture
def page(context, live_server):
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    live_server.assert_no_server_errors()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        _missing(f"{AXE.relative_to(ROOT)} (npm install)")
    return AXE.read_text()


@pytest.fixture
def axe(axe_source):
    """axe(page): fail the test on any WCAG 2.0/2.1 A or AA violation on the page."""

    def check(page, name: str = "") -> None:
        page.evaluate(axe_source + "\n;undefined")
        violations = page.evaluate(
            "async tags => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
            ".violations",
            AXE_TAGS,
        )
        if violations:
            lines = [f"axe: {len(violations)} violation(s) on {name or page.url} "
                     f"({page.viewport_size['width']}x{page.viewport_size['height']})"]
            for violation in violations:
                lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
                lines.append(f"  {violation['helpUrl']}")
                for node in violation["nodes"]:
                    lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:200]}")
                    if node.get("failureSummary"):
                        summary = node["failureSummary"].replace("\n", " ")
                        lines.append(f"      {summary}")
            pytest.fail("\n".join(lines), pytrace=False)

    return check


@pytest.fixture
def check_page(axe):
    """check_page(page, name): axe, phone overflow and screenshots at desktop and phone sizes.

    The viewport goes back to its size before the call, so a test goes on where it was.
    """

    def check(page, name: str) -> None:
        page.wait_for_load_state("load")
        before = page.viewport_size
        SCREENSHOTS.mkdir(exist_ok=True)
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            axe(page, f"{name} ({page.url})")
            if size is PHONE:
                widths = page.evaluate(
                    "() => [document.documentElement.scrollWidth, window.innerWidth]"
                )
                assert widths[0] <= widths[1], (
                    f"{name} scrolls sideways at {size['width']} px: "
                    f"the page is {widths[0]} px wide"
                )
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
        page.set_viewport_size(before)

    return check


@pytest.fixture
def submit():
    """submit(locator): click a button or link that loads a new page, and wait for it."""

    def click(locator) -> None:
        with locator.page.expect_navigation(wait_until="load"):
            locator.click()

    return click


@pytest.fixture
def sign_in(live_server, submit):
    """sign_in(page, address, password): through the English sign-in form of the server."""

    def sign_in_as(page, address: str, password: str, server: LiveServer = live_server) -> None:
        page.goto(f"{server.url}/signin")
        page.get_by_label("E-mail address").fill(address)
        page.get_by_label("Password", exact=True).fill(password)
        submit(page.locator("main").get_by_role("button", name="Sign in"))

    return sign_in_as
