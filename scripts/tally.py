#!/usr/bin/env python3
"""Sum meson test logs (JSON lines) into one line: N passed, N failed, N skipped.

Each meson test counts once. Exits 1 when anything
failed or a log is missing.
"""
import json
import sys

passed = failed = skipped = 0
bad = False
for path in sys.argv[1:]:
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError as e:
        print(f"tally: error: cannot read '{path}': {e.strerror}", file=sys.stderr)
        bad = True
        continue
    for line in lines:
        if not line.strip():
            continue
        t = json.loads(line)
        result = t.get("result")
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed or bad else 0)
