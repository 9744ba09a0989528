"""wsprobe test-server holds against hostile servers: the whole catalogue (less its slow cases, see
quick_selection) with default options ends by itself, fails the cases (no crash), peaks under
256 MiB of RSS (the ASan build too), and a server that answers a close slowly or never costs the
run under a minute. Measures wall time and the tester's peak RSS, prints them (pytest -s) and
writes them to reports/hostile.json (or $WSPROBE_HOSTILE_REPORT)."""
import fcntl
import json
import os
import re
import subprocess
import threading
import time

import pytest

from conftest import HERE

ROOT = os.path.dirname(os.path.dirname(HERE))
REPORT = os.environ.get("WSPROBE_HOSTILE_REPORT", os.path.join(ROOT, "reports", "hostile.json"))
KILL_AFTER = 300.0  # seconds: a run still going then has hung
# The bound is the tester's whole peak RSS, the ASan build's too (its quarantine capped, see
# child_env). The figures also record the RSS of the same binary only loading the catalogue
# (`wsprobe list`: 22 MiB release, 64 MiB ASan), which is no peer's doing.
RSS_LIMIT_KIB = int(os.environ.get("WSPROBE_HOSTILE_RSS_MIB", "256")) * 1024
RSS_GUARD_KIB = 1536 * 1024  # a run past this is killed at once: it has failed already
# Seconds, for the servers that answer a close slowly or never. The catalogue's own kill timers
# set it: 393 cases took 51.9 s; the robustness cases 20.1.7-20.1.9, 20.2.7-20.2.8 and 20.7.x
# (402 quick cases, their verdicts against such a server resting on 10-20 s timers) took 68.4 and
# 71.1 s in a clean-clone run on 2 cores, 86.0 s in one with two other agents' peers running.
# 120 s keeps a guard against a tester that waits twice (about 140 s), confirmed before failing.
CLOSE_BUDGET = 120.0

# mode -> (exit codes allowed, wall time bound or None)
MODES = {
    "no-close-reply": ({1}, CLOSE_BUDGET),
    # A correct server, only slow: a run that confirms timer verdicts with longer timeouts may grade it OK.
    "slow-close": ({0, 1}, CLOSE_BUDGET),
    "ping-flood": ({1}, None),
    "fragment-flood": ({1}, None),
    "endless-message": ({1}, None),
}
# The floods test the tester's memory and that the run ends, not its verdicts: against a flood
# nearly every verdict rests on a timer, and confirming each one (a re-run with timeouts x4 on a
# fresh connection, flooded again) doubled the ping flood's run (203 s, against 89 s without)
# for no other exposure. The close modes keep the confirmation: it is what they time.
UNCONFIRMED = {"ping-flood", "fragment-flood", "endless-message"}


def run_measured(argv, log):
    """Runs argv to its end; returns (exit code, seconds, peak RSS in KiB, why it was killed or None)."""
    started = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=child_env())
    killed, ended, peak = [], threading.Event(), [0]

    def guard():
        # Kills a run that hangs, or that grows past RSS_GUARD_KIB: the machine is shared. Keeps
        # the peak (VmHWM never falls, so a poll misses at most the last moments' growth).
        deadline = started + KILL_AFTER
        while True:
            peak[0] = max(peak[0], status_kib(proc.pid, "VmHWM"))
            if ended.wait(0.02):
                return
            if time.monotonic() > deadline or status_kib(proc.pid, "VmRSS") > RSS_GUARD_KIB:
                killed.append(f"{time.monotonic() - started:.0f} s, RSS {status_kib(proc.pid, 'VmRSS') // 1024} MiB")
                proc.kill()
                return

    watcher = threading.Thread(target=guard, daemon=True)
    watcher.start()
    try:
        proc.wait()
    finally:
        ended.set()
        watcher.join()
    elapsed = time.monotonic() - started
    # Not the child's ru_maxrss: that counts the pytest process it was forked from (about 100 MiB
    # here, the parsed catalogue), which it shared until exec.
    return proc.returncode, elapsed, peak[0], killed[0] if killed else None


def catalogue_rss_kib(wsprobe):
    """Peak RSS of `wsprobe list`: the binary with its catalogue loaded, no peer involved."""
    with open(os.devnull, "wb") as null:
        code, _, peak, _ = run_measured([wsprobe, "list"], null.name)
    assert code == 0, "wsprobe list failed"
    return peak


