"""Perspective: one HTTP API in front of many OpenStack projects and regions."""

__version__ = "0.1.0"
