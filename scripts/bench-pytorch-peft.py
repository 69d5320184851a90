#!/usr/bin/env python3
"""PyTorch + PEFT reference for `lorakit bench train`: the same shapes, the same recipe.

Random-init GPT-2- or LLaMA-shaped causal LM (float32, vocab 8192), LoRA (or, with --method, LoHa or
LoKr, LLaMA only as PEFT's LoHa/LoKr do not wrap GPT-2's Conv1D; VB-LoRA with PEFT's bank of 256
vectors of length 256; RandLoRA with randlora_alpha 32) r=16, alpha 32, dropout 0
(targets c_attn,c_proj or q/k/v/o_proj), AdamW lr 1e-4, random token ids as inputs and labels.
Prints tokens/s over the timed steps after 2 warm-up steps, as `lorakit bench train` does, so the two
can be run one after the other on the same machine:

    python3 scripts/bench-pytorch-peft.py --arch gpt2 --layers 4 --width 256 --seq 128 --batch 16

Needs torch, transformers and peft (`pip install torch peft transformers`); not part of the build.
"""
import argparse
import time

import torch
from peft import LoHaConfig, LoKrConfig, LoraConfig, RandLoraConfig, VBLoRAConfig, get_peft_model
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM


def build(args):
    if args.arch == "gpt2":
        config = GPT2Config(vocab_size=args.vocab, n_positions=max(1024, args.seq), n_embd=args.width, n_layer=args.layers,
                            n_head=args.heads or args.width // 64, resid_pdrop=0, embd_pdrop=0, attn_pdrop=0,
                            bos_token_id=0, eos_token_id=0)
        return GPT2LMHeadModel(config), ["c_attn", "c_proj"]
    intermediate = args.intermediate or (8 * args.width // 3 + 63) // 64 * 64
    heads = args.heads or args.width // 64
    config = LlamaConfig(vocab_size=args.vocab, hidden_size=args.width, intermediate_size=intermediate, num_hidden_layers=args.layers,
                         num_attention_heads=heads, num_key_value_heads=heads, max_position_embeddings=max(2048, args.seq))
    return LlamaForCausalLM(config), ["q_proj", "k_proj", "v_proj", "o_proj"]


def add_shape_arguments(parser, batch_help=None):
    """The shape flags `lorakit bench train` takes (shared with scripts/bench-pytorch-ddp.py)."""
    parser.add_argument("--arch", choices=["gpt2", "llama"], default="gpt2")
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--width", type=int, default=768)
    parser.add_argument("--heads", type=int)
    parser.add_argument("--intermediate", type=int)
    parser.add_argument("--vocab", type=int, default=8192)
    parser.add_argument("--seq", type=int, default=256)
    parser.add_argument("--batch", type=int, default=4, help=batch_help)
    parser.add_argument("--steps", type=int, default=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_shape_arguments(parser)
    parser.add_argument("--method", choices=["lora", "loha", "lokr", "vblora", "randlora"], default="lora")
    parser.add_argument("--dora", action="store_true", help="LoRA with use_dora=True (lorakit bench train --dora)")
    args = parser.parse_args()
    if args.dora and args.method != "lora":
        parser.error("--dora needs --method lora")

    torch.manual_seed(0)
    model, targets = build(args)
    if args.method == "lora":
        config = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, target_modules=targets, fan_in_fan_out=args.arch == "gpt2",
                            use_dora=args.dora)
    elif args.method == "vblora":
        config = VBLoRAConfig(r=16, target_modules=targets)
    elif args.method == "randlora":
        config = RandLoraConfig(r=16, randlora_alpha=32, target_modules=targets)
    else:
        config = (LoHaConfig if args.method == "loha" else LoKrConfig)(r=16, alpha=32, target_modules=targets)
    model = get_peft_model(model, config)
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    ids = torch.randint(0, args.vocab, (args.batch, args.seq))
    warmup = 2
    for step in range(warmup + args.steps):
        if step == warmup:
            start = time.perf_counter()
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    seconds = time.perf_counter() - start
    print(f"{args.arch}: {args.layers} layers, width {args.width}, seq {args.seq}, batch {args.batch}, {args.method}{' (DoRA)' if args.dora else ''} r=16, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")
    print(f"{args.steps * args.batch * args.seq / seconds:.0f} tokens/s over {args.steps} steps (after {warmup} warm-up)")


if __name__ == "__main__":
    main()
