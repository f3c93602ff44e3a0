"""Prints Autobahn results per case group; exits 1 on a failed case."""
import collections
import json
import sys

PASSING = {"OK", "NON-STRICT", "INFORMATIONAL"}
results = json.load(open(sys.argv[1]))["rt"]
groups = collections.defaultdict(collections.Counter)
failed = []
for case, result in results.items():
    behaviors = {result["behavior"], result["behaviorClose"]}
    groups[case.split(".")[0]][result["behavior"]] += 1
    if not behaviors <= PASSING:
        failed.append((case, result["behavior"], result["behaviorClose"]))
for group in sorted(groups, key=int):
    counts = groups[group]
    total = sum(counts.values())
    detail = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(f"{group}.*: {counts['OK']}/{total} OK ({detail})")
ok = sum(c["OK"] for c in groups.values())
print(f"{ok}/{len(results)} cases OK; {len(failed)} failed")
for case in sorted(failed)[:20]:
    print("  failed:", *case)
sys.exit(1 if failed else 0)
