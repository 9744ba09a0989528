"""The reference server, graded case by case: every case of the catalogue is OK, or
INFORMATIONAL where the case is informational by design."""
import pytest

from cases import confirm_failures, failed, load_cases, param
from conftest import run_catalogue

# Client-only cases test clients. Autobahn's slow compression cases (12.x/13.x with 4-128 KiB
# messages, 1000 each: a gigabyte per group) are run as one selection and timed on their own
# (harness/test/test_deflate_cases.py runs a case of each group on every build).
CASES = [c for c in load_cases() if "server" in c["roles"] and not (c["slow"] and c["area"] == "deflate")]


@pytest.mark.parametrize("case", [param(c) for c in CASES])
def test_reference_server(case, wsprobe, reference_url, tmp_path):
    def run(ids, out):
        out.mkdir(exist_ok=True)
        return run_catalogue(wsprobe, reference_url, "wsprobe", str(out), sum((["--cases", i] for i in ids), []))

    result = confirm_failures(run([case["id"]], tmp_path), lambda ids: run(ids, tmp_path / "again"),
                              "reference server")[case["id"]]
    assert not failed(result), result
    assert result["behavior"] == ("INFORMATIONAL" if case["informational"] else "OK"), result
