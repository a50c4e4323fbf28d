"""Sluice's Python API: PyFlink's modules on an in-process engine.

Inside ``sluice run``, ``import pyflink...`` resolves to these modules."""

__version__ = "0.1.0"
