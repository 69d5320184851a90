#!/usr/bin/env python3
# Copyright lorakit contributors. Apache-2.0.
"""Python `tokenizers` (Rust) reference for `lorakit tokenizer throughput`: the same tokenizer.json,
the same text files, the same work and the same report, so the two can be run one after the other
on the same quiet machine:

    lorakit tokenizer throughput --tokenizer TOKENIZER.json --repeats 3 text.txt
    python3 scripts/bench-tokenizer-python.py --tokenizer TOKENIZER.json --repeats 3 text.txt

As lorakit does, the files are split into lines at "\\n" and every line is encoded on its own
without the post-processor's special tokens (`encode(line, add_special_tokens=False)`), on one
thread; the first pass also fills the tokenizer's word cache. `--batch` instead hands all lines to
`encode_batch` at once, on as many threads as RAYON_NUM_THREADS allows (set to 1 here unless it is
set already, so it is still one core). Bytes count each line's UTF-8 and its newline.

Needs the `tokenizers` package (`pip install tokenizers`; transformers installs it). Not part of the build.
"""
import argparse
import os
import sys
import time

os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from tokenizers import Tokenizer, __version__  # noqa: E402  (after the thread settings)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokenizer", required=True, help="a tokenizer.json, or a folder holding one")
    parser.add_argument("--repeats", type=int, default=1, help="encode the text this many times")
    parser.add_argument("--batch", action="store_true", help="encode_batch over all lines instead of one encode per line")
    parser.add_argument("files", nargs="+", help="UTF-8 text files")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, not {args.repeats}")
    path = os.path.join(args.tokenizer, "tokenizer.json") if os.path.isdir(args.tokenizer) else args.tokenizer
    tokenizer = Tokenizer.from_file(path)
    lines = []
    for name in args.files:
        with open(name, encoding="utf-8", newline="") as handle:
            lines += handle.read().split("\n")
    size = sum(len(line.encode("utf-8")) + 1 for line in lines)
    print(f"tokenizers {__version__}, {'encode_batch' if args.batch else 'encode per line'}, "
          f"RAYON_NUM_THREADS={os.environ['RAYON_NUM_THREADS']}", file=sys.stderr)
    for number in range(1, args.repeats + 1):
        start = time.perf_counter()
        if args.batch:
            tokens = sum(len(encoding.ids) for encoding in tokenizer.encode_batch(lines, add_special_tokens=False))
        else:
            tokens = 0
            for line in lines:
                tokens += len(tokenizer.encode(line, add_special_tokens=False).ids)
        seconds = max(time.perf_counter() - start, 1e-9)
        print(f"pass {number}: {size} bytes, {tokens} tokens in {seconds:.3f} s: "
              f"{size / 1e6 / seconds:.2f} MB/s, {tokens / seconds:.0f} tokens/s")


if __name__ == "__main__":
    main()
