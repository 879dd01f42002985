"""The maintainers' side of mubi: training (PyTorch) and the generation of the shipped test and
example data. Not part of the user package `mubi`, which it builds on.

    mubi_train.train           train a network on a window dataset directory (`mubi-train`);
                               its parts: data, augment, teachers, model_init, loop, cli
    mubi_train.golden          the golden test vectors of tests/data/golden
    mubi_train.make_stream     examples/data/uci_har_stream (raw excerpt and its features)
    mubi_train.sample_windows  examples/data/uci_har_sample (real windows for the demo)
    mubi_train.derive_data     a window dataset with some channels companded (a study input)
"""
