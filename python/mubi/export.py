"""Export a MuBiConvLSTM (python/mubi/torch_model.py) to a float32 mubi blob (docs/format.md).

Library use:
    export(module_or_state_dict, path, config=None, fold=True) -> bytes

Command line:
    /usr/bin/python3 -m mubi.export --checkpoint CKPT.pt --out MODEL.mubi [--no-fold]
    /usr/bin/python3 -m mubi.export --random uci_har [--variant A1] [--filters 8]
        [--hidden 16] [--kernel 3] [--aggregation mean] --seed 1 --out MODEL.mubi [--no-fold]

With fold=True (default) each BatchNorm is folded into the preceding Conv1D in float64
and the blob has no BatchNorm records; fold=False stores the network exactly as trained.
The two are different architectures with different signatures.
"""

import argparse

import numpy as np

from . import torch_model
from .blob import (AGGREGATION_CODES, BATCHNORM, CONV1D, DENSE, INPUT, LSTM,
                         MAXPOOL1D, NORMALIZE, RELU, ROLE_BN_BETA, ROLE_BN_GAMMA, ROLE_BN_MEAN,
                         ROLE_BN_VAR, ROLE_CONV_B, ROLE_CONV_W, ROLE_DENSE_B, ROLE_DENSE_W,
                         ROLE_LSTM_BW_B, ROLE_LSTM_BW_HH, ROLE_LSTM_BW_IH, ROLE_LSTM_FW_B,
                         ROLE_LSTM_FW_HH, ROLE_LSTM_FW_IH, ROLE_NORM_MEAN, ROLE_NORM_STD,
                         pack_blob, signature_of, validate)


def _f64(state, key):
    return state[key].detach().cpu().double().numpy()


def _f32(state, key):
    return state[key].detach().cpu().float().numpy()


