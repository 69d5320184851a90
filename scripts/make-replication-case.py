#!/usr/bin/env python3
# Copyright lorakit contributors. Licensed under the Apache License, Version 2.0.
"""PEFT's `layer_replication` on BERT and GPT-2, as parity cases in the fixtures' layout.

Writes two case folders (base/, adapter/, inputs.safetensors, expected.safetensors, expected.json,
case.json, as ../shared/fixtures/README.md describes them):

* lora_bert_layer_replication: BertForSequenceClassification (PEFT expands bert.encoder.layer),
  task_type SEQ_CLS (the classifier in modules_to_save); outputs `logits_*`.
* lora_gpt2_layer_replication: the bare GPT2Model (PEFT expands h; it finds no layer list in
  GPT2LMHeadModel, whose blocks are at transformer.h, and refuses it: expected.json records the
  message); outputs `last_hidden_state_*`.

Each model is built from a config with a fixed seed and saved pristine (base/), wrapped with
get_peft_model, every trainable tensor randomised with a seeded generator, and run on the inputs:
`*_original` (the pristine base, original layer count), `*_base` (the expanded stack, adapters
disabled), `*_adapted`, then `merge_and_unload` for `*_merged` and the merged weights (copies of
one layer share it, so each receives every copy's delta). `delta.<module>` is each wrapped module's
get_delta_weight.

    python3 scripts/make-replication-case.py [--out Tests/Fixtures] [--seed 0]

Needs torch, transformers and peft (0.21.2). Two runs give identical folders.
"""
import argparse
import json
import os
import shutil
import sys

import peft
import torch
import transformers
from peft import LoraConfig, get_peft_model
from peft.tuners.lora import LoraLayer
from safetensors.torch import load_file, save_file
from transformers import BertConfig, BertForSequenceClassification, GPT2Config, GPT2LMHeadModel, GPT2Model

PEFT_OWN = {"lora_A", "lora_B", "lora_dropout", "base_layer", "lora_embedding_A", "lora_embedding_B",
            "lora_magnitude_vector", "modules_to_save", "original_module"}
PREFIX = "base_model.model."


def bert(seed):
    config = BertConfig(vocab_size=128, hidden_size=32, num_hidden_layers=3, num_attention_heads=2, intermediate_size=64,
                        max_position_embeddings=32, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                        initializer_range=0.1, num_labels=3, pad_token_id=0)
    lora = dict(r=4, lora_alpha=8, target_modules=["query", "value", "output.dense"], layer_replication=[[0, 2], [1, 3]],
                task_type="SEQ_CLS")
    return dict(name="lora_bert_layer_replication", model_type="bert", task="seq_cls", output="logits",
                build=lambda: BertForSequenceClassification(config), load=BertForSequenceClassification, lora=lora,
                description="LoRA with layer_replication=[[0, 2], [1, 3]] on BertForSequenceClassification: PEFT's "
                "replicate_layers finds bert.encoder.layer and rebuilds it as layers [0, 1, 1, 2]; copies SHARE the base "
                "weights (clone_module(share_weights=True)) but get their own LoRA tensors; task_type SEQ_CLS puts the "
                "classifier in modules_to_save. logits_original is the pristine model, logits_base the replicated stack "
                "with adapters disabled; merge_and_unload adds every copy's delta into the shared weights.")


def gpt2(seed):
    config = GPT2Config(vocab_size=128, n_embd=32, n_layer=3, n_head=2, n_positions=32, resid_pdrop=0.0, embd_pdrop=0.0,
                        attn_pdrop=0.0, initializer_range=0.1)
    lora = dict(r=4, lora_alpha=8, target_modules=["c_attn", "c_fc"], fan_in_fan_out=True,
                layer_replication=[[0, 3], [0, 2]])
    try:
        get_peft_model(GPT2LMHeadModel(config), LoraConfig(**lora))
        refusal = None
    except ValueError as error:
        refusal = str(error)
    return dict(name="lora_gpt2_layer_replication", model_type="gpt2", task="feature_extraction", output="last_hidden_state",
                build=lambda: GPT2Model(config), load=GPT2Model, lora=lora, extra={"lm_head_model_error": refusal},
                description="LoRA with layer_replication=[[0, 3], [0, 2]] on the bare GPT2Model: PEFT's replicate_layers "
                "finds h (as for Falcon) and rebuilds it as layers [0, 1, 2, 0, 1], renumbering each attention's layer_idx "
                "(its own KV-cache slot); copies SHARE the base weights but get their own LoRA tensors. GPT2LMHeadModel is "
                "refused by PEFT (its blocks are at transformer.h): expected.json's lm_head_model_error. "
                "last_hidden_state_original is the pristine model, last_hidden_state_base the replicated stack with adapters "
                "disabled; merge_and_unload adds every copy's delta into the shared weights.")


