#!/usr/bin/env python3
"""PyTorch DDP (gloo) reference for `mpirun -np N lorakit bench train`: the data-parallel counterpart of
scripts/bench-pytorch-peft.py, with the same shape flags and the same model and LoRA (r=16, alpha 32,
dropout 0, AdamW lr 1e-4, random token ids as inputs and labels).

`--ranks` processes on this machine, each with `--threads` intra-op threads, joined by
torch.distributed's gloo backend over the loopback interface. `--batch` is per rank, as a lorakit
recipe's `batch_size` is: the global batch is batch × ranks, and DDP averages the trainable (LoRA)
gradients over the ranks every step. Prints the job's tokens/s (all ranks' tokens) over the timed steps
after 2 warm-up steps. The comparison of the data-parallel issue, on a 2-core machine, at one global batch:

    python3 scripts/bench-pytorch-ddp.py --arch llama --layers 8 --width 512 --seq 128 --batch 4 --ranks 2 --threads 1
    python3 scripts/bench-pytorch-ddp.py --arch llama --layers 8 --width 512 --seq 128 --batch 8 --ranks 1 --threads 2

Needs torch, transformers and peft (`pip install torch peft transformers`); not part of the build.
"""
import argparse
import importlib.util
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
    args = parser.parse_args()
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