def build_layers_and_tensors(state, config, fold=True):
    """The layer records (kind, p0, p1, p2, out_len, out_ch) and tensors (layer, role, f32 array)."""
    c = config["in_channels"]
    t = config["window"]
    filters, kernel, hidden = config["filters"], config["kernel"], config["hidden"]
    variant = config["variant"]
    aggregation = "mean" if variant == "A4" else config["aggregation"]
    pool = variant != "A1"
    blocks = 1 if variant == "A3" else 2
    directions = 1 if variant == "A2" else 2
    if kernel % 2 != 1:
        raise ValueError("kernel must be odd")

    layers, tensors = [], []

    def layer(kind, p0=0, p1=0, p2=0, out_len=0, out_ch=0):
        for p in (p0, p1, p2):
            if not 0 <= p <= 0xFFFF:
                raise ValueError(f"layer parameter {p} does not fit u16")
        layers.append((kind, p0, p1, p2, out_len, out_ch))
        return len(layers) - 1

    def tensor(index, role, array):
        tensors.append((index, role, np.ascontiguousarray(array, dtype="<f4").ravel()))

    layer(INPUT, out_len=t, out_ch=c)
    i = layer(NORMALIZE, out_len=t, out_ch=c)
    tensor(i, ROLE_NORM_MEAN, _f32(state, "mean"))
    tensor(i, ROLE_NORM_STD, _f32(state, "std"))

    for b in range(1, blocks + 1):
        conv, bn = f"conv{b}", f"bn{b}"
        i = layer(CONV1D, filters, kernel, (kernel - 1) // 2, out_len=t, out_ch=filters)
        if fold:
            # w' = w*a, b' = (b - mean)*a + beta with a = gamma/sqrt(var + eps), in float64.
            a = _f64(state, f"{bn}.weight") / np.sqrt(_f64(state, f"{bn}.running_var")
                                                        + torch_model.BN_EPS)
            w = _f64(state, f"{conv}.weight") * a[:, None, None]
            bias = ((_f64(state, f"{conv}.bias") - _f64(state, f"{bn}.running_mean")) * a
                    + _f64(state, f"{bn}.bias"))
            tensor(i, ROLE_CONV_W, w.astype(np.float32).transpose(2, 1, 0))  # [f][c][k] -> [k][c][f]
            tensor(i, ROLE_CONV_B, bias.astype(np.float32))
        else:
            tensor(i, ROLE_CONV_W, _f32(state, f"{conv}.weight").transpose(2, 1, 0))
            tensor(i, ROLE_CONV_B, _f32(state, f"{conv}.bias"))
            i = layer(BATCHNORM, out_len=t, out_ch=filters)
            tensor(i, ROLE_BN_GAMMA, _f32(state, f"{bn}.weight"))
            tensor(i, ROLE_BN_BETA, _f32(state, f"{bn}.bias"))
            tensor(i, ROLE_BN_MEAN, _f32(state, f"{bn}.running_mean"))
            tensor(i, ROLE_BN_VAR, _f32(state, f"{bn}.running_var"))
        layer(RELU, out_len=t, out_ch=filters)
        if pool:
            t //= torch_model.POOL  # PyTorch floor pooling
            layer(MAXPOOL1D, torch_model.POOL, torch_model.POOL, 0, out_len=t, out_ch=filters)

    i = layer(LSTM, hidden, AGGREGATION_CODES[aggregation], directions,
              out_len=1, out_ch=directions * hidden)
    for suffix, roles in (("l0", (ROLE_LSTM_FW_IH, ROLE_LSTM_FW_HH, ROLE_LSTM_FW_B)),
                          ("l0_reverse", (ROLE_LSTM_BW_IH, ROLE_LSTM_BW_HH, ROLE_LSTM_BW_B))
                          )[:directions]:
        # PyTorch [4H][in] -> [in][4H]: outputs contiguous (see docs/format.md).
        tensor(i, roles[0], _f32(state, f"lstm.weight_ih_{suffix}").T)
        tensor(i, roles[1], _f32(state, f"lstm.weight_hh_{suffix}").T)
        # Summed in float32, as the format requires.
        tensor(i, roles[2], _f32(state, f"lstm.bias_ih_{suffix}") + _f32(state, f"lstm.bias_hh_{suffix}"))

    i = layer(DENSE, config["classes"], out_len=1, out_ch=config["classes"])
    tensor(i, ROLE_DENSE_W, _f32(state, "fc.weight").T)  # [n][c] -> [c][n]
    tensor(i, ROLE_DENSE_B, _f32(state, "fc.bias"))
    return layers, tensors


def _state_and_config(module_or_state_dict, config):
    if isinstance(module_or_state_dict, torch_model.MuBiConvLSTM):
        return module_or_state_dict.state_dict(), dict(config or module_or_state_dict.config)
    state = module_or_state_dict
    if "state_dict" in state and "config" in state:  # a save_checkpoint dict
        return state["state_dict"], dict(config or state["config"])
    if config is None:
        raise ValueError("a bare state_dict needs config")
    return state, dict(config)


def export(module_or_state_dict, path, config=None, fold=True):
    """Write a float32 blob to path (None: do not write) and return its bytes."""
    state, config = _state_and_config(module_or_state_dict, config)
    defaults = dict(filters=16, hidden=24, kernel=5, variant="A0", aggregation="last")
    config = {**defaults, **config}
    # Validate the values as trained first, so a bad running_var is named, not folded to NaN.
    validate(build_layers_and_tensors(state, config, fold=False)[1])
    layers, tensors = build_layers_and_tensors(state, config, fold=fold)
    validate(tensors)
    blob = pack_blob(layers, tensors)
    if path is not None:
        with open(path, "wb") as f:
            f.write(blob)
    return blob


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--checkpoint", help="checkpoint written by torch_model.save_checkpoint")
    source.add_argument("--random", metavar="CONFIG", choices=sorted(torch_model.CONFIGS),
                        help="freshly initialised module of a dataset configuration")
    parser.add_argument("--variant", default="A0", choices=torch_model.VARIANTS)
    parser.add_argument("--filters", type=int, default=16)
    parser.add_argument("--hidden", type=int, default=24)
    parser.add_argument("--kernel", type=int, default=5)
    parser.add_argument("--aggregation", default="last", choices=torch_model.AGGREGATIONS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True)
    parser.add_argument("--no-fold", dest="fold", action="store_false",
                        help="keep BatchNorm layers (the network exactly as trained)")
    args = parser.parse_args(argv)

    import torch
    torch.set_num_threads(1)
    if args.checkpoint:
        module = torch_model.load_checkpoint(args.checkpoint)
    else:
        torch.manual_seed(args.seed)
        module = torch_model.build(args.random, filters=args.filters, hidden=args.hidden,
                                  kernel=args.kernel, variant=args.variant,
                                  aggregation=args.aggregation)
        torch_model.randomize_(module)
    blob = export(module.eval(), args.out, fold=args.fold)
    print(f"{args.out}: {len(blob)} bytes, signature 0x{signature_of(blob):016x}, "
          f"{'folded' if args.fold else 'unfolded'}, config {module.config}")


if __name__ == "__main__":
    main()
