"""The Node.js peers must run on Debian 12's own nodejs: ci/setup installs Debian's `nodejs npm`
on a machine without node (a fresh Debian has none), so every pinned package's `engines.node`
range in package-lock.json must admit bookworm's version. A bump that needs a newer node (undici
7 needs >=20.18) fails here, not on a user's fresh machine."""
import json
import os
import re

import pytest

# Debian 12 (bookworm) ships nodejs 18.20.4 (18.20.4+dfsg-1~deb12u3, bookworm-security).
DEBIAN_NODE = (18, 20, 4)
LOCK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers", "node", "package-lock.json")


def version(text):
    parts = [int(p) for p in re.findall(r"\d+", text)[:3]]
    return tuple(parts + [0] * (3 - len(parts)))


def admits(spec, have):
    """True if `have` satisfies an npm range made of ||-separated sets of >=, >, <=, <, ^, ~ or
    exact comparators; an unknown form raises, so the test names it instead of guessing."""
    for alternative in spec.split("||"):
        ok = True
        for comp in alternative.split():
            m = re.fullmatch(r"(>=|<=|>|<|\^|~|=)?v?(\d+(?:\.(?:\d+|x|\*))*)", comp)
            if not m:
                raise ValueError(f"unrecognised engines comparator {comp!r} in {spec!r}")
            op, want = m.group(1) or "=", version(m.group(2))
            if op == ">=":
                ok &= have >= want
            elif op == ">":
                ok &= have > want
            elif op == "<=":
                ok &= have <= want
            elif op == "<":
                ok &= have < want
            elif op == "^":
                ok &= have >= want and have[0] == want[0]
            elif op == "~":
                ok &= have >= want and have[:2] == want[:2]
            else:
                ok &= have[:len(m.group(2).split("."))] == want[:len(m.group(2).split("."))]
        if ok:
            return True
    return False


def test_every_pinned_node_package_runs_on_debian_12s_nodejs():
    with open(LOCK) as f:
        packages = json.load(f)["packages"]
    ranges = {name: p["engines"]["node"] for name, p in packages.items()
              if isinstance(p.get("engines"), dict) and "node" in p["engines"]}
    assert ranges, "no engines in package-lock.json: the lock file format changed?"
    refused = {name: spec for name, spec in ranges.items() if not admits(spec, DEBIAN_NODE)}
    assert not refused, f"need a newer node than Debian 12's {DEBIAN_NODE}: {refused}"


@pytest.mark.parametrize("spec,have,expected", [
    (">=18.17", (18, 19, 0), True),
    (">=20.18.1", (18, 19, 0), False),
    ("^18.0.0 || >=20", (18, 19, 0), True),
    ("^20.0.0", (18, 19, 0), False),
    (">=14 <18", (18, 19, 0), False),
    ("~18.19", (18, 19, 0), True),
])
def test_the_range_check_reads_npm_ranges(spec, have, expected):
    assert admits(spec, have) is expected
