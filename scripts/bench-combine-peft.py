#!/usr/bin/env python3
# Copyright lorakit authors. Licensed under the Apache License, Version 2.0.
"""PEFT's side of `lorakit bench combine`: the time of LoraModel.add_weighted_adapter over two random
LoRA adapters of one rank on a random-init LLaMA, on the CPU.

Run both on a quiet machine with the same threads (lorakit's LORAKIT_THREADS, torch's --threads), e.g.
    LORAKIT_THREADS=2 .build/release/lorakit bench combine --arch llama --layers 8 --width 512 --rank 16 --all-linear
    python3 scripts/bench-combine-peft.py --layers 8 --width 512 --rank 16 --threads 2

Needs torch, transformers and peft (`pip install torch peft transformers`); not part of the build.
"""
import argparse
import statistics
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import LlamaConfig, LlamaForCausalLM


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--vocab", type=int, default=8192)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--type", default="svd", help="combination_type")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls after one untimed warm-up")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    heads = max(1, args.width // 64)
    config = LlamaConfig(hidden_size=args.width, num_hidden_layers=args.layers, num_attention_heads=heads,
                         num_key_value_heads=heads, intermediate_size=(8 * args.width // 3 + 63) // 64 * 64,
                         vocab_size=args.vocab, max_position_embeddings=256)
    model = LlamaForCausalLM(config)
    lora = LoraConfig(r=args.rank, lora_alpha=2 * args.rank, target_modules="all-linear", lora_dropout=0.0)
    model = get_peft_model(model, lora, adapter_name="first")
    model.add_adapter("second", lora)
    with torch.no_grad():  # trained-looking adapters, not B = 0, as lorakit's benchmark draws them
        for name, parameter in model.named_parameters():
            if "lora_" in name:
                parameter.normal_(0, 0.02)
    density = None if args.type in ("svd", "linear", "cat") else 0.5
    modules = sum(1 for m in model.modules() if hasattr(m, "lora_A") and "first" in m.lora_A)

    def combine():
        kwargs = {} if density is None else {"density": density}
        model.add_weighted_adapter(["first", "second"], [0.7, 0.3], "combined", combination_type=args.type, **kwargs)
        model.delete_adapter("combined")

    combine()
    times = []
    for _ in range(max(1, args.repeats)):
        start = time.perf_counter()
        combine()
        times.append((time.perf_counter() - start) * 1e3)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"llama {args.layers}x{args.width}, 2 LoRA r={args.rank} on {modules} modules (all-linear)")
    print(f"add_weighted_adapter {args.type}, best of {len(times)}  {min(times):.1f} ms")
    print(f"add_weighted_adapter {args.type}, median  {statistics.median(times):.1f} ms")


if __name__ == "__main__":
    main()