def inputs(seed, vocab):
    generator = torch.Generator().manual_seed(seed + 2)
    ids = torch.randint(3, vocab, (2, 12), generator=generator)
    mask = torch.ones_like(ids)
    ids[-1, -3:] = 0
    mask[-1, -3:] = 0
    return {"input_ids": ids, "attention_mask": mask}


def output(model, batch, name):
    with torch.no_grad():
        return getattr(model(**batch), name).detach().clone()


def make(spec, seed, root):
    folder = os.path.join(root, spec["name"])
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    torch.manual_seed(seed)
    spec["build"]().save_pretrained(os.path.join(folder, "base"))
    def load():
        model = spec["load"].from_pretrained(os.path.join(folder, "base"), attn_implementation="eager").eval()
        model.name_or_path = ""  # as a model built from its config: the saved base_model_name_or_path is null
        return model
    pristine = load()
    batch = inputs(seed, pristine.config.vocab_size)
    out = spec["output"]
    expected = {f"{out}_original": output(pristine, batch, out)}
    layers_before = pristine.config.num_hidden_layers

    model = get_peft_model(load(), LoraConfig(**spec["lora"])).eval()
    generator = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for _, parameter in sorted(model.named_parameters()):
            if parameter.requires_grad:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.2)
    expected[f"{out}_adapted"] = output(model, batch, out)
    with model.disable_adapter():
        expected[f"{out}_base"] = output(model, batch, out)
    wrapped = [name[len(PREFIX):] for name, module in model.named_modules() if isinstance(module, LoraLayer)]
    for name, module in model.named_modules():
        if isinstance(module, LoraLayer):
            expected[f"delta.{name[len(PREFIX):]}"] = module.get_delta_weight("default").detach().contiguous().clone()
    tree = sorted(name for name, _ in model.base_model.model.named_modules()
                  if name and not PEFT_OWN.intersection(name.split(".")))
    trainable, total = model.get_nb_trainable_parameters()
    model.save_pretrained(os.path.join(folder, "adapter"))
    os.remove(os.path.join(folder, "adapter", "README.md"))
    replicated = model.base_model.model
    layer_count = replicated.config.num_hidden_layers

    merged = model.merge_and_unload()
    expected[f"{out}_merged"] = output(merged, batch, out)
    state = merged.state_dict()
    for name in wrapped:
        expected[f"merged.{name}.weight"] = state[f"{name}.weight"].detach().contiguous().clone()

    save_file(batch, os.path.join(folder, "inputs.safetensors"))
    save_file(dict(sorted(expected.items())), os.path.join(folder, "expected.safetensors"), metadata={"case": spec["name"]})
    layer_map = [index for start, end in spec["lora"]["layer_replication"] for index in range(start, end)]
    adapter_keys = sorted(load_file(os.path.join(folder, "adapter", "adapter_model.safetensors")))
    document = {
        "trainable_parameters": {"trainable": trainable, "total": total},
        "wrapped_modules": wrapped,
        "adapter_keys": adapter_keys,
        "layer_map": layer_map,
        "num_hidden_layers_original": layers_before,
        "num_hidden_layers_after": layer_count,
        "module_tree": tree,
        "module_tree_note": "module names of the wrapped transformers model after get_peft_model, PEFT's own sub-modules "
                            "(lora_A/lora_B/lora_dropout/base_layer, modules_to_save/original_module) left out",
        **spec.get("extra", {}),
    }
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump(document, f, indent=2)
        f.write("\n")
    merged_matches = torch.allclose(expected[f"{out}_merged"], expected[f"{out}_adapted"], atol=1e-4, rtol=1e-4)
    case = {
        "name": spec["name"], "kind": "lora_forward", "description": spec["description"],
        "model_type": spec["model_type"], "task": spec["task"], "tolerance": {"atol": 1e-4, "rtol": 1e-4},
        "format_version": 1,
        "generated_with": {"peft": peft.__version__, "transformers": transformers.__version__, "torch": torch.__version__.split("+")[0],
                           "script": "scripts/make-replication-case.py", "seed": seed},
        "peft_config": spec["lora"], "layer_map": layer_map, "merged_matches_adapted": merged_matches,
    }
    with open(os.path.join(folder, "case.json"), "w") as f:
        json.dump(case, f, indent=2)
        f.write("\n")
    print(f"wrote {folder}: layers {layer_map}, {len(wrapped)} wrapped modules, merged matches adapted: {merged_matches}")


def main():
    if os.environ.get("PYTHONHASHSEED") != "0":  # PEFT writes target_modules in its set's order
        os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, "PYTHONHASHSEED": "0"})
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="Tests/Fixtures")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.use_deterministic_algorithms(True)
    for spec in (bert(args.seed), gpt2(args.seed)):
        make(spec, args.seed, args.out)


if __name__ == "__main__":
    main()
