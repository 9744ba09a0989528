"""The CLI's friendly parts: progress lines in CI logs, `wsprobe explain`, `wsprobe list` and
--help with examples."""
import re
import subprocess


def wsprobe_run(wsprobe, *args, timeout=60):
    return subprocess.run([wsprobe, *args], capture_output=True, text=True, timeout=timeout)


def test_progress_outside_a_terminal_is_one_line_per_area(wsprobe, reference_server):
    _, url = reference_server()
    cases = ["--cases", "1.*", "--cases", "2.*", "--cases", "5.1"]
    quiet = wsprobe_run(wsprobe, "test-server", url, "--agent", "ref", "--jobs", "2", *cases, timeout=120)
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    progress = [l for l in quiet.stdout.splitlines() if l.startswith("[")]
    # Three areas: Framing (1.*), Pings and pongs (2.*), Fragmentation (5.1).
    assert len(progress) == 3, quiet.stdout
    total = 16 + 11 + 1
    assert any(l.startswith(f"[{total}/{total}] ref ") for l in progress), progress
    framing = next(l for l in progress if "16 cases" in l)
    assert "16 OK" in framing, framing

    verbose = wsprobe_run(wsprobe, "test-server", url, "--agent", "ref", "--jobs", "2", "-v", *cases, timeout=120)
    lines = [l for l in verbose.stdout.splitlines() if l.startswith("[")]
    assert len(lines) == total, verbose.stdout
    assert re.match(r"\[\d+/28\] ref \d+(\.\d+)+ OK$", lines[0]), lines[0]


def test_explain_says_what_a_case_sends_and_expects(wsprobe):
    run = wsprobe_run(wsprobe, "explain", "6.4.1")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert out.startswith("Case 6.4.1 ")
    assert "RFC 6455 " in out and "MUST" in out
    assert "What it does:" in out and "What it expects:" in out
    assert "  1. " in out  # the steps, in words
    assert "The end: " in out and "1007" in out  # how the connection must end
    assert "--cases 6.4.1" in out


def test_explain_puts_a_pause_in_words(wsprobe):
    out = wsprobe_run(wsprobe, "explain", "6.4.1").stdout
    assert "still open when the pause ends" in out, out


def test_explain_of_an_unknown_case_is_a_usage_error(wsprobe):
    run = wsprobe_run(wsprobe, "explain", "99.9")
    assert run.returncode == 2
    assert "no case 99.9" in run.stderr


def test_list_shows_areas_with_counts_that_add_up(wsprobe):
    run = wsprobe_run(wsprobe, "list")
    assert run.returncode == 0, run.stderr
    rows = [l.split() for l in run.stdout.splitlines()]
    header = rows[0]
    assert header[:5] == ["area", "title", "cases", "server", "client"], header
    total = next(r for r in rows if r and r[0] == "total")
    cases = wsprobe_run(wsprobe, "cases").stdout.splitlines()[-1]  # "N cases"
    assert int(total[1]) == int(cases.split()[0])
    areas = {r[0]: r for r in rows[1:] if r and r[-1].endswith(".*")}
    assert {"framing", "utf8", "close"} <= set(areas), run.stdout
    assert "6.*" in areas["utf8"] and "7.*" in areas["close"]

    def count(row):  # area, title words..., cases, server, client, id globs...
        globs = sum(1 for g in row if g.endswith(".*"))
        return int(row[len(row) - globs - 3])
    assert sum(count(r) for r in areas.values()) == int(total[1])


def test_help_shows_examples(wsprobe):
    for argv in (["--help"], ["test-server", "--help"], ["test-client", "--help"], ["explain", "--help"],
                 ["list", "--help"]):
        run = wsprobe_run(wsprobe, *argv)
        assert run.returncode == 0, argv
        assert "Examples:" in run.stdout, (argv, run.stdout)
    top = wsprobe_run(wsprobe, "--help").stdout
    assert "wsprobe explain 6.4.1" in top and "--baseline" in top


def test_explain_says_how_the_tester_negotiates_deflate_in_each_role(wsprobe):
    out = wsprobe_run(wsprobe, "explain", "13.7.1").stdout
    assert "against a server: the tester offers `permessage-deflate; server_no_context_takeover" in out, out
    assert ("against a client: the tester accepts the first valid offer carrying client_no_context_takeover and "
            "client_max_window_bits, asking client_no_context_takeover, client_max_window_bits=9; else") in out, out
    assert "wsprobe test-client --cases 13.7.1" in out and "wsprobe test-server" in out
    out = wsprobe_run(wsprobe, "explain", "34.1.1").stdout
    assert "Run it: wsprobe test-client --cases 34.1.1" in out and "test-server" not in out, out
