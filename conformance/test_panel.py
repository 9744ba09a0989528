"""The panel: each third-party server runs the whole catalogue once, and every per-case verdict
must equal its golden (conformance/golden/<peer>.json), as tungstenite keeps Autobahn's results.
A changed verdict fails and shows the difference; --regen-goldens rewrites the goldens and keeps
their explanations. A golden is a wsprobe baseline (harness/report/baseline.schema.json, what
`wsprobe test-server --baseline` reads): every accepted non-OK verdict with a one-line reason, and
a case it does not list is expected "OK / OK"."""
import os

import pytest

from cases import load_cases, param
from conftest import HERE, load_peers
from goldens import check_golden_explains_every_non_ok_verdict, check_verdict, selected, write_goldens

CASES = load_cases()
PEERS = load_peers()
GOLDEN = os.path.join(HERE, "golden")
regenerated = {}


@pytest.mark.panel
@pytest.mark.parametrize("peer", [pytest.param(p, id=p["name"]) for p in PEERS])
def test_golden_explains_every_non_ok_verdict(peer, request):
    if not selected(request.config, peer):
        pytest.skip("not selected with --peer")
    check_golden_explains_every_non_ok_verdict(GOLDEN, peer)


@pytest.mark.panel
@pytest.mark.parametrize("peer,case", [param(c, p) for p in PEERS for c in CASES])
def test_panel_verdict_matches_golden(peer, case, panel_results, request):
    if not selected(request.config, peer):
        pytest.skip("not selected with --peer")
    results = panel_results(peer)
    if case["id"] not in results:
        pytest.skip(f"{case['id']} is excluded for {peer['name']} (slow, no message limit, its ci_exclude or outside DEFLATE_CI in CI)")
    check_verdict(request, GOLDEN, regenerated, peer, case, results,
                  os.path.join(panel_results.out_dir, peer["name"]), panel_results.rerun)


@pytest.fixture(scope="session", autouse=True)
def write_regenerated_goldens(request):
    yield
    if not (request.config.getoption("--regen-goldens") or request.config.getoption("--merge-goldens")):
        return
    write_goldens(GOLDEN, regenerated)
