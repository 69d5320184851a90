#!/usr/bin/env python3
"""PyTorch DDP (gloo) reference for `mpirun -np N lorakit bench train`: the data-parallel counterpart of
scripts/bench-pytorch-peft.py, with the same shape flags and the same model and LoRA (r=16, alpha 32,
dropout 0, AdamW lr 1e-4, random token ids as inputs and labels).

`--ranks` processes on this machine, each with `--threads` intra-op threads, joined by
torch.distributed's gloo backend over the loopback interface. `--batch` is per rank, as a lorakit
recipe's `batch_size` is: the global batch is batch × ranks, and DDP averages the trainable (LoRA)
gradients over the ranks every step. Prints the job's tokens/s (all ranks' tokens) over the timed steps
after 2 warm-up steps. The comparison of the data-parallel issue, on a 2-core machine, at one global batch
(README, "Data-parallel training over MPI", has lorakit's side, recipes/data-parallel-bench-*.yaml):

    python3 scripts/bench-pytorch-ddp.py --arch llama --layers 8 --width 512 --seq 256 --batch 4 --ranks 2 --threads 1
    python3 scripts/bench-pytorch-ddp.py --arch llama --layers 8 --width 512 --seq 256 --batch 8 --ranks 1 --threads 2

`--lorakit-metrics RUN/metrics.jsonl` instead prints a lorakit run's job tokens/s over the same steps (after
the first 2), from its step events, so that the two figures are taken alike.

Needs torch, transformers and peft (`pip install torch peft transformers`); not part of the build.
"""
import argparse
import importlib.util
import json
import os
import pathlib
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from peft import LoraConfig, get_peft_model
from torch.nn.parallel import DistributedDataParallel

WARMUP = 2


def single_process_bench():
    """scripts/bench-pytorch-peft.py as a module, for its model builder (one definition of the shapes)."""
    path = pathlib.Path(__file__).with_name("bench-pytorch-peft.py")
    spec = importlib.util.spec_from_file_location("bench_pytorch_peft", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_rank(rank, args, port, results):
    torch.set_num_threads(args.threads)
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), GLOO_SOCKET_IFNAME=os.environ.get("GLOO_SOCKET_IFNAME", "lo"))
    dist.init_process_group("gloo", rank=rank, world_size=args.ranks)
    torch.manual_seed(0)  # the same initial model and adapter on every rank, as DDP also broadcasts from rank 0
    model, targets = single_process_bench().build(args)
    config = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, target_modules=targets, fan_in_fan_out=args.arch == "gpt2")
    model = get_peft_model(model, config)
    model.train()
    ddp = DistributedDataParallel(model)
    optimizer = torch.optim.AdamW([p for p in ddp.parameters() if p.requires_grad], lr=1e-4)
    generator = torch.Generator().manual_seed(1 + rank)  # each rank its own slice of the global batch
    ids = torch.randint(0, args.vocab, (args.batch, args.seq), generator=generator)
    for step in range(WARMUP + args.steps):
        if step == WARMUP:
            dist.barrier()
            start = time.perf_counter()
        loss = ddp(input_ids=ids, labels=ids).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    dist.barrier()
    seconds = time.perf_counter() - start
    if rank == 0:
        results.put(seconds)
    dist.destroy_process_group()


def lorakit_tokens_per_second(path):
    """A lorakit run's tokens/s after WARMUP steps: its step events give the tokens/s since the start
    (tokens_per_second) and the seconds since the start (elapsed), so their product is the tokens seen."""
    with open(path) as lines:
        steps = [event for event in map(json.loads, lines) if event.get("event") == "step"]
    if len(steps) <= WARMUP:
        raise SystemExit(f"{path}: {len(steps)} step events; the figure needs more than {WARMUP} (recipe logging: 1)")
    first, last = steps[WARMUP - 1], steps[-1]
    tokens = last["tokens_per_second"] * last["elapsed"] - first["tokens_per_second"] * first["elapsed"]
    return tokens / (last["elapsed"] - first["elapsed"]), last["step"] - first["step"]


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    single_process_bench().add_shape_arguments(parser, batch_help="per rank; the global batch is batch × ranks")
    parser.add_argument("--ranks", type=int, default=2, help="processes (DDP world size)")
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads per rank")
    parser.add_argument("--lorakit-metrics", metavar="FILE", help="print a lorakit run's tokens/s from its metrics.jsonl instead")
    args = parser.parse_args()
    if args.lorakit_metrics:
        rate, steps = lorakit_tokens_per_second(args.lorakit_metrics)
        print(f"lorakit: {rate:.0f} tokens/s over {steps} steps (after {WARMUP} warm-up)")
        return
    if args.ranks < 1 or args.threads < 1:
        parser.error("--ranks and --threads must be at least 1")

    context = mp.get_context("spawn")
    results = context.SimpleQueue()
    mp.start_processes(run_rank, args=(args, free_port(), results), nprocs=args.ranks, join=True, start_method="spawn")
    seconds = results.get()
    tokens = args.steps * args.batch * args.ranks * args.seq
    print(f"{args.arch}: {args.layers} layers, width {args.width}, seq {args.seq}, batch {args.batch} per rank × {args.ranks} ranks, "
          f"lora r=16, torch {torch.__version__}, DDP gloo, {args.threads} thread(s) per rank")
    print(f"{tokens / seconds:.0f} tokens/s over {args.steps} steps (after {WARMUP} warm-up)")


if __name__ == "__main__":
    main()
