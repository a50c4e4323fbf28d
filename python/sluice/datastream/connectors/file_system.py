"""``pyflink.datastream.connectors.file_system``: FileSource (text lines)
and FileSink (rows as text) over the engine's filesystem table connector
with the raw format: a line is an element; an element is written as its
text (Java's toString, what SimpleStringEncoder writes), one per line, in
part files under the base path."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from sluice.datastream.connectors import Sink, Source, _text_columns

__all__ = ["FileSource", "FileSourceBuilder", "StreamFormat", "BulkFormat", "FileSink", "OutputFileConfig",
           "RollingPolicy", "DefaultRollingPolicy", "OnCheckpointRollingPolicy", "BucketAssigner",
           "FileEnumeratorProvider", "FileSplitAssignerProvider"]


class StreamFormat(object):
    def __init__(self, kind: str, charset: str = "UTF-8") -> None:
        self._kind = kind
        self._charset = charset

    @staticmethod
    def text_line_format(charset_name: str = "UTF-8") -> "StreamFormat":
        if charset_name.upper().replace("-", "") != "UTF8":
            raise ValueError("text_line_format: Sluice reads UTF-8 text only, not %s" % charset_name)
        return StreamFormat("text_line", charset_name)


class BulkFormat(object):
    def __init__(self, *args: Any) -> None:
        raise NotImplementedError("BulkFormat: Sluice's FileSource reads text lines (StreamFormat.text_line_format())")


class FileEnumeratorProvider(object):
    @staticmethod
    def default_splittable_file_enumerator() -> "FileEnumeratorProvider":
        return FileEnumeratorProvider()

    @staticmethod
    def default_non_splittable_file_enumerator() -> "FileEnumeratorProvider":
        return FileEnumeratorProvider()


class FileSplitAssignerProvider(object):
    @staticmethod
    def locality_aware_split_assigner() -> "FileSplitAssignerProvider":
        return FileSplitAssignerProvider()


class FileSource(Source):
    def __init__(self, paths: List[str], stream_format: StreamFormat) -> None:
        self._paths = paths
        self._format = stream_format

    @staticmethod
    def for_record_stream_format(stream_format: StreamFormat, *paths: str) -> "FileSourceBuilder":
        return FileSourceBuilder(list(paths), stream_format)

    @staticmethod
    def for_bulk_file_format(bulk_format: Any, *paths: str) -> "FileSourceBuilder":
        raise NotImplementedError("for_bulk_file_format: Sluice's FileSource reads text lines "
                                  "(for_record_stream_format(StreamFormat.text_line_format(), path))")

    def _declare(self, type_info: Any) -> Tuple[List[Tuple[str, str]], Dict[str, str], Any, str]:
        from sluice.common.typeinfo import Types
        if len(self._paths) != 1:
            raise ValueError("FileSource: Sluice reads one path (a file or a directory), not %d" % len(self._paths))
        return [("f0", "STRING")], {"connector": "filesystem", "path": self._paths[0], "format": "raw"}, \
            Types.STRING(), "`f0`"


class FileSourceBuilder(object):
    def __init__(self, paths: List[str], stream_format: StreamFormat) -> None:
        self._paths = paths
        self._format = stream_format

    def monitor_continuously(self, discovery_interval: Any) -> "FileSourceBuilder":
        raise NotImplementedError("monitor_continuously: Sluice's FileSource reads the files there are when the "
                                  "job starts (process_static_file_set)")

    def process_static_file_set(self) -> "FileSourceBuilder":
        return self

    def set_file_enumerator(self, file_enumerator: Any) -> "FileSourceBuilder":
        return self

    def set_split_assigner(self, split_assigner: Any) -> "FileSourceBuilder":
        return self

    def build(self) -> FileSource:
        return FileSource(self._paths, self._format)


class BucketAssigner(object):
    @staticmethod
    def base_path_bucket_assigner() -> "BucketAssigner":
        return BucketAssigner()

    @staticmethod
    def date_time_bucket_assigner(format_str: str = "yyyy-MM-dd--HH", timezone_id: Optional[str] = None) -> "BucketAssigner":
        return BucketAssigner()


class RollingPolicy(object):
    def __init__(self, options: Optional[Dict[str, str]] = None) -> None:
        self._options = options or {}

    @staticmethod
    def default_rolling_policy(part_size: int = 1024 * 1024 * 128, rollover_interval: int = 60 * 1000,
                               inactivity_interval: int = 60 * 1000) -> "DefaultRollingPolicy":
        return DefaultRollingPolicy({"sink.rolling-policy.file-size": "%db" % part_size,
                                     "sink.rolling-policy.rollover-interval": "%d ms" % rollover_interval})

    @staticmethod
    def on_checkpoint_rolling_policy() -> "OnCheckpointRollingPolicy":
        return OnCheckpointRollingPolicy()


class DefaultRollingPolicy(RollingPolicy):
    pass


class OnCheckpointRollingPolicy(RollingPolicy):
    pass


class OutputFileConfig(object):
    def __init__(self, part_prefix: str, part_suffix: str) -> None:
        self._prefix = part_prefix
        self._suffix = part_suffix

    @staticmethod
    def builder() -> "OutputFileConfig.OutputFileConfigBuilder":
        return OutputFileConfig.OutputFileConfigBuilder()

    def get_part_prefix(self) -> str:
        return self._prefix

    def get_part_suffix(self) -> str:
        return self._suffix

    class OutputFileConfigBuilder(object):
        def __init__(self) -> None:
            self._prefix = "part"
            self._suffix = ""

        def with_part_prefix(self, prefix: str) -> "OutputFileConfig.OutputFileConfigBuilder":
            self._prefix = prefix
            return self

        def with_part_suffix(self, suffix: str) -> "OutputFileConfig.OutputFileConfigBuilder":
            self._suffix = suffix
            return self

        def build(self) -> "OutputFileConfig":
            return OutputFileConfig(self._prefix, self._suffix)


class FileSink(Sink):
    """Elements as lines of text in part files under base_path (the engine
    names the part files; OutputFileConfig and bucket assigners are
    recorded)."""

    def __init__(self, base_path: str, options: Dict[str, str]) -> None:
        self._base_path = base_path
        self._options = options

    @staticmethod
    def for_row_format(base_path: str, encoder: Any) -> "FileSink.RowFormatBuilder":
        return FileSink.RowFormatBuilder(base_path, encoder)

    @staticmethod
    def for_bulk_format(base_path: str, writer_factory: Any) -> Any:
        raise NotImplementedError("for_bulk_format: Sluice's FileSink writes rows as text (for_row_format)")

    def _declare_sink(self, stream: Any) -> Tuple[Any, List[Tuple[str, str]], Dict[str, str]]:
        build, cols = _text_columns(stream)
        opts = {"connector": "filesystem", "path": self._base_path, "format": "raw"}
        opts.update(self._options)
        return build, cols, opts

    class RowFormatBuilder(object):
        def __init__(self, base_path: str, encoder: Any) -> None:
            self._base_path = base_path
            self._encoder = encoder
            self._options: Dict[str, str] = {}

        def with_bucket_check_interval(self, interval: int) -> "FileSink.RowFormatBuilder":
            return self

        def with_bucket_assigner(self, bucket_assigner: Any) -> "FileSink.RowFormatBuilder":
            return self

        def with_output_file_config(self, output_file_config: OutputFileConfig) -> "FileSink.RowFormatBuilder":
            return self

        def with_rolling_policy(self, rolling_policy: RollingPolicy) -> "FileSink.RowFormatBuilder":
            self._options.update(rolling_policy._options)
            return self

        def enable_compact(self, strategy: Any, compactor: Any) -> "FileSink.RowFormatBuilder":
            return self

        def disable_compact(self) -> "FileSink.RowFormatBuilder":
            return self

        def build(self) -> "FileSink":
            return FileSink(self._base_path, dict(self._options))
