"""``pyflink.common.input_dependency_constraint``."""
from sluice.common.restart_strategy import InputDependencyConstraint

__all__ = ["InputDependencyConstraint"]
