"""The HTML report: the summary and what needs attention come first, several servers side by
side, a filter by verdict and area, case pages in words, a readable wire log; and the page loads
in headless Chromium without console errors (a screenshot goes to reports/report-summary.png)."""
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CASES = ["1.1.1", "1.1.2", "1.2.1", "6.2.1", "6.4.1", "7.1.1"]


@pytest.fixture
def report(wsprobe, reference_server, broken_server, tmp_path):
    """Two servers side by side, against a baseline made from the reference server."""
    _, good = reference_server()
    bad = broken_server("invalid-utf8")
    selection = [a for c in CASES for a in ("--cases", c)]
    baseline = tmp_path / "baseline.json"
    made = subprocess.run([wsprobe, "test-server", good, "--agent", "reference", "--jobs", "2", "--baseline",
                           str(baseline), "--update-baseline", *selection], capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stdout + made.stderr
    out = tmp_path / "html"
    run = subprocess.run([wsprobe, "test-server", good, bad, "--agent", "reference", "--agent", "broken", "--jobs", "2",
                          "--baseline", str(baseline), "--baseline", str(baseline), "--report-dir", str(out),
                          *selection], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr  # the broken server is worse than the baseline
    return out


def test_summary_and_attention_come_before_the_cases(report):
    index = (report / "index.html").read_text()
    summary, attention, cases = (index.index(f'id="{s}"') for s in ("summary", "attention", "cases"))
    assert summary < attention < cases
    head = index[summary:attention]
    assert "reference" in head and "broken" in head  # side by side
    assert "v-FAILED" in head and "v-OK" in head  # counts by verdict, coloured
    changes = index[attention:cases]
    assert "Changes against the baseline" in changes and "worse" in changes
    for cid in ("1.1.1", "1.1.2", "6.2.1"):
        assert f">{cid}</a>" in changes, cid
    assert "<script>" in index and 'id="fv"' in index and 'id="fa"' in index
    assert not re.search(r"""(src|href)=["']https?:""", index)  # self-contained


def test_a_case_page_says_in_words_what_was_sent_expected_and_happened(report):
    page = (report / "broken_case_1_1_1.html").read_text()
    for heading in ("What the tester sent", "What was expected", "What happened", "Opening handshake", "Wire log"):
        assert f"<h2>{heading}</h2>" in page, heading
    assert "RFC 6455 8.1" in page  # the run's reason
    assert "Against the baseline" in page and "worse" in page
    assert '<span class="ctl">CR</span><span class="ctl">LF</span>' in page  # CR LF in the handshake, marked
    assert "?\n" not in page


def test_a_pause_is_expected_in_words(report):
    page = (report / "reference_case_6_4_1.html").read_text()
    assert "the connection is still open when the pause ends" in page


def chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


def headless(browser, *args, timeout=90):
    # --no-sandbox: CI containers run as root, where Chromium's sandbox cannot start.
    argv = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def console_errors(stderr):
    return [l for l in stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l]


def test_the_report_loads_in_headless_chromium(report):
    browser = chromium()
    if browser is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing: ci/setup installs it")
        pytest.skip("chromium is not installed (ci/setup installs it; CI does not skip this test)")
    url = (report / "index.html").as_uri()
    dom = headless(browser, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert not console_errors(dom.stderr), console_errors(dom.stderr)
    assert 'data-ready="1"' in dom.stdout  # the filter script ran to its end
    assert 'id="summary"' in dom.stdout
    assert re.search(r"\d+ of 6 cases shown", dom.stdout), dom.stdout[-3000:]

    # The filter, from the URL: only the cases where some server FAILED stay visible.
    failed = headless(browser, "--dump-dom", url + "#verdict=FAILED")
    assert not console_errors(failed.stderr), console_errors(failed.stderr)
    index = (report / "index.html").read_text()
    with_failure = len(re.findall(r'data-v="[^"]*FAILED', index))
    assert 0 < with_failure < 6, with_failure
    assert f"{with_failure} of 6 cases shown" in failed.stdout, re.findall(r"\d+ of \d+ cases shown", failed.stdout)

    os.makedirs(os.path.join(ROOT, "reports"), exist_ok=True)
    shot = os.path.join(ROOT, "reports", "report-summary.png")
    if os.path.exists(shot):
        os.remove(shot)
    taken = headless(browser, f"--screenshot={shot}", "--window-size=1280,900", "--hide-scrollbars", url)
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert not console_errors(taken.stderr), console_errors(taken.stderr)
    assert os.path.getsize(shot) > 10000, "the screenshot is (nearly) empty"
