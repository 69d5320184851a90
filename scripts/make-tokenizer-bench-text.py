#!/usr/bin/env python3
# Copyright lorakit contributors. Apache-2.0.
"""Writes mixed text for comparing tokenizer throughput (`lorakit tokenizer throughput` against
scripts/bench-tokenizer-python.py): about 60% English prose (the built-in King James corpus), 15%
short quotations (builtin:fortunes), 20% source code (this repository's Swift files) and 5%
multilingual, numeric and punctuation-heavy lines (the tokenizer fixtures' texts.json), mixed
line by line with a fixed seed, so the same file comes out on every run.

    python3 scripts/make-tokenizer-bench-text.py --megabytes 10 --out /tmp/mixed.txt
    lorakit tokenizer throughput --tokenizer Tests/Fixtures/tokenizer_llama3_style --repeats 3 /tmp/mixed.txt
    python3 scripts/bench-tokenizer-python.py --tokenizer Tests/Fixtures/tokenizer_llama3_style --repeats 3 /tmp/mixed.txt

Run from the repository root.
"""
import argparse
import glob
import json
import random

SHARES = [("prose", 0.60), ("quotes", 0.15), ("code", 0.20), ("mixed", 0.05)]


def sources():
    data = "Sources/Models/Resources/builtin/data/"
    prose = [line for line in open(data + "pretrain.txt", encoding="utf-8").read().split("\n") if line]
    quotes = [json.loads(line)["text"].replace("\n", " ") for line in open(data + "fortunes.jsonl", encoding="utf-8") if line.strip()]
    code = [line for path in sorted(glob.glob("Sources/**/*.swift", recursive=True))
            for line in open(path, encoding="utf-8").read().split("\n")]
    mixed = [text.replace("\n", " ") for path in sorted(glob.glob("Tests/Fixtures/tokenizer_*/texts.json"))
             for text in json.load(open(path, encoding="utf-8")) if text.strip()]
    return {"prose": prose, "quotes": quotes, "code": code, "mixed": mixed}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=float, default=10, help="size of the output, in MB (10^6 bytes)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--out", required=True, help="the text file to write")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pools = sources()
    target = int(args.megabytes * 1e6)
    position = {name: rng.randrange(len(pool)) for name, pool in pools.items()}
    written = {name: 0 for name, _ in SHARES}
    lines, total = [], 0
    while total < target:
        # The kind furthest below its share goes next, from where that source was left off.
        name = min(SHARES, key=lambda share: written[share[0]] / share[1])[0]
        run = rng.randint(1, 8)
        for _ in range(run):
            line = pools[name][position[name] % len(pools[name])]
            position[name] += 1
            size = len(line.encode("utf-8")) + 1
            lines.append(line)
            written[name] += size
            total += size
    with open(args.out, "w", encoding="utf-8", newline="") as handle:
        handle.write("\n".join(lines) + "\n")
    print(f"wrote {total} bytes to {args.out}: " + ", ".join(f"{name} {written[name] / total:.0%}" for name, _ in SHARES))


if __name__ == "__main__":
    main()
