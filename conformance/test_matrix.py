"""ci/matrix.py turns panel reports into the peers x areas matrix; CI runs it after the panel, so it
is checked here on a small report first (it once broke on a case file it did not expect)."""
import json
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_matrix_counts_failed_and_non_strict_cases_per_area(tmp_path, wsprobe):
    reports = tmp_path / "panel"
    reports.mkdir()
    (reports / "peer.json").write_text(json.dumps({"peer-a": {
        "1.1.1": {"behavior": "OK", "behaviorClose": "OK"},
        "5.1": {"behavior": "FAILED", "behaviorClose": "OK"},
        "5.2": {"behavior": "OK", "behaviorClose": "WRONG CODE"},
        "2.1": {"behavior": "NON-STRICT", "behaviorClose": "OK"}}}))
    proc = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "ci", "matrix.py"), str(reports),
                           "--wsprobe", wsprobe, "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    md = (tmp_path / "matrix.md").read_text().splitlines()
    header = [c.strip() for c in md[0].strip("|").split("|")]
    row = [c.strip() for c in md[2].strip("|").split("|")]
    cells = dict(zip(header, row))
    assert cells["peer"] == "peer-a"
    assert cells["Framing"] == "OK"
    assert cells["Fragmentation"] == "2 FAILED"
    assert cells["Pings and pongs"] == "1 NON-STRICT"
    assert cells["Opening handshake"] == "-"
    assert "2 FAILED" in (tmp_path / "matrix.html").read_text()
