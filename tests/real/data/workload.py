"""Allocation-heavy Python workload for tests/real/python.sh.

Exercises dicts, sets, big integers, a JSON round-trip, string building,
garbage collection of reference cycles and threads, and prints a
deterministic summary: the same bytes under any correct malloc.
"""
import gc
import hashlib
import json
import random
import threading


def digest(obj):
    return hashlib.sha256(repr(obj).encode()).hexdigest()[:16]


def dicts_and_sets(rng):
    d = {}
    for i in range(200000):
        d[f"key{rng.randrange(1 << 30)}"] = [i] * (i % 7)
    for k in list(d)[::3]:
        del d[k]
    s = {x * x % 100003 for x in range(150000)}
    s ^= {x for x in range(0, 300000, 7)}
    return len(d), sum(len(v) for v in d.values()), len(s), sum(s) % 1000000007


def big_ints():
    f = 1
    for i in range(2, 3000):
        f *= i
    fib = [0, 1]
    for _ in range(5000):
        fib.append(fib[-1] + fib[-2])
    p = pow(3, 100000, (1 << 4423) - 1)
    text = hex(f)
    return text[:30], len(text), f.bit_length(), fib[-1] % 10**12, p % 999999937


def json_roundtrip(rng):
    doc = {"items": [{"id": i, "name": "n" * (i % 50), "tags": [rng.random() for _ in range(i % 9)],
                      "nested": {"a": [i, {"b": str(i)}]}} for i in range(20000)]}
    text = json.dumps(doc, sort_keys=True)
    back = json.loads(text)
    assert back == doc
    return len(text), hashlib.sha256(text.encode()).hexdigest()[:16]


def strings():
    parts = []
    for i in range(100000):
        parts.append(("%d:" % i) + "x" * (i % 40))
    joined = ",".join(parts)
    s = ""
    for i in range(20000):
        s += chr(97 + i % 26)
    words = joined.split(",")
    return len(joined), len(s), len(set(words)), digest(sorted(words, key=len)[-5:])


class Node:
    def __init__(self, v):
        self.v = v
        self.peer = None
        self.data = bytearray(v % 300)


def cycles():
    gc.collect()
    made = 0
    for round_ in range(30):
        nodes = [Node(i) for i in range(5000)]
        for i, n in enumerate(nodes):
            n.peer = nodes[(i * 7 + round_) % len(nodes)]
        made += len(nodes)
        del nodes
    collected = gc.collect()
    return made, collected >= 0


def worker(seed, out, idx):
    rng = random.Random(seed)
    acc = {}
    for _ in range(60000):
        k = rng.randrange(5000)
        acc[k] = acc.get(k, b"") + bytes([k % 256]) * (k % 5)
        if len(acc[k]) > 200:
            del acc[k]
    out[idx] = digest(sorted((k, len(v)) for k, v in acc.items()))


def threads():
    out = [None] * 4
    ts = [threading.Thread(target=worker, args=(100 + i, out, i)) for i in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


def main():
    rng = random.Random(12345)
    print("dicts_sets", dicts_and_sets(rng))
    print("big_ints", big_ints())
    print("json", json_roundtrip(rng))
    print("strings", strings())
    print("cycles", cycles())
    print("threads", threads())


if __name__ == "__main__":
    main()
