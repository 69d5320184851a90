#!/usr/bin/env python3
# Copyright lorakit contributors. Licensed under the Apache License, Version 2.0.
"""PEFT loads lorakit's re-saved adapters and gives the fixture's outputs.

For each PEFT fixture case folder given (base/, adapter/, inputs.safetensors, expected.safetensors,
case.json), `lorakit run` loads the case's base and adapter and saves the adapter again, as a user
would with `load`, `adapter load` and `save`; then PEFT (`PeftModel.from_pretrained`) loads that
re-saved adapter onto the pristine base/ and its outputs, adapted and after `merge_and_unload`, are
compared with the case's `logits_adapted` and `logits_merged` within the case's tolerance (a bare
model's `last_hidden_state_*`; the model class follows case.json's `task`).

    python3 scripts/peft-reload-check.py [--lorakit .build/debug/lorakit] CASE_DIR...

Needs torch, transformers and peft (the fixtures were made with PEFT 0.21.2). Exits non-zero when
any comparison fails.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import torch
from peft import PeftModel
from safetensors.torch import load_file
from transformers import AutoModel, AutoModelForCausalLM, AutoModelForSequenceClassification

# case.json's task: the transformers class that loads base/ and the output compared.
TASKS = {"causal_lm": (AutoModelForCausalLM, "logits"), "seq_cls": (AutoModelForSequenceClassification, "logits"),
         "feature_extraction": (AutoModel, "last_hidden_state")}


def resave(lorakit, case, out):
    script = os.path.join(out, "resave.lks")
    with open(script, "w") as f:
        f.write(f"load {case}/base\nadapter load {case}/adapter\nsave {out}/adapter\n")
    subprocess.run([lorakit, "run", script], check=True, cwd=out, stdout=subprocess.DEVNULL)
    return os.path.join(out, "adapter")


def output(model, inputs, name):
    with torch.no_grad():
        return getattr(model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"]), name)


def check(case, lorakit):
    info = json.load(open(os.path.join(case, "case.json")))
    tol = info["tolerance"]
    expected = load_file(os.path.join(case, "expected.safetensors"))
    inputs = load_file(os.path.join(case, "inputs.safetensors"))
    failures = []
    with tempfile.TemporaryDirectory() as out:
        adapter = resave(lorakit, case, out)
        auto, name = TASKS[info.get("task", "causal_lm")]
        base = auto.from_pretrained(os.path.join(case, "base"), attn_implementation="eager")
        model = PeftModel.from_pretrained(base, adapter).eval()
        results = {f"{name}_adapted": output(model, inputs, name)}
        if f"{name}_merged" in expected:
            results[f"{name}_merged"] = output(model.merge_and_unload(), inputs, name)
    for name, actual in results.items():
        ok = torch.allclose(actual, expected[name], atol=tol["atol"], rtol=tol["rtol"])
        diff = (actual - expected[name]).abs().max().item()
        print(f"{info['name']}: {name} {'ok' if ok else 'FAILS'} (max |diff| {diff:.2e})")
        if not ok:
            failures.append(f"{info['name']}.{name}")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lorakit", default=".build/debug/lorakit")
    parser.add_argument("cases", nargs="+")
    args = parser.parse_args()
    lorakit = os.path.abspath(args.lorakit)
    failures = [f for case in args.cases for f in check(os.path.abspath(case), lorakit)]
    if failures:
        print("failed: " + ", ".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
