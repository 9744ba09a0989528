"""Baselines end to end: a baseline made from one run passes on the next run against the same
server, and fails (exit 1, the changed case named with old -> new verdict) when the server is
replaced by a broken one; a newly passing case is an improvement, not a failure."""
import json
import subprocess

CASES = ["1.1.1", "1.1.2", "2.1", "5.3", "6.2.1", "7.3.3", "15.1.*"]


def run(wsprobe, url, baseline, *extra, agent="peer"):
    argv = [wsprobe, "test-server", url, "--agent", agent, "--jobs", "2", "--timeout-scale", "0.5",
            "--baseline", str(baseline), *extra]
    for c in CASES:
        argv += ["--cases", c]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


def test_a_baseline_passes_again_and_fails_on_a_broken_server(wsprobe, reference_server, broken_server, tmp_path):
    _, url = reference_server()
    baseline = tmp_path / "baseline.json"
    made = run(wsprobe, url, baseline, "--update-baseline")
    assert made.returncode == 0, made.stdout + made.stderr
    doc = json.loads(baseline.read_text())
    assert doc["wsprobe_baseline"] == 1 and doc["agent"] == "peer"

    again = run(wsprobe, url, baseline)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 worse" in again.stdout

    broken = run(wsprobe, broken_server("accept-unmasked"), baseline)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "2 worse" in broken.stdout, broken.stdout
    for cid in ("15.1.1", "15.1.2"):
        line = next(l for l in broken.stdout.splitlines() if l.split()[:2] == ["WORSE", cid])
        assert "OK / OK -> FAILED" in line, line


def test_accepted_defects_pass_and_a_fix_is_an_improvement(wsprobe, reference_server, broken_server, tmp_path):
    baseline = tmp_path / "baseline.json"
    broken_url = broken_server("invalid-utf8")
    made = run(wsprobe, broken_url, baseline, "--update-baseline")
    assert made.returncode == 0, made.stdout + made.stderr
    accepted = json.loads(baseline.read_text())["accepted"]
    assert {"1.1.1", "1.1.2", "6.2.1"} <= set(accepted), accepted
    assert all(entry["reason"] for entry in accepted.values()), accepted  # a one-line reason each

    # A reviewer's words survive the next update.
    doc = json.loads(baseline.read_text())
    doc["accepted"]["1.1.1"]["reason"] = "reviewed: the echo path re-encodes text (ticket 42)"
    baseline.write_text(json.dumps(doc))
    assert run(wsprobe, broken_url, baseline, "--update-baseline").returncode == 0
    assert json.loads(baseline.read_text())["accepted"]["1.1.1"]["reason"].startswith("reviewed:")

    same = run(wsprobe, broken_url, baseline)
    assert same.returncode == 0, same.stdout + same.stderr  # FAILED cases, all accepted

    _, fixed_url = reference_server()
    fixed = run(wsprobe, fixed_url, baseline)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    better = [l.split()[1] for l in fixed.stdout.splitlines() if l.strip().startswith("BETTER")]
    assert {"1.1.1", "1.1.2", "6.2.1"} <= set(better), fixed.stdout


def test_baseline_usage_errors(wsprobe, reference_server, tmp_path):
    _, url = reference_server()
    missing = run(wsprobe, url, tmp_path / "none.json")
    assert missing.returncode == 2 and "cannot read baseline" in missing.stderr
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"verdicts": {}}))
    wrong = run(wsprobe, url, bad)
    assert wrong.returncode == 2 and "not a wsprobe baseline" in wrong.stderr
    two = subprocess.run([wsprobe, "test-server", url, url, "--baseline", str(bad)], capture_output=True,
                         text=True, timeout=30)
    assert two.returncode == 2 and "one --baseline per server URL" in two.stderr


CLIENT_CASES = ["1.1.1", "1.1.2", "2.1", "7.1.1"]


def client_run(wsprobe, baseline, *extra, echo=True):
    """test-client with a baseline; `wsprobe connect` plays the client (it echoes unless echo is
    False, a client broken on purpose). Returns the exit code and the tester's last lines."""
    selection = [a for c in CLIENT_CASES for a in ("--cases", c)]
    proc = subprocess.Popen([wsprobe, "test-client", "--port", "0", "--baseline", str(baseline),
                             "--exit-after-report", *selection, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        ready = proc.stdout.readline()  # the first line; EOF if the tester exits
        assert ready.startswith("listening on "), ready + proc.stdout.read()
        url = ready.split()[2]
        for cid in CLIENT_CASES:
            subprocess.run([wsprobe, "connect", f"{url}runCase?casetuple={cid}&agent=client",
                            *(["--echo"] if echo else ["--timeout", "1"])], capture_output=True, timeout=60)
        subprocess.run([wsprobe, "connect", f"{url}updateReports?agent=client"], capture_output=True, timeout=60)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, out


def test_test_client_gates_on_a_baseline(wsprobe, tmp_path):
    baseline = tmp_path / "client.json"
    code, out = client_run(wsprobe, baseline, "--update-baseline")
    assert code == 0, out
    assert json.loads(baseline.read_text())["agent"] == "client"
    code, out = client_run(wsprobe, baseline)
    assert code == 0, out
    code, out = client_run(wsprobe, baseline, echo=False)  # echoes nothing: the echo cases get worse
    assert code == 1, out
    assert any(l.split()[:2] == ["WORSE", "1.1.1"] for l in out.splitlines()), out
