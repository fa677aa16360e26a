"""Allocation-heavy Python workload for wl-python (workloads/python.sh).

Each iteration builds a batch of records (dicts, lists, strings) from a fixed
seed, round-trips it through json, aggregates it two different ways and
checks they agree, and folds the json text into a CRC. Prints one line:
`checksum <crc> iterations <n>`; a failed self-check exits 3.
Usage: python3 alloc_heavy.py ITERATIONS SEED
"""
import json
import random
import sys
import zlib

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
         "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi"]


def make_record(rng, i):
    """One record: a dict of strings, numbers, a list and a nested dict."""
    name = "-".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
    return {
        "id": i,
        "name": name,
        "tags": [rng.choice(WORDS) for _ in range(rng.randint(0, 6))],
        "score": rng.randint(0, 10_000),
        "attrs": {w: len(w) * rng.randint(1, 9) for w in rng.sample(WORDS, 3)},
        "text": " ".join(str(rng.random())[:8] for _ in range(rng.randint(1, 8))),
    }


def aggregate_loop(records):
    """Score per tag, with plain dicts."""
    out = {}
    for r in records:
        for t in r["tags"]:
            out[t] = out.get(t, 0) + r["score"]
    return out


def aggregate_comprehension(records):
    """The same aggregate, built another way (sorted pairs, grouped)."""
    pairs = sorted((t, r["score"]) for r in records for t in r["tags"])
    out = {}
    for t, s in pairs:
        out.setdefault(t, []).append(s)
    return {t: sum(v) for t, v in out.items()}


def fail(msg):
    print("alloc_heavy.py: self-check failed: " + msg, file=sys.stderr)
    sys.exit(3)


def iteration(rng, it, crc):
    """One iteration: build, round-trip, aggregate, check; returns the CRC."""
    records = [make_record(rng, it * 1000 + i) for i in range(rng.randint(150, 250))]
    text = json.dumps(records, sort_keys=True)
    back = json.loads(text)
    if back != records:
        fail("json round trip differs at iteration %d" % it)
    a, b = aggregate_loop(back), aggregate_comprehension(records)
    if a != b:
        fail("aggregates differ at iteration %d" % it)
    names = sorted({r["name"] for r in back}, key=lambda s: (len(s), s))
    summary = "|".join("%s=%d" % kv for kv in sorted(a.items())) + ";".join(names)
    return zlib.crc32(summary.encode(), zlib.crc32(text.encode(), crc))


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    iterations, seed = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    crc = 0
    for it in range(iterations):
        crc = iteration(rng, it, crc)
    print("checksum %08x iterations %d" % (crc, iterations))


if __name__ == "__main__":
    main()
