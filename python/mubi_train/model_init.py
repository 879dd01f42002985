"""The network a run starts from: built from the options, with the normalization statistics
of its fitting windows, optionally started from another run or with chosen initial values.
"""

import numpy as np

from mubi import datasets


def init_sway_detectors(model, channel_ids, levels, both_signs):
    """Start some filters as clipped amplitude detectors of the named input channels.

    The postural sway that separates sitting from standing is 10-50x smaller than the
    walking signals that set the normalization, and is informative on a log scale (a linear
    model needs log std; docs/training.md). This gives the network such a signal from the
    start (study 14). For each channel and sign s (+ only, or + and -), conv1 passes
    s * channel (centre tap 1) and bn1 (scale 1) shifts copies by 0 and by -c for each level
    c, so after ReLU and max pooling the difference of two such filters is min(max(s * m, 0),
    c) of the pooled peak m; conv2 filter (channel, level) takes minus its sum over the signs.
    bn2 thus sees signals bounded by c whatever the walking amplitude: with several levels, a
    staircase that approximates a log. Every other filter keeps torch's initialisation.
    Returns the numbers of conv1 and conv2 filters used (the first ones of each)."""
    import torch
    signs = (1.0, -1.0) if both_signs else (1.0,)
    need1 = len(channel_ids) * len(signs) * (1 + len(levels))
    if model.blocks != 2 or need1 > model.conv1.out_channels \
            or len(channel_ids) * len(levels) > model.conv2.out_channels:
        raise ValueError(f"--sway-init needs two conv blocks and {need1} conv1 filters")
    centre = model.conv1.kernel_size[0] // 2
    f1, f2 = 0, 0

    def conv1_filter(channel, sign, shift):
        nonlocal f1
        model.conv1.weight[f1].zero_()
        model.conv1.weight[f1, channel, centre] = sign
        model.conv1.bias[f1] = 0.0
        model.bn1.weight[f1] = 1.0
        model.bn1.bias[f1] = shift
        f1 += 1
        return f1 - 1

    with torch.no_grad():
        for ch in channel_ids:
            bases = {s: conv1_filter(ch, s, 0.0) for s in signs}
            clipped = {(s, c): conv1_filter(ch, s, -c) for s in signs for c in levels}
            for c in levels:
                model.conv2.weight[f2].zero_()
                model.conv2.bias[f2] = 0.0
                for s in signs:
                    model.conv2.weight[f2, bases[s], centre] = -1.0
                    model.conv2.weight[f2, clipped[(s, c)], centre] = 1.0
                f2 += 1
    return f1, f2


def build_model(args, data, parser):
    """The MuBiConvLSTM to train and the (tensor, count, value) slices kept frozen."""
    import torch
    from mubi import torch_model
    model = torch_model.MuBiConvLSTM(data.channels, data.classes, data.window,
                                     filters=args.filters, hidden=args.hidden, kernel=args.kernel,
                                     variant=args.variant, aggregation=args.aggregation)
    model.dropout.p = args.head_dropout
    with torch.no_grad():
        model.mean.copy_(torch.from_numpy(data.mean.astype(np.float32)))
        model.std.copy_(torch.from_numpy(data.std.astype(np.float32)))
    if args.init_from and args.resume:
        parser.error("--init-from and --resume both set the starting weights: use one")
    if args.init_from:
        start = torch_model.load_checkpoint(args.init_from)
        if start.config != model.config or not torch.allclose(start.mean, model.mean):
            parser.error(f"--init-from {args.init_from}: another network or other fitting windows")
        model.load_state_dict(start.state_dict())
    if args.forget_bias is not None:
        with torch.no_grad():  # torch's gate order: input, forget, cell, output
            h = model.lstm.hidden_size
            for name, b in model.lstm.named_parameters():
                if name.startswith("bias_"):
                    b[h:2 * h] = args.forget_bias if name.startswith("bias_ih") else 0.0
    frozen = []
    if args.sway_init:
        channels = datasets.name_ids(parser, "--sway-init", args.sway_init,
                                     data.meta.get("channels", []))
        try:
            n1, n2 = init_sway_detectors(model, channels,
                                         [float(v) for v in args.sway_levels.split(",")],
                                         args.sway_abs)
        except ValueError as e:
            parser.error(str(e))
        if args.sway_freeze:
            frozen = [(t, n, t.detach()[:n].clone())
                      for t, n in ((model.conv1.weight, n1), (model.conv1.bias, n1),
                                   (model.bn1.weight, n1), (model.bn1.bias, n1),
                                   (model.conv2.weight, n2), (model.conv2.bias, n2))]
    return model, frozen
