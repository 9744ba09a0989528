"""The catalogue as the driver sees it: every case as the wsprobe binary loads it (generators
expanded), read once from `wsprobe cases --json` when pytest starts (conftest.pytest_configure)."""
import json
import subprocess

import pytest

_catalogue = None


def read_catalogue(wsprobe):
    """Runs `wsprobe cases --json` and keeps its dump: {"areas": {area: title}, "cases": [...]}."""
    global _catalogue
    proc = subprocess.run([wsprobe, "cases", "--json"], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"{wsprobe} cases --json failed: {proc.stderr.strip()}")
    _catalogue = json.loads(proc.stdout)
    if not _catalogue["cases"]:
        raise RuntimeError("the catalogue has no cases")
    return _catalogue


def areas():
    """area -> title, from the case files."""
    return dict(_catalogue["areas"])


def load_cases():
    """Every case: id, area, rfc, requirement, informational, roles, slow, steps, expect, close..."""
    if _catalogue is None:
        raise RuntimeError("the catalogue is read in pytest_configure (conformance/conftest.py)")
    return list(_catalogue["cases"])


def param(case, *prefix):
    """A pytest param for a case, marked with its area (so -m utf8 selects)."""
    return pytest.param(*prefix, case, id="-".join([*(str(p) if isinstance(p, str) else p["name"] for p in prefix), case["id"]]),
                        marks=getattr(pytest.mark, case["area"]))


def failed(result):
    return result["behavior"] == "FAILED" or result["behaviorClose"] in ("FAILED", "WRONG CODE", "UNCLEAN")


def confirm_failures(results, run_again, what):
    """Confirm before failing: CI runs the conformance sessions beside three panel peers, the
    client panel and a niced lint on two cores, and some checks run a whole area at once (20.5.x
    send 64 MiB through a peer that stops reading; 20.5.2 once got 14 of its 64 echoes in its 30 s
    there, and all of them in 2 s in 25 runs since). The failed cases of `results` run again,
    alone, through run_again(ids) -> results; a second failure fails. Returns the results with
    the reruns' in place of the first failures."""
    first = sorted(cid for cid, r in results.items() if failed(r))
    if not first:
        return results
    print(f"{what}: {', '.join(first)} failed in the first run; running them again")
    again = run_again(first)
    assert not [cid for cid in first if failed(again[cid])], {cid: again[cid] for cid in first}
    return {**results, **{cid: again[cid] for cid in first}}
