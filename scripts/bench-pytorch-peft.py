#!/usr/bin/env python3
"""PyTorch + PEFT reference for `lorakit bench train`: the same shapes, the same recipe.

Random-init GPT-2- or LLaMA-shaped causal LM (float32, vocab 8192), LoRA (or, with --method, LoHa or
LoKr, LLaMA only as PEFT's LoHa/LoKr do not wrap GPT-2's Conv1D; VB-LoRA with PEFT's bank of 256
vectors of length 256; RandLoRA with randlora_alpha 32) r=16, alpha 32, dropout 0
(targets c_attn,c_proj or q/k/v/o_proj), AdamW lr 1e-4, random token ids as inputs and labels.
Prints tokens/s over the timed steps after 2 warm-up steps, as `lorakit bench train` does, so the two
can be run one after the other on the same machine:

    python3 scripts/bench-pytorch-peft.py --arch gpt2 --layers 4 --width 256 --seq 128 --batch 16

With --compare-dora, as `lorakit bench train --compare-dora`: a LoRA and a DoRA model of one base
take steps in turn, and DoRA's overhead is the median over the pairs of DoRA's step time over
LoRA's, so that a neighbour slowing the machine for a while slows both sides alike.

Needs torch, transformers and peft (`pip install torch peft transformers`); not part of the build.
"""
import argparse
import statistics
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
    parser.add_argument("--compare-dora", action="store_true", help="LoRA and DoRA steps in turn; DoRA's overhead over LoRA")
    args = parser.parse_args()
    if (args.dora or args.compare_dora) and args.method != "lora":
        parser.error("--dora and --compare-dora need --method lora")

    ids = torch.randint(0, args.vocab, (args.batch, args.seq), generator=torch.Generator().manual_seed(1))
    shape = f"{args.arch}: {args.layers} layers, width {args.width}, seq {args.seq}, batch {args.batch}"
    versions = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    warmup = 2
    if args.compare_dora:
        lora, dora = Run(args, use_dora=False), Run(args, use_dora=True)
        for _ in range(warmup):
            lora.step(ids)
            dora.step(ids)
        pairs = [(lora.step(ids), dora.step(ids)) for _ in range(args.steps)]
        ratios = sorted(d / l for l, d in pairs)
        print(f"{shape}, lora r=16 and lora (DoRA) r=16 in turn, {versions}")
        print(f"DoRA overhead {100 * (statistics.median(ratios) - 1):.1f}% (median of {len(ratios)} step pairs; "
              f"quartiles {100 * (ratios[len(ratios) // 4] - 1):.1f}% to {100 * (ratios[3 * len(ratios) // 4] - 1):.1f}%); "
              f"LoRA step {1000 * statistics.median(l for l, _ in pairs):.0f} ms, DoRA step {1000 * statistics.median(d for _, d in pairs):.0f} ms")
        return
    run = Run(args, use_dora=args.dora)
    for _ in range(warmup):
        run.step(ids)
    seconds = sum(run.step(ids) for _ in range(args.steps))
    print(f"{shape}, {args.method}{' (DoRA)' if args.dora else ''} r=16, {versions}")
    print(f"{args.steps * args.batch * args.seq / seconds:.0f} tokens/s over {args.steps} steps (after {warmup} warm-up)")


class Run:
    """A seeded model with the benchmark's adapter and its AdamW optimizer; `step` returns its seconds."""

    def __init__(self, args, use_dora):
        torch.manual_seed(0)
        model, targets = build(args)
        if args.method == "lora":
            config = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, target_modules=targets, fan_in_fan_out=args.arch == "gpt2",
                                use_dora=use_dora)
        elif args.method == "vblora":
            config = VBLoRAConfig(r=16, target_modules=targets)
        elif args.method == "randlora":
            config = RandLoraConfig(r=16, randlora_alpha=32, target_modules=targets)
        else:
            config = (LoHaConfig if args.method == "loha" else LoKrConfig)(r=16, alpha=32, target_modules=targets)
        self.model = get_peft_model(model, config)
        self.model.train()
        self.optimizer = torch.optim.AdamW([p for p in self.model.parameters() if p.requires_grad], lr=1e-4)

    def step(self, ids):
        start = time.perf_counter()
        loss = self.model(input_ids=ids, labels=ids).loss
        loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad()
        return time.perf_counter() - start


if __name__ == "__main__":
    main()
