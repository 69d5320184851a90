#!/usr/bin/env python3
# Copyright lorakit authors. Licensed under the Apache License, Version 2.0.
"""PEFT's side of the LoRA init timings (`lorakit init` prints the same line): the time of PEFT's
init alone (not the model load) on a random-init LLaMA, all-linear targets, on the CPU.

First `--prepare DIR` writes what both sides read, so they start from the same weights:
    DIR/model/                        the LLaMA (save_pretrained, safetensors), `lorakit bench train --arch llama` shape
    DIR/calibration.safetensors       input_ids and attention_mask, int64 [batches, batch, length]: text, the
                                      built-in King James corpus through the built-in tiny-llama tokenizer
    DIR/configs/INIT/adapter_config.json   LoRA r, alpha 2r, all-linear, for INIT in pissa, pissa_niter_4, eva, loftq
Then each init, one per process, on the same threads (torch's --threads, lorakit's LORAKIT_THREADS):
    python3 scripts/bench-init-peft.py --dir DIR --init pissa --threads 2
    LORAKIT_THREADS=2 .build/release/lorakit init --model DIR/model --config DIR/configs/pissa/adapter_config.json --out OUT
(EVA: `--data DIR/calibration.safetensors` on lorakit's side.) Both print "<init> init N.NN s".

What is timed: `get_peft_model` (PiSSA, pissa_niter_N, LoftQ: PEFT inits each layer as it wraps it), and
for EVA `get_peft_model` + `initialize_lora_eva_weights` over the calibration batches (cycled until
EVA converges, as PEFT's loop does; it prints the forward passes and converged layers as lorakit does).
Calibration ids drawn uniformly at random would give a random-init model nearly isotropic inputs, whose
components never settle; text's skewed token frequencies give them directions to converge on.
PEFT 0.21's `loftq_init` quantises with bitsandbytes and moves the weight to CUDA (or XPU) first, so it
cannot run on a CPU-only machine: this script runs PEFT's own `loftq_init` body on the CPU instead
(bitsandbytes' CPU NF4, PEFT's `_low_rank_decomposition`), swapped in for the one PEFT's LoRA layer calls,
so the rest of `get_peft_model` is PEFT's.

Needs torch, transformers, peft, safetensors, tokenizers and, for LoftQ, bitsandbytes (CPU); not part of the
build. Run from the repository root (--prepare reads Sources/Models/Resources/builtin/).
"""
import argparse
import json
import os
import sys
import time

import torch


