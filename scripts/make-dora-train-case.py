#!/usr/bin/env python3
# Copyright lorakit contributors. Licensed under the Apache License, Version 2.0.
"""DoRA train-step cases with at least as many token rows as input features, in the fixtures' layout.

`train_dora_llama` (../shared/fixtures) has 24 rows into 32 features, so lorakit computes it with
DoRA's output pass; with more rows than input features lorakit folds the magnitude into the layer's
GEMMs instead (`Tensor.doraLinear`). These cases replay that path against PEFT, on both weight
layouts:

* train_dora_llama_rows: LLaMA, q_proj/v_proj/o_proj (nn.Linear, `[out, in]`), 4 x 16 tokens;
* train_dora_gpt2_rows: GPT-2, c_attn/c_proj (transformers' Conv1D, `[in, out]`, fan_in_fan_out, with
  a bias: the base's biases are drawn at random, not GPT-2's zeros).

Each folder holds base/ (the pristine model), adapter/ (the randomised adapter before training),
inputs.safetensors, case.json and expected.safetensors with `grad.*` (after the first backward),
`after3.*` (after 3 AdamW steps), `losses` and `loss`, as train_dora_llama records them, and the
untrained adapter's outputs in eval mode as the merge cases record them (`logits_adapted`,
`logits_base`, `logits_merged`, `merged.*`), so that inference takes the same path.

    python3 scripts/make-dora-train-case.py [--out Tests/Fixtures] [--seed 0]

Needs torch, transformers and peft (0.21.2). Two runs give identical folders.
"""
import argparse
import copy
import json
import os
import shutil
import sys

import peft
import torch
import transformers
from peft import LoraConfig, get_peft_model
from safetensors.torch import save_file
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

OPTIMIZER = {"type": "AdamW", "lr": 0.001, "betas": [0.9, 0.999], "eps": 1e-08, "weight_decay": 0.01, "amsgrad": False,
             "maximize": False}
STEPS = 3


def llama():
    config = LlamaConfig(vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=2, head_dim=8, max_position_embeddings=64, initializer_range=0.1,
                         pad_token_id=0, bos_token_id=1, eos_token_id=2)
    return dict(name="train_dora_llama_rows", model_type="llama", cls=LlamaForCausalLM, config=config,
                lora=dict(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "o_proj"], lora_dropout=0.0, use_dora=True))


def gpt2():
    config = GPT2Config(vocab_size=128, n_embd=32, n_layer=2, n_head=2, n_positions=64, resid_pdrop=0.0, embd_pdrop=0.0,
                        attn_pdrop=0.0, initializer_range=0.1)
    return dict(name="train_dora_gpt2_rows", model_type="gpt2", cls=GPT2LMHeadModel, config=config,
                lora=dict(r=4, lora_alpha=8, target_modules=["c_attn", "c_proj"], fan_in_fan_out=True, lora_dropout=0.0,
                          use_dora=True))


def forward_outputs(model, batch):
    """The untrained adapter in eval mode: `logits_adapted`, `logits_base` (adapters disabled), and on a
    copy merged with merge_and_unload, `logits_merged` and each wrapped module's `merged.*.weight`."""
    inputs = {key: batch[key] for key in ("input_ids", "attention_mask")}
    model.eval()
    with torch.no_grad():
        expected = {"logits_adapted": model(**inputs).logits.clone()}
        with model.disable_adapter():
            expected["logits_base"] = model(**inputs).logits.clone()
        wrapped = [name for name, module in model.base_model.model.named_modules() if hasattr(module, "lora_magnitude_vector")]
        merged = copy.deepcopy(model).merge_and_unload()
        expected["logits_merged"] = merged(**inputs).logits.clone()
        state = merged.state_dict()
        expected.update({f"merged.{name}.weight": state[f"{name}.weight"].clone() for name in wrapped})
    return expected


