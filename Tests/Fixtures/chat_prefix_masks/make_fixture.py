#!/usr/bin/env python3
# Copyright lorakit contributors. Apache-2.0.
"""Expected assistant masks for chat templates without {% generation %} blocks.

lorakit trains chat data with loss on the assistant's tokens. A template without generation
blocks has its assistant tokens found by rendering the conversation before each assistant turn
with the generation prompt: what the whole conversation adds after that prefix, up to the end of
the turn (trailing whitespace left out), is the assistant's. This script gives the reference for
that: each template of the chat_llama3_style and chat_gemma_style cases, with a
{% generation %} block written around every assistant turn's content and end-of-turn token, run
through transformers' apply_chat_template(return_assistant_tokens_mask=True). It also records,
from transformers' own renderings, whether each conversation's prefixes are prefixes of it (where
they are not, lorakit refuses the conversation).

Run from the repository root: python3 Tests/Fixtures/chat_prefix_masks/make_fixture.py
"""
import json
import os

import transformers
from transformers import AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.dirname(HERE)

# The line of each template that writes a turn, and what it becomes with the assistant's turn in a
# generation block.
EDITS = {
    "chat_llama3_style": (
        "    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' -}}",
        "    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' -}}\n"
        "    {%- if message['role'] == 'assistant' -%}{%- generation -%}{{- message['content'] | trim + '<|eot_id|>' -}}{%- endgeneration -%}\n"
        "    {%- else -%}{{- message['content'] | trim + '<|eot_id|>' -}}{%- endif -%}",
    ),
    "chat_gemma_style": (
        "    {{- '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else '') + message['content'] | trim + '<end_of_turn>\\n' -}}",
        "    {{- '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else '') -}}\n"
        "    {%- if role == 'model' -%}{%- generation -%}{{- message['content'] | trim + '<end_of_turn>' -}}{%- endgeneration -%}\n"
        "    {%- else -%}{{- message['content'] | trim + '<end_of_turn>' -}}{%- endif -%}{{- '\\n' -}}",
    ),
}


def render(tokenizer, messages, template, add_generation_prompt):
    return tokenizer.apply_chat_template(messages, chat_template=template, tokenize=False,
                                         add_generation_prompt=add_generation_prompt)


def main():
    out = {"generated_with": {"transformers": transformers.__version__}, "cases": {}}
    for name, (line, replacement) in EDITS.items():
        folder = os.path.join(FIXTURES, name)
        tokenizer = AutoTokenizer.from_pretrained(folder)
        original = tokenizer.chat_template
        assert line in original, f"{name}: the template changed; update EDITS"
        marked = original.replace(line, replacement)
        conversations = json.load(open(os.path.join(folder, "conversations.json")))
        results = []
        for index, messages in enumerate(conversations):
            try:
                text = render(tokenizer, messages, original, False)
            except Exception as error:  # the template refuses the conversation
                results.append({"conversation": index, "raises": True, "message": str(error)})
                continue
            if not any(m["role"] == "assistant" for m in messages):
                results.append({"conversation": index, "raises": False, "has_assistant": False})
                continue
            consistent = True
            for turn, message in enumerate(messages):
                if message["role"] != "assistant":
                    continue
                try:
                    prefix = render(tokenizer, messages[:turn], original, True) if turn > 0 else None
                except Exception:
                    prefix = None
                through = render(tokenizer, messages[: turn + 1], original, False)
                if prefix is None or not text.startswith(through) or not through.startswith(prefix):
                    consistent = False
            encoded = tokenizer.apply_chat_template(messages, chat_template=marked, tokenize=True, return_dict=True,
                                                    return_assistant_tokens_mask=True)
            assert render(tokenizer, messages, marked, False) == text, f"{name} {index}: the marked template renders otherwise"
            results.append({"conversation": index, "raises": False, "has_assistant": True, "prefixes_consistent": consistent,
                            "text": text, "ids": list(encoded["input_ids"]), "assistant_masks": list(encoded["assistant_masks"])})
        out["cases"][name] = {"marked_template": marked, "results": results}
    with open(os.path.join(HERE, "expected.json"), "w") as handle:
        json.dump(out, handle, indent=1, ensure_ascii=False)
        handle.write("\n")


if __name__ == "__main__":
    main()
