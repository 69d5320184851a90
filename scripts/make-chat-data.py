#!/usr/bin/env python3
# Copyright lorakit contributors. Apache-2.0.
"""Builds the built-in chat dataset (builtin:chat) from the built-in fortunes and definitions.

Each line of Sources/Models/Resources/builtin/data/chat.jsonl is a conversation in OpenAI's
format, {"messages": [{"role": ..., "content": ...}, ...]}: a user asks for a fortune or for the
meaning of a word, and the assistant answers with an entry of fortunes.jsonl or the completion of
an entry of definitions.jsonl; some conversations have a system message, some a second turn.
Only short, single-line entries are used. The output is the same on every run (fixed seed).

Run from the repository root: python3 scripts/make-chat-data.py
"""
import json
import os
import random
import re

DATA = os.path.join("Sources", "Models", "Resources", "builtin", "data")
SEED = 2026
SYSTEMS = [
    "You are a fortune cookie with a dictionary.",
    "Answer in one short sentence.",
    "You are a wry and patient assistant.",
]
FORTUNE_ASKS = [
    "Tell me my fortune.",
    "What does my fortune cookie say?",
    "Give me a fortune, please.",
    "Any wisdom for today?",
    "Crack open a fortune cookie for me.",
]
AGAIN = ["Another one.", "One more, please.", "And another?"]
WORD_ASKS = ["What does {w} mean?", "Define {w}.", "What is {w}?", "Tell me the meaning of {w}."]
PART_OF_SPEECH = re.compile(r"^(.*?), (n|v|vt|vi|adj|adv|pp|prep|pron|conj|interj|p|a)\b.*$")


def read(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def short(text, limit):
    return len(text) <= limit and "\n" not in text


def main():
    rng = random.Random(SEED)
    fortunes = [r["text"].strip() for r in read("fortunes.jsonl") if short(r["text"].strip(), 120)]
    definitions = []
    for record in read("definitions.jsonl"):
        answer = record["completion"].strip()
        if not short(answer, 160):
            continue
        word = record["prompt"].rstrip(":").strip()
        match = PART_OF_SPEECH.match(word)
        definitions.append((match.group(1) if match else word, answer))
    conversations = []
    for word, answer in definitions:
        conversations.append([{"role": "user", "content": rng.choice(WORD_ASKS).format(w=word)},
                              {"role": "assistant", "content": answer}])
    rng.shuffle(fortunes)
    for index in range(0, 2 * (len(fortunes) // 3), 2):
        messages = [{"role": "user", "content": rng.choice(FORTUNE_ASKS)}, {"role": "assistant", "content": fortunes[index]}]
        if index % 5 == 0:
            messages += [{"role": "user", "content": rng.choice(AGAIN)}, {"role": "assistant", "content": fortunes[index + 1]}]
        conversations.append(messages)
    for messages in conversations:
        if rng.random() < 0.25:
            messages.insert(0, {"role": "system", "content": rng.choice(SYSTEMS)})
    rng.shuffle(conversations)
    with open(os.path.join(DATA, "chat.jsonl"), "w", encoding="utf-8") as handle:
        for messages in conversations:
            handle.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")
    print(f"wrote {len(conversations)} conversations to {os.path.join(DATA, 'chat.jsonl')}")


if __name__ == "__main__":
    main()
