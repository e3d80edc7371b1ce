#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""profile_lines.py DIR PROGRAM [LINES] - where a program's time goes, by source line

DIR holds profile.sh's perf.data (perf record -g) and jit_lines' files.
Prints, of the samples taken inside BPF_PROG_TEST_RUN: each program's
share, its own instructions apart from the kernel functions it calls
(hash lookups, redirect); then the program's own samples by source file
and by line, through the JIT line table of the tag perf saw.
"""
import bisect
import collections
import os
import re
import subprocess
import sys


# a BPF program's symbol: bpf_prog_TAG_NAME (not the kernel's bpf_prog_run_xdp)
PROG_SYM = re.compile(r"bpf_prog_[0-9a-f]{16}_")


def samples(data):
    """Each sample's frames, innermost first, as (symbol, offset)."""
    out = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym,symoff"],
                         capture_output=True, text=True, check=True).stdout
    for block in out.split("\n\n"):
        frames = []
        for line in block.strip().split("\n"):
            f = line.split(None, 1)
            if len(f) < 2:
                continue
            m = re.match(r"(\S+?)\+0x([0-9a-f]+)", f[1])
            frames.append((m.group(1), int(m.group(2), 16)) if m else (f[1].strip(), 0))
        if frames:
            yield frames


def line_table(path):
    """The offsets of a jit_lines .lines file, and each one's file:line."""
    rows = []
    with open(path) as f:
        for line in f:
            off, loc, src = (line.rstrip("\n").split("\t") + [""])[:3]
            rows.append((int(off, 16), loc, src.strip()))
    rows.sort()
    return [r[0] for r in rows], rows


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__.split("\n")[0], file=sys.stderr)
        return 2
    d, prog = sys.argv[1], sys.argv[2]
    nlines = int(sys.argv[3]) if len(sys.argv) == 4 else 25
    owner = collections.Counter()
    split = collections.Counter()
    own = collections.Counter()
    tag = None
    total = 0
    for frames in samples(os.path.join(d, "perf.data")):
        if not any(s == "bpf_test_run" for s, _ in frames):
            continue
        total += 1
        # the program under test: the innermost one that is not the harness
        progs = [s for s, _ in frames if PROG_SYM.match(s)
                 and not s.endswith("_bench_restore")]
        name = progs[0].split("_", 3)[3] if progs else "harness"
        owner[name] += 1
        leaf, off = frames[0]
        split[(name, "own" if PROG_SYM.match(leaf) else "kernel")] += 1
        if PROG_SYM.match(leaf) and leaf.endswith("_" + prog):
            tag = leaf.split("_")[2]
            own[off] += 1
    if not total:
        print("profile_lines: no samples inside BPF_PROG_TEST_RUN", file=sys.stderr)
        return 1
    print(f"samples in BPF_PROG_TEST_RUN: {total}")
    for name, n in owner.most_common(6):
        print(f"  {100 * n / total:5.1f}% {name}: own instructions "
              f"{100 * split[(name, 'own')] / total:.1f}%, kernel functions "
              f"{100 * split[(name, 'kernel')] / total:.1f}%")
    if not tag:
        print(f"profile_lines: no sample inside {prog}", file=sys.stderr)
        return 1
    offs, rows = line_table(os.path.join(d, f"jit.{tag}.lines"))
    by_line = collections.Counter()
    for off, n in own.items():
        i = bisect.bisect_right(offs, off) - 1
        by_line[rows[i][1] if i >= 0 else "?"] += n
    n_own = sum(own.values())
    by_file = collections.Counter()
    for loc, n in by_line.items():
        by_file[loc.rsplit(":", 1)[0]] += n
    print(f"\n{prog} (tag {tag}), its own samples by file:")
    for f, n in by_file.most_common():
        print(f"  {100 * n / n_own:5.1f}% {f}")
    print("\nby line (a sample lands on the instruction after the one that "
          "stalled, often the next line):")
    for loc, n in by_line.most_common(nlines):
        print(f"  {100 * n / n_own:5.1f}% {loc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
