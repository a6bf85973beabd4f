"""Shared test settings."""

import torch

# The tests train tiny networks: with more than one intra-op thread, thread start-up
# dominates, and on a shared machine oversubscribed threads spin for seconds per op.
torch.set_num_threads(1)
