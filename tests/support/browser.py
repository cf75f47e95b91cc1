"""Real Chromium for the public site's browser tests, and axe-core to check pages in it.

Chromium is Debian's (`apt install chromium`), driven by Playwright for Python; axe-core comes
from the pinned `package-lock.json` at the repository root (`npm ci`, run by `make test`). In CI
(`CI=true`) a missing piece fails the test, so an accessibility check can never silently stop
running; on a developer's machine it skips with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA: the standard the accessibility statement names.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
# Impacts that fail the suite; minor and moderate findings are reported, not fatal.
BLOCKING = ("critical", "serious")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu"]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"true", "1", "yes"}


def require(present: Any, reason: str) -> Any:
    """`present`, or fail (CI) / skip (elsewhere) with `reason` when it is missing."""
    if not present:
        if in_ci():
            pytest.fail(f"{reason} (CI=true: browser tests must run)", pytrace=False)
        pytest.skip(reason)
    return present


def chromium_path() -> str:
    """The Chromium binary, or fail/skip: Playwright's own browser downloads are not used."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return require(found, "no chromium binary on this machine (apt install chromium)")


def sync_api() -> Any:
    """`playwright.sync_api`, or fail/skip when Playwright is not installed."""
    try:
        import playwright.sync_api as api
    except ImportError:
        api = None
    return require(api, "playwright is not installed (pip install -e '.[test]')")


def axe_script() -> Path:
    """axe.min.js from node_modules, or fail/skip when `npm ci` has not been run."""
    return require(AXE_SCRIPT if AXE_SCRIPT.is_file() else None,
                   f"{AXE_SCRIPT.relative_to(REPO_ROOT)} is missing (run `npm ci`)")


@dataclass(frozen=True)
class Violation:
    """One axe rule broken on one page, with the elements that break it."""

    page: str
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    @property
    def blocking(self) -> bool:
        return self.impact in BLOCKING

    def __str__(self) -> str:
        shown = ", ".join(self.targets[:5]) + (" …" if len(self.targets) > 5 else "")
        return f"{self.page}: [{self.impact}] {self.rule}: {self.help} ({shown})"


def axe_violations(page: Any, label: str) -> list[Violation]:
    """Run axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is now.

    The script is injected from node_modules with `add_script_tag(path=…)`, which inlines it;
    the site's Content-Security-Policy (`script-src 'self'`) rightly refuses inline script, so
    the page's browser context must be opened with `bypass_csp=True` (see `axe_context`).
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_script()))
    result = page.evaluate(
        """options => axe.run(document, options)""",
        {"runOnly": {"type": "tag", "values": list(WCAG_TAGS)}, "resultTypes": ["violations"]},
    )
    return [
        Violation(
            page=label,
            rule=v["id"],
            impact=v.get("impact") or "minor",
            help=v["help"],
            targets=tuple(" ".join(map(str, n["target"])) for n in v["nodes"]),
        )
        for v in result["violations"]
    ]


def axe_context(browser: Any, **options: Any) -> Any:
    """A browser context for axe runs.

    `bypass_csp=True` lets the injected axe script run despite `script-src 'self'`; it is used
    only here, for that test script, and the tests that watch for CSP violations
    (tests/app/public/test_browser.py) keep the policy enforced.
    """
    return browser.new_context(bypass_csp=True, **options)


def assert_no_blocking(violations: list[Violation], artifact: Path | None = None) -> None:
    """Report every finding, then fail on any critical or serious one.

    Findings are printed (pytest `-rP` or `-s` shows them) and saved as JSON in `artifact`.
    """
    for violation in violations:
        print(violation)
    if artifact is not None:
        artifact.parent.mkdir(exist_ok=True)
        artifact.write_text(json.dumps([v.__dict__ for v in violations], indent=1,
                                       ensure_ascii=False))
    blocking = [str(v) for v in violations if v.blocking]
    assert not blocking, "critical or serious accessibility violations:\n" + "\n".join(blocking)
