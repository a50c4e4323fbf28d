"""``pyflink.util.java_utils``: helpers over PyFlink's JVM objects. They
import, and fail when called: Sluice has no JVM (see
``pyflink.java_gateway``)."""
from __future__ import annotations

from typing import Any

from sluice.java_gateway import _no_jvm

__all__ = ["to_jarray", "to_j_flink_time", "from_j_flink_time", "load_java_class",
           "add_jars_to_context_class_loader", "add_to_class_path", "get_j_env_configuration",
           "is_local_deployment", "create_url_class_loader", "is_instance_of", "get_field_value",
           "get_field", "invoke_method"]


def _jvm_helper(name: str) -> Any:
    def helper(*args: Any, **kwargs: Any) -> Any:
        _no_jvm("pyflink.util.java_utils.%s()" % name)
    helper.__name__ = name
    return helper


to_jarray = _jvm_helper("to_jarray")
to_j_flink_time = _jvm_helper("to_j_flink_time")
from_j_flink_time = _jvm_helper("from_j_flink_time")
load_java_class = _jvm_helper("load_java_class")
add_jars_to_context_class_loader = _jvm_helper("add_jars_to_context_class_loader")
add_to_class_path = _jvm_helper("add_to_class_path")
get_j_env_configuration = _jvm_helper("get_j_env_configuration")
create_url_class_loader = _jvm_helper("create_url_class_loader")
is_instance_of = _jvm_helper("is_instance_of")
get_field_value = _jvm_helper("get_field_value")
get_field = _jvm_helper("get_field")
invoke_method = _jvm_helper("invoke_method")


def is_local_deployment(j_configuration: Any = None) -> bool:
    # Sluice always runs the job in the process that submits it.
    return True
