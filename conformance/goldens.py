"""Goldens, shared by the server panel (test_panel.py) and the client panel (test_client_panel.py).
A golden is a wsprobe baseline (harness/report/baseline.schema.json, what `wsprobe test-server
--baseline` reads): every accepted non-OK verdict with a one-line reason, and a case it does not
list is expected "OK / OK"."""
import json
import os

import jsonschema

from conftest import HERE

SCHEMA = os.path.join(os.path.dirname(HERE), "harness", "report", "baseline.schema.json")
OK = "OK / OK"


def golden_path(directory, peer):
    return os.path.join(directory, f"{peer['name']}.json")


def load_golden(directory, peer):
    if not os.path.exists(golden_path(directory, peer)):
        return {"wsprobe_baseline": 1, "agent": peer["name"], "library": peer["library"], "accepted": {}}
    with open(golden_path(directory, peer)) as f:
        return json.load(f)


# What a non-OK verdict means, by case, for a first explanation (see write_goldens).
CLASSES = [
    (("3.2", "3.3", "3.4", "4.1.3", "4.1.4", "4.1.5", "4.2.3", "4.2.4", "4.2.5", "5.15"), "NON-STRICT",
     "fails the connection on the protocol error before echoing the valid message sent just before it (Autobahn's NON-STRICT)"),
    (("6.4.1", "6.4.2", "6.4.3", "6.4.4"), "NON-STRICT",
     "checks UTF-8 only once the frame or message is complete, not as bytes arrive (not fail-fast)"),
    (("7.1.6", "7.13.1", "7.13.2", "15.2.1", "15.2.2"), "INFORMATIONAL", "informational by design: the RFC leaves this open"),
]


def explain(cid, got, reason):
    if isinstance(got, list):
        return "the verdict races (it depends on whether the server reads the next frame first): " + ", ".join(got)
    for ids, behavior, text in CLASSES:
        if cid in ids and got.startswith(behavior):
            return text
    behavior, _, close = got.partition(" / ")
    defect = behavior == "FAILED" or close in ("FAILED", "WRONG CODE", "UNCLEAN")
    kind = "defect (a MUST broken)" if defect else "a SHOULD not followed"
    return f"{kind}: {reason}"


def verdict(result):
    return f"{result['behavior']} / {result['behaviorClose']}"


def accepted(value):
    """A golden verdict is one string, or a list where the verdict races (timing-dependent)."""
    return value if isinstance(value, list) else [value]


def accepted_for(golden, cid):
    """The accepted verdicts of a case, and why: a case the golden does not list is expected OK."""
    entry = golden["accepted"].get(cid)
    return (accepted(entry["verdict"]), entry["reason"]) if entry else ([OK], "")


def selected(config, peer):
    wanted = config.getoption("--peer")
    return not wanted or peer["name"] in wanted


def check_golden_explains_every_non_ok_verdict(directory, peer):
    assert os.path.exists(golden_path(directory, peer)), f"no golden for {peer['name']}: run with --regen-goldens"
    golden = load_golden(directory, peer)
    with open(SCHEMA) as f:
        jsonschema.validate(golden, json.load(f))  # the format wsprobe --baseline reads
    unexplained = [cid for cid, e in golden["accepted"].items() if not e["reason"].strip()]
    assert not unexplained, f"{peer['name']}: explain these verdicts in {golden_path(directory, peer)}: {unexplained}"


def check_verdict(request, directory, regenerated, peer, case, results, report_dir, rerun):
    """One case's verdict against the golden in directory; with --regen-goldens or --merge-goldens,
    records it in regenerated (for write_goldens) instead. results: case id -> index.json entry;
    report_dir holds the per-case reports; rerun(peer, case_id) runs the case alone again."""
    got = verdict(results[case["id"]])
    regen = request.config.getoption("--regen-goldens")
    merge = request.config.getoption("--merge-goldens")
    if regen or merge:
        with open(os.path.join(report_dir, results[case["id"]]["reportfile"])) as f:
            reason = json.load(f)["reason"]
        old = accepted_for(load_golden(directory, peer), case["id"])[0]
        new = sorted(set(old) | {got}) if merge else [got]
        regenerated.setdefault(peer["name"], (peer, {}, {}))[1][case["id"]] = new[0] if len(new) == 1 else new
        regenerated[peer["name"]][2][case["id"]] = reason
        return
    expected, note = accepted_for(load_golden(directory, peer), case["id"])
    if got not in expected:
        # Confirm before failing: the case alone, on a fresh start of the peer. Cases whose
        # verdict races by the peer's design list every verdict seen in the golden, with the reason.
        first = got
        got = verdict(rerun(peer, case["id"]))
        if got in expected:
            print(f"{peer['name']} {case['id']}: {first} in the full run, {got} (the golden) alone: load")
    assert got in expected, (f"{peer['name']} {case['id']}: verdict changed from {expected!r} to {got!r}"
                             f"{' (golden note: ' + note + ')' if note else ''}. Either this is a regression or "
                             f"rerun with --regen-goldens to accept it.")


def write_goldens(directory, regenerated):
    """Rewrites the goldens of the peers in regenerated (name -> (peer, verdicts, reasons))."""
    os.makedirs(directory, exist_ok=True)
    for name, (peer, verdicts, reasons) in regenerated.items():
        golden = load_golden(directory, peer)
        golden["agent"] = peer["name"]
        golden["library"] = peer["library"]
        old = golden["accepted"]
        # As `wsprobe --update-baseline`: a verdict already accepted keeps its reason; a new
        # non-OK verdict gets a first explanation from the class of the case and the evidence
        # wsprobe recorded; review it before committing.
        # Cases this run did not select (-k, --peer) keep their entries.
        entries = {cid: e for cid, e in old.items() if cid not in verdicts}
        for cid, v in verdicts.items():
            if accepted(v) == [OK]:
                continue
            kept = cid in old and bool(set(accepted(v)) & set(accepted(old[cid]["verdict"])))
            reason = old[cid]["reason"] if kept else explain(cid, v, reasons.get(cid, ""))
            entries[cid] = {"verdict": v, "reason": reason}
        golden["accepted"] = dict(sorted(entries.items(), key=lambda kv: [int(x) for x in kv[0].split(".")]))
        with open(golden_path(directory, peer), "w") as f:
            json.dump(golden, f, indent=1)
            f.write("\n")
