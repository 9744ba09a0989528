"""ci/matrix.py turns panel reports into the peers x areas and clients x areas matrices; CI runs it
after the panels, so it is checked here on small reports first (it once broke on a case file it did
not expect)."""
import json
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def matrix(tmp_path, wsprobe, servers, clients):
    """Runs ci/matrix.py on these reports; returns the markdown tables as lists of {header: cell}."""
    for name, agents in (("panel", servers), ("client-panel", clients)):
        (tmp_path / name).mkdir()
        if agents:
            (tmp_path / name / "report.json").write_text(json.dumps(agents))
    proc = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "ci", "matrix.py"), str(tmp_path / "panel"),
                           "--clients", str(tmp_path / "client-panel"), "--wsprobe", wsprobe, "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    tables = []
    for block in (tmp_path / "matrix.md").read_text().strip().split("\n\n"):
        lines = block.splitlines()
        header = [c.strip() for c in lines[0].strip("|").split("|")]
        tables.append([dict(zip(header, [c.strip() for c in row.strip("|").split("|")])) for row in lines[2:]])
    return tables


def test_matrix_counts_failed_and_non_strict_cases_per_area(tmp_path, wsprobe):
    servers = {"peer-a": {
        "1.1.1": {"behavior": "OK", "behaviorClose": "OK"},
        "5.1": {"behavior": "FAILED", "behaviorClose": "OK"},
        "5.2": {"behavior": "OK", "behaviorClose": "WRONG CODE"},
        "2.1": {"behavior": "NON-STRICT", "behaviorClose": "OK"}}}
    [cells] = matrix(tmp_path, wsprobe, servers, {})
    assert cells[0]["peer"] == "peer-a"
    assert cells[0]["Framing"] == "OK"
    assert cells[0]["Fragmentation"] == "2 FAILED"
    assert cells[0]["Pings and pongs"] == "1 NON-STRICT"
    assert cells[0]["Opening handshake"] == "-"
    assert "2 FAILED" in (tmp_path / "matrix.html").read_text()


def test_matrix_has_a_second_table_for_clients_without_server_only_areas(tmp_path, wsprobe):
    servers = {"peer-a": {"1.1.1": {"behavior": "OK", "behaviorClose": "OK"}}}
    clients = {"client-b": {
        "6.3.1": {"behavior": "FAILED", "behaviorClose": "OK"},
        "3.2": {"behavior": "NON-STRICT", "behaviorClose": "OK"}}}
    peers, client_cells = matrix(tmp_path, wsprobe, servers, clients)
    assert peers[0]["peer"] == "peer-a"
    assert client_cells[0]["client"] == "client-b"
    assert client_cells[0]["UTF-8 handling"] == "1 FAILED"
    assert client_cells[0]["Reserved bits"] == "1 NON-STRICT"
    assert client_cells[0]["Framing"] == "-"
    assert "Opening handshake" not in client_cells[0]  # a server-only area
    assert "<h2>Clients</h2>" in (tmp_path / "matrix.html").read_text()
