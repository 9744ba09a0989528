"""permessage-deflate against clients (RFC 7692): test-client, as Autobahn's fuzzingserver, accepts
the client's offer the way each 12.x/13.x group says (the codec's server choice, with what the case
asks only of a client that offered it) and runs the client-only 34.x cases. A small selection (the
16-byte rows of 12.1 and of each 13.j group, and every 34.x case): the reference client (`wsprobe
connect --echo`) grades OK where its offer allows the tester's answer and UNIMPLEMENTED (exit 0)
where it does not; clients broken on purpose (flawed_clients.py) are caught on exactly the cases
meant to catch them. 34.4.1 answers client_max_window_bits to an offer without it (RFC 7692
7.1.2.2): only a client offering `permessage-deflate` without it can be tested."""
import json
import os
import subprocess
import sys
import time

import pytest

from conftest import HERE, start_server, stop_server

SELECTION = ["12.1.1", *(f"13.{j}.1" for j in range(1, 8)), "34.*"]
# Autobahn's accept functions for 13.2, 13.5 and 13.6 ask for client_no_context_takeover only of a
# client that offered it; neither `wsprobe connect` by default nor the flawed clients offer it.
NEEDS_CLIENT_NCT = {"13.2.1": "UNIMPLEMENTED", "13.5.1": "UNIMPLEMENTED", "13.6.1": "UNIMPLEMENTED"}
# 34.4.1 takes only an offer without client_max_window_bits; `wsprobe connect` and the deflate
# flawed clients offer it unless told otherwise.
NEEDS_NO_CLIENT_BITS = {"34.4.1": "UNIMPLEMENTED"}
# Without client_max_window_bits in the offer, 13.3-13.6 cannot be answered (RFC 7692 7.1.2.2).
NEEDS_CLIENT_BITS = {"13.3.1": "UNIMPLEMENTED", "13.4.1": "UNIMPLEMENTED", **NEEDS_CLIENT_NCT}


def verdict(result):
    if result["behavior"] == "FAILED" or result["behaviorClose"] in ("FAILED", "WRONG CODE", "UNCLEAN"):
        return "FAILED"
    return result["behavior"]


def start_tester(wsprobe, out):
    argv = [wsprobe, "test-client", "--port", "0", "--exit-after-report", "--json", str(out)]
    for pattern in SELECTION:
        argv += ["--cases", pattern]
    return start_server(argv)


def results_of(proc, out, agent):
    assert proc.wait(timeout=30) in (0, 1)
    results = json.loads(out.read_text())[agent]
    results.pop("masking")
    return {cid: verdict(r) for cid, r in results.items()}, results, proc.returncode


def run_reference_client(wsprobe, out, agent, flags):
    """Every selected case with `wsprobe connect --echo` (Autobahn's URL protocol, one connection a
    case, as a client's test script drives it); returns verdicts, results, test-client's exit."""
    proc, url = start_tester(wsprobe, out)
    try:
        count = subprocess.run([wsprobe, "connect", f"{url}getCaseCount"], capture_output=True, text=True,
                               timeout=30).stdout.strip().splitlines()[-1]
        for n in range(1, int(count) + 1):
            subprocess.run([wsprobe, "connect", f"{url}runCase?case={n}&agent={agent}", "--echo", *flags],
                           capture_output=True, timeout=60)
        subprocess.run([wsprobe, "connect", f"{url}updateReports?agent={agent}"], capture_output=True, timeout=30)
        return results_of(proc, out, agent)
    finally:
        stop_server(proc)


def assert_ids(got):
    assert len(got) == 19 and {c for c in got if c.startswith("34.")} == {
        "34.1.1", "34.1.2", "34.1.3", "34.1.4", "34.2.1", "34.2.2", "34.3.1", "34.3.2", "34.3.3", "34.3.4",
        "34.4.1"}, sorted(got)


