#!/usr/bin/env bash
# Builds lorakit's embedded corpora from Debian packages, deterministically.
#
#   pretrain.txt       King James Bible (bible-kjv-text, read through bible-kjv's `bible`),
#                      one verse per line, a blank line between chapters, no references.
#   fortunes.jsonl     {"text": ...}: short fortunes from fortunes-min and fortunes
#                      (the offensive set, fortunes-off, is never read).
#   definitions.jsonl  {"prompt": ..., "completion": ...}: the `definitions` fortune file,
#                      prompt = the headword line ("Absentee, n.:"), completion = its definition.
#
# Needs: apt-get install -y bible-kjv bible-kjv-text fortunes fortunes-min; python3.
# Usage: scripts/prepare-corpora.sh [OUTPUT_DIR]   (default Sources/Models/Resources/builtin/data)
# Sources, versions and licences are recorded in Sources/Models/Resources/builtin/SOURCES.md;
# the script refuses other package versions so that its output stays byte-for-byte the same.
set -euo pipefail

cd "$(dirname "$0")/.."
out="${1:-Sources/Models/Resources/builtin/data}"
mkdir -p "$out"

declare -A expected=(
    [bible-kjv]=4.38
    [bible-kjv-text]=4.38
    [fortunes]=1:1.99.1-7.3
    [fortunes-min]=1:1.99.1-7.3
)
for package in "${!expected[@]}"; do
    installed="$(dpkg-query -W -f='${Version}' "$package" 2>/dev/null || true)"
    if [[ "$installed" != "${expected[$package]}" ]]; then
        echo "error: $package ${expected[$package]} is needed (found: ${installed:-not installed})." >&2
        echo "       Install with: apt-get install -y bible-kjv bible-kjv-text fortunes fortunes-min" >&2
        exit 1
    fi
done

export LC_ALL=C.UTF-8
bible -f -l0 gen1:1-rev22:21 > "$out/.kjv-verses.tmp"

python3 - "$out" <<'PYTHON'
import json
import os
import re
import sys

out = sys.argv[1]
FORTUNES = "/usr/share/games/fortunes"
MAX_CHARACTERS = 400

# fortunes-min's three files first, then the tame, prose-like files of `fortunes`. Left out:
# pictures (art, ascii-art), jargon and code (computers, debian, linux, linuxcookie, perl),
# non-English (translate-me), non sequiturs and fan lore (zippy, startrek, knghtbrd), lyrics
# (songs-poems), the files nearest the offensive line (drugs, ethnic, men-women, politics), and
# the largest general files (cookie, people, science) to keep the set to a few hundred KB.
# `definitions` becomes its own data set.
FORTUNE_FILES = [
    "fortunes", "literature", "riddles",
    "wisdom", "platitudes", "humorists", "work", "education", "miscellaneous", "food",
    "pets", "love", "kids", "law", "medicine", "sports", "paradoxum", "goedel", "magic",
]


def write_atomically(path, text):
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    os.replace(temporary, path)


def bible_text():
    """One verse per line without its reference; a blank line where a chapter ends."""
    reference = re.compile(r"^([1-3]?[A-Za-z]+)(\d+):(\d+) (.+)$")
    lines, chapter = [], None
    path = os.path.join(out, ".kjv-verses.tmp")
    with open(path, encoding="utf-8") as handle:
        verses = handle.read().splitlines()
    os.remove(path)
    for verse in verses:
        match = reference.match(verse)
        if match is None:
            sys.exit(f"error: unexpected line from `bible`: {verse!r}")
        book, number, _, text = match.groups()
        if chapter is not None and chapter != (book, number):
            lines.append("")
        chapter = (book, number)
        lines.append(" ".join(text.split()))
    if len(verses) != 31102:
        sys.exit(f"error: `bible` gave {len(verses)} verses, the King James Bible has 31102")
    return "\n".join(lines) + "\n"


def cookies(name):
    """The entries of a fortune file, in file order, as raw strings."""
    with open(os.path.join(FORTUNES, name + ".u8"), encoding="utf-8") as handle:
        text = handle.read()
    return [entry for entry in re.split(r"^%\n", text, flags=re.M) if entry.strip()]


def tidy(entry):
    """Strips indentation, collapses runs of blanks, keeps line and paragraph breaks."""
    lines = [" ".join(line.split()) for line in entry.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def looks_like_picture(text):
    symbols = sum(1 for c in text if not (c.isalnum() or c.isspace()))
    return symbols > len(text) * 0.25


def fortunes():
    seen, records = set(), []
    for name in FORTUNE_FILES:
        for entry in cookies(name):
            text = tidy(entry)
            if len(text) > MAX_CHARACTERS or text in seen or looks_like_picture(text):
                continue
            seen.add(text)
            records.append({"text": text})
    return records


def definitions():
    """Entries shaped 'Headword:' + indented body become prompt/completion pairs."""
    records, seen = [], set()
    for entry in cookies("definitions"):
        head, _, body = entry.strip("\n").partition("\n")
        if not head.endswith(":") or not body.strip() or not body[:1].isspace():
            continue
        prompt, completion = " ".join(head.split()), tidy(body)
        if len(prompt) + len(completion) + 1 > MAX_CHARACTERS or prompt in seen:
            continue
        seen.add(prompt)
        records.append({"prompt": prompt, "completion": " " + completion})
    return records


def jsonl(records):
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


write_atomically(os.path.join(out, "pretrain.txt"), bible_text())
write_atomically(os.path.join(out, "fortunes.jsonl"), jsonl(fortunes()))
write_atomically(os.path.join(out, "definitions.jsonl"), jsonl(definitions()))
PYTHON

wc -c -l "$out/pretrain.txt" "$out/fortunes.jsonl" "$out/definitions.jsonl"
