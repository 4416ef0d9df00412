"""Repairity trainer: SFT, Bradley-Terry reward model, PPO and sampling, with exact resume.

Run as ``python -m trainer <sft|reward|ppo|generate> --config <file.json> [--resume <dir>]``.
Machine-readable events go to stdout as JSON lines (see :mod:`trainer.events`); human logs go
to stderr.
"""
