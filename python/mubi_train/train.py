"""`python3 -m mubi_train.train`, the training command line (`mubi-train`): mubi_train.cli.

The training is split by concern: mubi_train.data (the subject-wise split, normalization,
class weights), mubi_train.augment, mubi_train.teachers (distillation targets),
mubi_train.model_init (the starting network), mubi_train.loop (the Trainer: epochs, early
stopping, weight averaging, the saved run) and mubi_train.cli (options, the run's record).
"""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
