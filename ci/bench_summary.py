"""Prints the codec benchmark figures that matter, with unmask as a ratio to memcpy.

Exits 1 when a ratio falls under its floor: unmask must keep up with memcpy of the same size
(perf-anchors.md goal 1) for payloads of 1 KiB and more.
"""
import json
import sys

UNMASK_FLOOR = 1.0  # x memcpy, payloads >= 1 KiB, cache-resident


def main(path):
    runs = json.load(open(path))["benchmarks"]
    median = {r["run_name"]: r for r in runs if r.get("aggregate_name") == "median"}
    gbps = lambda r: r["bytes_per_second"] / 1e9
    failed = False
    print(f"{'size':>10} {'unmask GB/s':>12} {'memcpy GB/s':>12} {'ratio':>7}")
    for name, r in median.items():
        if not name.startswith("BM_unmask/"):
            continue
        size = int(name.split("/")[1])
        base = median.get(f"BM_memcpy/{size}")
        ratio = gbps(r) / gbps(base)
        flag = ""
        if size >= 1024 and size <= (1 << 20) and ratio < UNMASK_FLOOR:
            flag, failed = "  < floor", True
        print(f"{size:>10} {gbps(r):>12.1f} {gbps(base):>12.1f} {ratio:>6.2f}x{flag}")
    for name in ("BM_utf8_ascii/65536", "BM_utf8_ascii/16777216", "BM_utf8_mixed/65536",
                 "BM_utf8_mixed/16777216"):
        print(f"{name:<28} {gbps(median[name]):8.2f} GB/s")
    print(f"{'small frames parsed':<28} {median['BM_parse_small_frames']['frames/s'] / 1e6:8.1f} M frames/s")
    print(f"{'handshakes parsed+accepted':<28} {median['BM_handshake_parse_accept']['handshakes/s'] / 1e3:8.0f} k/s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
