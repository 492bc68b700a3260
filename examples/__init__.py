"""Tested examples the tutorial shows beside the demos: not part of either app."""
