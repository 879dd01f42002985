"""Times Debian's PyTorch on the UCI-HAR network, the way mubi is compared against it:
one thread, eval mode, TorchScript traced and frozen, batch 1 (against mubi's window) and a
batch of 256 windows (against mubi's infer_batch on one core). Prints the median time per
window in microseconds, and machine-readable last lines `torch_us=<batch 1>` and
`torch_batch_us=<per window in a batch of 256>`.

    /usr/bin/python3 bench/torch_baseline.py [--checkpoint CKPT.pt] [--rounds 15] [--iters 200]
"""

import argparse
import statistics
import time

import torch

from mubi import torch_model


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", help="a mubi_torch checkpoint (default: random UCI-HAR weights)")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--iters", type=int, default=200)
    args = parser.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(0)
    if args.checkpoint:
        module = torch_model.load_checkpoint(args.checkpoint)
    else:
        module = torch_model.randomize_(torch_model.build("uci_har")).eval()
    cfg = module.config
    x = torch.randn(1, cfg["window"], cfg["in_channels"])
    with torch.no_grad():
        frozen = torch.jit.freeze(torch.jit.trace(module.eval(), x))
        eager = module.eval()
        results = {}
        for name, fn in (("eager", eager), ("torchscript_frozen", frozen)):
            for _ in range(50):  # warm-up (TorchScript profiles its first calls)
                fn(x)
            rounds = []
            for _ in range(args.rounds):
                t0 = time.perf_counter()
                for _ in range(args.iters):
                    fn(x)
                rounds.append((time.perf_counter() - t0) / args.iters * 1e6)
            results[name] = statistics.median(rounds)
            print(f"PyTorch {torch.__version__} {name:20s} batch 1, 1 thread: {results[name]:9.1f} us per window "
                  f"(median of {args.rounds} rounds)")
        batch = torch.randn(256, cfg["window"], cfg["in_channels"])
        frozen_batch = torch.jit.freeze(torch.jit.trace(module.eval(), batch))
        for _ in range(5):
            frozen_batch(batch)
        rounds = []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            frozen_batch(batch)
            rounds.append((time.perf_counter() - t0) / batch.shape[0] * 1e6)
        batch_us = statistics.median(rounds)
        print(f"PyTorch {torch.__version__} {'torchscript_frozen':20s} batch 256, 1 thread: {batch_us:7.1f} us per window "
              f"(median of {args.rounds} rounds)")
    print(f"torch_us={results['torchscript_frozen']:.3f}")
    print(f"torch_batch_us={batch_us:.3f}")


if __name__ == "__main__":
    main()