def make(spec, seed, root):
    folder = os.path.join(root, spec["name"])
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    torch.manual_seed(seed)
    pristine = spec["cls"](spec["config"])
    with torch.no_grad():
        # GPT-2 starts its biases at zero; random ones make the bias's part of DoRA's gradient count.
        biases = torch.Generator().manual_seed(seed + 3)
        for _, parameter in sorted(pristine.named_parameters()):
            if parameter.dim() == 1 and not torch.all(parameter == 1):
                parameter.copy_(torch.randn(parameter.shape, generator=biases) * 0.1)
    pristine.save_pretrained(os.path.join(folder, "base"))
    model = spec["cls"].from_pretrained(os.path.join(folder, "base"), attn_implementation="eager")
    model.name_or_path = ""
    model = get_peft_model(model, LoraConfig(**spec["lora"]))
    generator = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, parameter in sorted(model.named_parameters()):
            if parameter.requires_grad:
                noise = torch.randn(parameter.shape, generator=generator)
                # Magnitudes stay near the weight norms PEFT starts them at; A and B are random.
                parameter.copy_(parameter * (1 + 0.2 * noise) if "lora_magnitude_vector" in name else noise * 0.2)
    model.save_pretrained(os.path.join(folder, "adapter"))
    os.remove(os.path.join(folder, "adapter", "README.md"))

    ids = torch.randint(3, model.config.vocab_size, (4, 16), generator=torch.Generator().manual_seed(seed + 2))
    batch = {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": ids.clone()}
    expected = forward_outputs(model, batch)
    trainable = {name: parameter for name, parameter in model.named_parameters() if parameter.requires_grad}
    optimizer = torch.optim.AdamW(trainable.values(), lr=OPTIMIZER["lr"], betas=tuple(OPTIMIZER["betas"]), eps=OPTIMIZER["eps"],
                                  weight_decay=OPTIMIZER["weight_decay"])
    model.train()
    losses = []
    saved_name = lambda name: name.replace(".default", "").replace("lora_magnitude_vector.weight", "lora_magnitude_vector")
    for step in range(STEPS):
        optimizer.zero_grad()
        loss = model(**batch).loss
        loss.backward()
        if step == 0:
            expected["loss"] = loss.detach().reshape(1).clone()
            expected.update({f"grad.{saved_name(name)}": p.grad.detach().clone() for name, p in trainable.items()})
        optimizer.step()
        losses.append(loss.item())
    expected.update({f"after{STEPS}.{saved_name(name)}": p.detach().clone() for name, p in trainable.items()})
    expected["losses"] = torch.tensor(losses)

    save_file(batch, os.path.join(folder, "inputs.safetensors"))
    save_file(dict(sorted(expected.items())), os.path.join(folder, "expected.safetensors"), metadata={"case": spec["name"]})
    document = {
        "name": spec["name"], "kind": "lora_train_step", "model_type": spec["model_type"], "task": "causal_lm",
        "tolerance": {"atol": 1e-4, "rtol": 1e-4}, "format_version": 1,
        "generated_with": {"peft": peft.__version__, "transformers": transformers.__version__, "torch": torch.__version__.split("+")[0]},
        "peft_config": spec["lora"], "optimizer": OPTIMIZER, "steps": STEPS,
        "tolerance_by_tensor": {"loss": {"atol": 1e-5, "rtol": 1e-5}, "grad.*": {"atol": 1e-5, "rtol": 1e-3},
                                "after3.*": {"atol": 5e-5, "rtol": 1e-4}},
        "description": f"{STEPS} torch.optim.AdamW steps on a randomised DoRA adapter, as train_dora_llama, with 64 token "
                       "rows into 32 input features (4 x 16, no padding, labels = input_ids, train mode, dropouts 0): "
                       "enough rows that lorakit folds DoRA's magnitude into the layer's GEMMs.",
    }
    with open(os.path.join(folder, "case.json"), "w") as file:
        json.dump(document, file, indent=2)
        file.write("\n")


def main():
    if os.environ.get("PYTHONHASHSEED") != "0":
        # PEFT keeps target_modules as a set: a fixed string hash makes its saved order the same every run.
        os.execvpe(sys.executable, [sys.executable] + sys.argv, {**os.environ, "PYTHONHASHSEED": "0"})
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="Tests/Fixtures")
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    torch.use_deterministic_algorithms(True)
    for spec in (llama(), gpt2()):
        make(spec, arguments.seed, arguments.out)
        print(f"wrote {os.path.join(arguments.out, spec['name'])}")


if __name__ == "__main__":
    main()