def llama_config(args):
    from transformers import LlamaConfig

    heads = args.width // 64
    return LlamaConfig(hidden_size=args.width, num_hidden_layers=args.layers, num_attention_heads=heads, num_key_value_heads=heads,
                       intermediate_size=(8 * args.width // 3 + 63) // 64 * 64, vocab_size=args.vocab,
                       max_position_embeddings=args.length)


def lora_config(init, rank):
    from peft import EvaConfig, LoftQConfig, LoraConfig

    extra = {"loftq_config": LoftQConfig(loftq_bits=4, loftq_iter=1)} if init == "loftq" else {}
    if init == "eva":
        extra = {"eva_config": EvaConfig()}  # PEFT's defaults, as the saved config names them (no warning)
    return LoraConfig(r=rank, lora_alpha=2 * rank, target_modules="all-linear", lora_dropout=0.0, init_lora_weights=init, **extra)


INITS = ["pissa", "pissa_niter_4", "eva", "loftq"]


def prepare(args):
    from safetensors.torch import save_file
    from transformers import LlamaForCausalLM

    torch.manual_seed(0)
    LlamaForCausalLM(llama_config(args)).save_pretrained(os.path.join(args.dir, "model"), safe_serialization=True)
    ids = calibration_ids(args)
    save_file({"input_ids": ids, "attention_mask": torch.ones_like(ids)}, os.path.join(args.dir, "calibration.safetensors"))
    for init in INITS:
        lora_config(init, args.rank).save_pretrained(os.path.join(args.dir, "configs", init))
    print(f"wrote {args.dir}: model/, calibration.safetensors ({args.batches}×{args.batch}×{args.length}), configs/{{{','.join(INITS)}}}")


def calibration_ids(args):
    """`batches × batch` rows of `length` tokens of the King James text (4096-token tokenizer, within
    the bench vocab), each row from the start of a verse, the rows spread evenly over the book."""
    from tokenizers import Tokenizer

    builtin = "Sources/Models/Resources/builtin/"
    tokenizer = Tokenizer.from_file(builtin + "tiny-llama/tokenizer.json")
    if tokenizer.get_vocab_size() > args.vocab:
        raise SystemExit(f"--vocab {args.vocab} is smaller than the calibration tokenizer's {tokenizer.get_vocab_size()} tokens")
    with open(builtin + "data/pretrain.txt", encoding="utf-8") as file:
        text = file.read()
    count = args.batches * args.batch
    rows = []
    for k in range(count):
        start = text.index("\n", k * (len(text) // count)) + 1 if k else 0
        ids = tokenizer.encode(text[start:start + 8 * args.length]).ids[:args.length]
        if len(ids) < args.length:
            raise SystemExit(f"calibration row {k} has only {len(ids)} tokens; lower --length or --batches")
        rows.append(ids)
    return torch.tensor(rows, dtype=torch.int64).reshape(args.batches, args.batch, args.length)


def cpu_loftq_init(weight, num_bits, reduced_rank, num_iter=1):
    """PEFT 0.21's `loftq_init` (4 bits) with its compute device the CPU instead of CUDA."""
    import bitsandbytes as bnb
    from peft.utils.loftq_utils import _low_rank_decomposition

    if num_bits != 4:
        raise ValueError("this CPU stand-in of loftq_init covers loftq_bits 4 (NF4) only")
    device, dtype = weight.device, weight.dtype
    weight = weight.to(dtype=torch.float32)
    res = weight.clone()
    for i in range(num_iter):
        qweight = bnb.nn.Params4bit(res.to("cpu"), requires_grad=False, compress_statistics=False, quant_type="nf4").to("cpu")
        dequantized_weight = bnb.functional.dequantize_4bit(qweight.data, qweight.quant_state)
        res = weight - dequantized_weight
        output = _low_rank_decomposition(res, reduced_rank=reduced_rank)
        L, R = output["L"], output["R"]
        if i + 1 == num_iter:
            break
        res = weight - torch.mm(L, R)
    return dequantized_weight.to(device=device, dtype=dtype), R, L


class EvaLoopReport:
    """Stands in for the tqdm bar of PEFT's EVA loop (`_get_eva_state_dict`): keeps the description the
    loop sets before each pass, "K/N layers have converged", and writes it to stderr with the seconds
    since the loop began, one line per pass, so a run that never converges still shows its progress."""

    last = ""
    start = None

    def __init__(self, iterable, **_):
        self.iterable = iterable

    def __iter__(self):
        return iter(self.iterable)

    def set_description(self, text):
        EvaLoopReport.last = text
        EvaLoopReport.start = EvaLoopReport.start or time.perf_counter()
        print(f"EVA {time.perf_counter() - EvaLoopReport.start:.1f} s: {text}", file=sys.stderr, flush=True)


def time_init(args):
    import peft.tuners.lora.eva as eva
    import peft.tuners.lora.layer as lora_layer
    from peft import get_peft_model, initialize_lora_eva_weights
    from safetensors.torch import load_file
    from transformers import LlamaForCausalLM

    model = LlamaForCausalLM.from_pretrained(os.path.join(args.dir, "model"), torch_dtype=torch.float32)
    model.eval()
    with open(os.path.join(args.dir, "configs", args.init, "adapter_config.json")) as file:
        rank = json.load(file)["r"]
    config = lora_config(args.init, rank)
    if args.init == "loftq":
        lora_layer.loftq_init = cpu_loftq_init
    forwards = [0]
    model.register_forward_pre_hook(lambda *_: forwards.__setitem__(0, forwards[0] + 1))
    if args.init == "eva":
        eva.tqdm = EvaLoopReport
        data = load_file(os.path.join(args.dir, "calibration.safetensors"))
        batches = [{key: value[i] for key, value in data.items()} for i in range(data["input_ids"].shape[0])]
    start = time.perf_counter()
    peft_model = get_peft_model(model, config)
    if args.init == "eva":
        initialize_lora_eva_weights(peft_model, batches, show_progress_bar=True)
    seconds = time.perf_counter() - start
    modules = sum(1 for m in peft_model.modules() if isinstance(m, lora_layer.LoraLayer))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {modules} LoRA modules"
          + (f"; EVA: {forwards[0]} forward passes; {EvaLoopReport.last.split()[0]} layers converged" if args.init == "eva" else ""))
    print(f"{args.init} init {seconds:.2f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", required=True, help="the folder --prepare writes and --init reads")
    parser.add_argument("--prepare", action="store_true", help="write the model, calibration data and configs, then stop")
    parser.add_argument("--init", choices=INITS, help="the init to time")
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--vocab", type=int, default=8192)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--batches", type=int, default=8, help="calibration batches")
    parser.add_argument("--batch", type=int, default=8, help="rows per calibration batch")
    parser.add_argument("--length", type=int, default=256, help="tokens per calibration row")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.prepare:
        prepare(args)
    elif args.init:
        time_init(args)
    else:
        parser.error("give --prepare or --init INIT")


if __name__ == "__main__":
    main()
