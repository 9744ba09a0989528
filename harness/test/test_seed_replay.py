"""--seed replays a run byte for byte (README: "wsprobe test-server URL --cases ID --seed N replays a
failure byte for byte"): two runs with one seed write the same opening handshakes and the same
bytes (sizes, first bytes: masking keys included) in every case, whatever the number of jobs; a
single case replayed alone writes what it wrote inside the whole run; another seed changes them."""
import glob
import json
import os
import subprocess

import pytest

SELECTION = ["--cases", "1.*", "--cases", "2.*", "--cases", "5.*", "--cases", "6.2.*", "--cases", "7.1.*",
             "--cases", "10.*", "--cases", "15.*"]


def run(wsprobe, url, out, seed, *extra):
    r = subprocess.run([wsprobe, "test-server", url, "--seed", str(seed), "--report-dir", str(out), *extra],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode in (0, 1), r.stderr
    assert f"seed {seed}" in r.stdout
    return writes(out)


def writes(out):
    """Case id -> (the opening handshake request, every write as (size, first bytes))."""
    got = {}
    for path in glob.glob(os.path.join(out, "*_case_*.json")):
        with open(path) as f:
            case = json.load(f)
        assert not case.get("chunksNotRecorded"), f"{case['id']}: writes not all recorded"
        got[case["id"]] = (case["httpRequest"], [(size, first) for _, size, first in case["chunks"]])
    return got


def same_writes(a, b):
    """The same handshake and the same writes, up to where one run stopped or closed earlier. When
    the server fails the connection is timing: a case that writes one byte at a time ends when it
    does, and a close that arrives between two step writes is answered at once (a write that starts
    a close frame, 0x88) and the remaining steps are not sent."""
    if a[0] != b[0]:
        return False
    common = 0
    for x, y in zip(a[1], b[1]):
        if x != y:
            return common >= 1 and (x[1].lower().startswith("88") or y[1].lower().startswith("88"))
        common += 1
    return common >= 1


@pytest.fixture
def url(reference_server):
    return reference_server()[1]


def test_one_seed_writes_the_same_bytes_in_every_case_whatever_the_jobs(wsprobe, url, tmp_path):
    first = run(wsprobe, url, tmp_path / "a", 4242, *SELECTION, "--jobs", "8")
    again = run(wsprobe, url, tmp_path / "b", 4242, *SELECTION, "--jobs", "1")
    assert len(first) > 50
    assert first.keys() == again.keys(), f"case reports only in one run: {sorted(first.keys() ^ again.keys())}"
    differ = sorted(cid for cid in first if not same_writes(first[cid], again[cid]))
    assert not differ, f"the same seed wrote other bytes in {differ[:10]}"


def test_a_case_replayed_alone_writes_what_it_wrote_in_the_whole_run(wsprobe, url, tmp_path):
    whole = run(wsprobe, url, tmp_path / "whole", 7, *SELECTION)
    for cid in ("1.1.6", "5.19", "6.2.3", "7.1.6", "15.1.1"):
        alone = run(wsprobe, url, tmp_path / cid, 7, "--cases", cid)
        assert same_writes(alone[cid], whole[cid]), f"{cid} replayed alone wrote other bytes"


def test_another_seed_draws_other_keys(wsprobe, url, tmp_path):
    one = run(wsprobe, url, tmp_path / "one", 1, "--cases", "1.1.*")
    two = run(wsprobe, url, tmp_path / "two", 2, "--cases", "1.1.*")
    for cid in one:
        assert one[cid][0] != two[cid][0], f"{cid}: the same Sec-WebSocket-Key under two seeds"
        assert one[cid][1] != two[cid][1], f"{cid}: the same masking keys under two seeds"