def status_kib(pid, field):
    """A /proc/PID/status figure in KiB ("VmRSS", "VmHWM"); 0 once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return next((int(line.split()[1]) for line in f if line.startswith(field + ":")), 0)
    except OSError:
        return 0


def cases_done(log):
    """The last progress line's "[N/TOTAL]": how far a run got before it ended or was killed."""
    done = None
    with open(log, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):  # chunks: a flood's summary line can be long
            found = re.findall(rb"^\[(\d+)/(\d+)\] ", chunk, re.M)
            if found:
                done = f"{int(found[-1][0])}/{int(found[-1][1])}"
    return done


def record(mode, figures):
    """Adds one mode's figures to the shared report; ctest runs the modes as concurrent tests,
    so the read-modify-write holds a lock on the file."""
    os.makedirs(os.path.dirname(REPORT), exist_ok=True)
    with open(REPORT, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        try:
            report = json.loads(f.read() or "{}")
        except ValueError:
            report = {}
        report[mode] = figures
        f.seek(0)
        f.truncate()
        json.dump(report, f, indent=2, sort_keys=True)


# WSPROBE_HOSTILE_MODES=a,b runs only those modes (the ASan build runs the floods, for memory);
# WSPROBE_HOSTILE_UNTIMED=1 leaves out the wall-time bounds (a sanitized build is slower).
SELECTED = [m for m in os.environ.get("WSPROBE_HOSTILE_MODES", ",".join(MODES)).split(",") if m]
TIMED = os.environ.get("WSPROBE_HOSTILE_UNTIMED", "") != "1"


def child_env():
    # ASan keeps freed memory in a quarantine (256 MiB by default) to catch use-after-free: that
    # constant would be the whole budget, and it costs more RSS than it says, as it counts the
    # bytes asked for, not the size classes and redzones they sit in, while the classes the
    # catalogue's loading churned stay resident. Measured against ping-flood, case 1.1.1 alone:
    # peak 51 MiB with no quarantine, 81 MiB with 8, 162 MiB with 32. 8 MiB of the latest frees
    # still catches a use-after-free within a case; the bound is on the tester.
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=8").lstrip(":")
    return env


def quick_selection(wsprobe):
    """--exclude for every case the catalogue marks slow (category 9's 4-16 MiB messages and
    1 MiB in 64-byte chops, 17.1.3): against these Python servers they measure the server's own
    unmasking (minutes), not the tester; the panel leaves them out for the same reason."""
    proc = subprocess.run([wsprobe, "cases", "--json"], capture_output=True, text=True, timeout=120, check=True)
    excluded = []
    for case in json.loads(proc.stdout)["cases"]:
        if case["slow"]:
            excluded += ["--exclude", case["id"]]
    return excluded


@pytest.mark.parametrize("mode", SELECTED)
def test_whole_catalogue_against_a_hostile_server_ends_bounded(wsprobe, broken_server, tmp_path, mode):
    codes, time_bound = MODES[mode]
    url = broken_server(mode)
    log = tmp_path / "wsprobe.log"
    argv = [wsprobe, "test-server", url, *quick_selection(wsprobe), *(["--no-confirm"] if mode in UNCONFIRMED else [])]
    code, elapsed, rss_kib, killed = run_measured(argv, log)
    if time_bound is not None and TIMED and not killed and elapsed >= time_bound:
        # Confirm before failing: the other tests share the two cores; a second run past the
        # bound is the tester's, not one slow moment's.
        print(f"\nhostile {mode}: {elapsed:.1f} s, over {time_bound:.0f} s: running it again to confirm")
        code, elapsed, rss_kib, killed = run_measured(argv, log)
    figures = {"exit_code": code, "seconds": round(elapsed, 1), "peak_rss_mib": round(rss_kib / 1024, 1),
               "catalogue_rss_mib": round(catalogue_rss_kib(wsprobe) / 1024, 1),
               "killed": killed, "cases_done": cases_done(log), "wsprobe": os.path.abspath(wsprobe),
               "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    record(mode, figures)
    print(f"\nhostile {mode}: {figures}")
    with open(log, "rb") as f:  # only the end: a flood's summary line can be long
        f.seek(max(0, log.stat().st_size - 2000))
        tail = f.read().decode(errors="replace")
    assert not killed, f"killed after {killed} (bounds: {KILL_AFTER:.0f} s, {RSS_GUARD_KIB // 1024} MiB): {tail}"
    assert code in codes, f"exit code {code} (negative: killed by a signal): {tail}"
    assert rss_kib < RSS_LIMIT_KIB, (f"peak RSS {rss_kib / 1024:.0f} MiB (the loaded catalogue alone: "
                                     f"{figures['catalogue_rss_mib']:.0f} MiB)")
    if time_bound is not None and TIMED:
        assert elapsed < time_bound, f"the catalogue took {elapsed:.1f} s"