@pytest.mark.parametrize("flags,unimplemented", [
    (["--deflate-client-no-context-takeover"], NEEDS_NO_CLIENT_BITS),
    ([], {**NEEDS_CLIENT_NCT, **NEEDS_NO_CLIENT_BITS}),
    (["--deflate-no-client-max-window-bits"], NEEDS_CLIENT_BITS),
], ids=["offers-client_no_context_takeover", "default-offer", "offers-no-client_max_window_bits"])
def test_reference_client_is_ok_where_its_offer_allows_the_answer(wsprobe, tmp_path, flags, unimplemented):
    got, results, code = run_reference_client(wsprobe, tmp_path / "index.json", "wsprobe-connect", flags)
    assert_ids(got)
    assert got == {cid: unimplemented.get(cid, "OK") for cid in got}, got
    assert code == 0  # UNIMPLEMENTED does not fail the run
    # the close codes a client fails with (RFC 7692 6: 1002; invalid data 1007; the bomb 1009)
    codes = {cid: results[cid]["remoteCloseCode"] for cid in ("34.1.1", "34.1.2", "34.1.4", "34.2.1", "34.2.2")}
    assert codes == {"34.1.1": 1002, "34.1.2": 1002, "34.1.4": 1002, "34.2.1": 1007, "34.2.2": 1009}, codes
    if got["34.4.1"] == "OK":  # refused: TCP closed with no frame, no close code (RFC 7692 7)
        assert results["34.4.1"]["remoteCloseCode"] is None, results["34.4.1"]


def test_a_client_offering_no_deflate_is_unimplemented_not_failed(wsprobe, tmp_path):
    got, _, code = run_reference_client(wsprobe, tmp_path / "index.json", "no-deflate", ["--no-deflate"])
    assert_ids(got)
    assert set(got.values()) == {"UNIMPLEMENTED"}, got
    assert code == 0


# flaw -> the cases meant to catch it (or that its offer leaves out) -> the verdict there (others:
# NEEDS_CLIENT_NCT and NEEDS_NO_CLIENT_BITS, as their offer carries client_max_window_bits, else OK)
FLAWED = {
    "deflate": {},
    # with context takeover, 16-byte messages of a JSON document refer back past 512 bytes
    "deflate-ignores-window": {"13.3.1": "FAILED"},
    "deflate-rsv1-continuation": {"34.1.1": "FAILED"},
    # offers `permessage-deflate` alone, so 34.4.1 runs (and 13.3/13.4 cannot)
    "deflate-unoffered-window": {"34.4.1": "FAILED", "13.3.1": "UNIMPLEMENTED", "13.4.1": "UNIMPLEMENTED"},
}
DEFAULTS = {**NEEDS_CLIENT_NCT, **NEEDS_NO_CLIENT_BITS}


def test_flawed_deflate_clients_are_caught_exactly_where_meant(wsprobe, tmp_path):
    runs = {}
    try:
        for flaw in FLAWED:  # all at once: the run takes the slowest one's time
            out = tmp_path / f"{flaw}.json"
            proc, url = start_tester(wsprobe, out)
            client = subprocess.Popen([sys.executable, os.path.join(HERE, "flawed_clients.py"), flaw, url, flaw],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            runs[flaw] = (proc, out, client, time.monotonic())
        for flaw, (proc, out, client, began) in runs.items():
            _, err = client.communicate(timeout=120)
            assert client.returncode == 0, (flaw, err[-2000:])
            got, _, code = results_of(proc, out, flaw)
            assert_ids(got)
            want = {cid: FLAWED[flaw].get(cid, DEFAULTS.get(cid, "OK")) for cid in got}
            assert got == want, (flaw, {c: (got[c], want[c]) for c in got if got[c] != want[c]})
            assert code == (1 if "FAILED" in FLAWED[flaw].values() else 0)
            assert time.monotonic() - began < 60
    finally:
        for proc, _, client, _ in runs.values():
            if client.poll() is None:
                client.kill()
                client.wait()
            stop_server(proc)
