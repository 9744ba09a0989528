"""The catalogue as the driver sees it: case ids and areas, read from conformance/cases/*.json."""
import glob
import json
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


def load_cases():
    cases = []
    for path in sorted(glob.glob(os.path.join(HERE, "cases", "*.json"))):
        with open(path) as f:
            doc = json.load(f)
        for c in doc["cases"]:
            cases.append({"id": c["id"], "area": doc["area"], "rfc": c["rfc"],
                          "informational": c.get("informational", False)})
    if not cases:
        raise RuntimeError("no cases in conformance/cases")
    return cases


def param(case, *prefix):
    """A pytest param for a case, marked with its area (so -m utf8 selects)."""
    return pytest.param(*prefix, case, id="-".join([*(str(p) if isinstance(p, str) else p["name"] for p in prefix), case["id"]]),
                        marks=getattr(pytest.mark, case["area"]))


def failed(result):
    return result["behavior"] == "FAILED" or result["behaviorClose"] in ("FAILED", "WRONG CODE", "UNCLEAN")
