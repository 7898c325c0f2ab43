"""NewsQA retrieval: read, chunk, embed, index and search Chinese-language news."""

import os

# torch and faiss run OpenMP thread pools whose default is to spin while waiting for work. On
# shared CPUs (these 2-core machines run several processes at once) the spinning threads take the
# cores from the thread doing the work: one query embedding took ~1.5 s instead of ~35 ms
# (scripts/bench.py; docs/scaling.md). OpenMP reads this when torch/faiss load, so it is set
# here, before either is imported. An explicit OMP_WAIT_POLICY in the environment wins.
if "OMP_WAIT_POLICY" not in os.environ:
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
