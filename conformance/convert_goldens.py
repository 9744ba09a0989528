#!/usr/bin/env python3
"""Converts panel goldens from the old shape ({"peer", "library", "verdicts": every case,
"notes": id -> why}) to wsprobe's baseline format (harness/report/baseline.schema.json): only the
non-OK verdicts, each with its reason. Files already converted are left alone.

    /usr/bin/python3 conformance/convert_goldens.py [conformance/golden/*.json]
"""
import glob
import json
import os
import sys


def accepted(value):
    return value if isinstance(value, list) else [value]


def convert(old):
    out = {"wsprobe_baseline": 1, "agent": old["peer"], "library": old.get("library", ""), "accepted": {}}
    for cid, value in old["verdicts"].items():
        if accepted(value) == ["OK / OK"]:
            continue
        out["accepted"][cid] = {"verdict": value, "reason": old.get("notes", {}).get(cid, "")}
    return out


def main(paths):
    for path in paths:
        with open(path) as f:
            doc = json.load(f)
        if "wsprobe_baseline" in doc:
            continue
        with open(path, "w") as f:
            json.dump(convert(doc), f, indent=1)
            f.write("\n")
        print(f"converted {path}")


if __name__ == "__main__":
    main(sys.argv[1:] or sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "*.json"))))
