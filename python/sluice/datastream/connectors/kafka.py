"""``pyflink.datastream.connectors.kafka``: KafkaSource/KafkaSink (and
Flink 1.x's FlinkKafkaConsumer/FlinkKafkaProducer) over the engine's kafka
table connector: the builder's settings become its options (topic,
properties.*, scan.startup.mode, scan.bounded.mode, sink.delivery-guarantee)
and the (de)serialization schema its format (SimpleStringSchema: raw text;
JsonRow*SerializationSchema: json columns of the Row's fields)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Tuple, Union

from sluice.datastream.connectors import DeliveryGuarantee, Sink, Source, _sink_format, _value_format

__all__ = ["KafkaSource", "KafkaSourceBuilder", "KafkaSink", "KafkaSinkBuilder", "KafkaTopicPartition",
           "KafkaOffsetsInitializer", "KafkaOffsetResetStrategy", "KafkaRecordSerializationSchema",
           "KafkaRecordSerializationSchemaBuilder", "KafkaTopicSelector", "FlinkKafkaConsumer",
           "FlinkKafkaProducer", "Semantic"]


class KafkaTopicPartition(object):
    def __init__(self, topic: str, partition: int) -> None:
        self._topic = topic
        self._partition = partition

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, KafkaTopicPartition) and (self._topic, self._partition) == (other._topic, other._partition)

    def __hash__(self) -> int:
        return hash((self._topic, self._partition))


class KafkaOffsetResetStrategy(object):
    LATEST = "latest"
    EARLIEST = "earliest"
    NONE = "none"


class KafkaOffsetsInitializer(object):
    """Where reading starts (or stops): the kafka connector's startup and
    bounded modes."""

    def __init__(self, mode: str, options: Optional[Dict[str, str]] = None) -> None:
        self._mode = mode
        self._options = options or {}

    @staticmethod
    def committed_offsets(offset_reset_strategy: Any = KafkaOffsetResetStrategy.NONE) -> "KafkaOffsetsInitializer":
        return KafkaOffsetsInitializer("group-offsets")

    @staticmethod
    def timestamp(timestamp: int) -> "KafkaOffsetsInitializer":
        return KafkaOffsetsInitializer("timestamp", {"timestamp-millis": str(timestamp)})

    @staticmethod
    def earliest() -> "KafkaOffsetsInitializer":
        return KafkaOffsetsInitializer("earliest-offset")

    @staticmethod
    def latest() -> "KafkaOffsetsInitializer":
        return KafkaOffsetsInitializer("latest-offset")

    @staticmethod
    def offsets(offsets: Dict[KafkaTopicPartition, int], offset_reset_strategy: Any = None) -> "KafkaOffsetsInitializer":
        spec = ";".join("partition:%d,offset:%d" % (tp._partition, o) for tp, o in offsets.items())
        return KafkaOffsetsInitializer("specific-offsets", {"specific-offsets": spec})


class KafkaSource(Source):
    def __init__(self, settings: Dict[str, Any]) -> None:
        self._settings = settings

    @staticmethod
    def builder() -> "KafkaSourceBuilder":
        return KafkaSourceBuilder()

    def _declare(self, type_info: Any) -> Tuple[List[Tuple[str, str]], Dict[str, str], Any, str]:
        s = self._settings
        if s.get("deserializer") is None:
            raise ValueError("KafkaSource: no deserializer (set_value_only_deserializer)")
        cols, fmt, element_type, f0 = _value_format(s["deserializer"])
        opts = {"connector": "kafka"}
        if s.get("topics"):
            opts["topic"] = ";".join(s["topics"])
        elif s.get("topic_pattern"):
            opts["topic-pattern"] = s["topic_pattern"]
        else:
            raise ValueError("No subscribe mode is specified, should be one of topics, topic pattern and partition set.")
        if not s.get("bootstrap"):
            raise ValueError("Property bootstrap.servers is required but not provided")
        opts["properties.bootstrap.servers"] = s["bootstrap"]
        if s.get("group"):
            opts["properties.group.id"] = s["group"]
        start: KafkaOffsetsInitializer = s.get("start") or KafkaOffsetsInitializer.earliest()
        opts["scan.startup.mode"] = start._mode
        for k, v in start._options.items():
            opts["scan.startup." + k] = v
        stop: Optional[KafkaOffsetsInitializer] = s.get("stop")
        if stop is not None:
            opts["scan.bounded.mode"] = stop._mode
            for k, v in stop._options.items():
                opts["scan.bounded." + k] = v
        for k, v in s.get("properties", {}).items():
            opts["properties." + k] = v
        opts.update(fmt)
        return cols, opts, element_type, f0


class KafkaSourceBuilder(object):
    def __init__(self) -> None:
        self._s: Dict[str, Any] = {"properties": {}}

    def build(self) -> KafkaSource:
        return KafkaSource(dict(self._s))

    def set_bootstrap_servers(self, bootstrap_servers: str) -> "KafkaSourceBuilder":
        self._s["bootstrap"] = bootstrap_servers
        return self

    def set_group_id(self, group_id: str) -> "KafkaSourceBuilder":
        self._s["group"] = group_id
        return self

    def set_topics(self, *topics: str) -> "KafkaSourceBuilder":
        self._s["topics"] = list(topics)
        return self

    def set_topic_pattern(self, topic_pattern: str) -> "KafkaSourceBuilder":
        self._s["topic_pattern"] = topic_pattern
        return self

    def set_partitions(self, partitions: Set[KafkaTopicPartition]) -> "KafkaSourceBuilder":
        self._s["topics"] = sorted({p._topic for p in partitions})
        return self

    def set_starting_offsets(self, starting_offsets_initializer: KafkaOffsetsInitializer) -> "KafkaSourceBuilder":
        self._s["start"] = starting_offsets_initializer
        return self

    def set_unbounded(self, stopping_offsets_initializer: KafkaOffsetsInitializer) -> "KafkaSourceBuilder":
        """Recorded: a streaming read runs until the job is cancelled."""
        return self

    def set_bounded(self, stopping_offsets_initializer: KafkaOffsetsInitializer) -> "KafkaSourceBuilder":
        self._s["stop"] = stopping_offsets_initializer
        return self

    def set_value_only_deserializer(self, deserialization_schema: Any) -> "KafkaSourceBuilder":
        self._s["deserializer"] = deserialization_schema
        return self

    def set_client_id_prefix(self, prefix: str) -> "KafkaSourceBuilder":
        return self.set_property("client.id", prefix)

    def set_property(self, key: str, value: str) -> "KafkaSourceBuilder":
        if key == "bootstrap.servers":
            return self.set_bootstrap_servers(value)
        if key == "group.id":
            return self.set_group_id(value)
        self._s["properties"][key] = str(value)
        return self

    def set_properties(self, props: Dict[str, str]) -> "KafkaSourceBuilder":
        for k, v in props.items():
            self.set_property(k, v)
        return self


class KafkaTopicSelector(object):
    def apply(self, data: Any) -> str:
        raise NotImplementedError


class KafkaRecordSerializationSchema(object):
    def __init__(self, topic: Optional[str], value_schema: Any, key_schema: Any = None) -> None:
        self._topic = topic
        self._value_schema = value_schema
        self._key_schema = key_schema

    @staticmethod
    def builder() -> "KafkaRecordSerializationSchemaBuilder":
        return KafkaRecordSerializationSchemaBuilder()


class KafkaRecordSerializationSchemaBuilder(object):
    def __init__(self) -> None:
        self._topic: Optional[str] = None
        self._value: Any = None
        self._key: Any = None

    def build(self) -> KafkaRecordSerializationSchema:
        if self._value is None:
            raise ValueError("No value serializer is set")
        if self._topic is None:
            raise ValueError("No topic is set")
        return KafkaRecordSerializationSchema(self._topic, self._value, self._key)

    def set_topic(self, topic: str) -> "KafkaRecordSerializationSchemaBuilder":
        self._topic = topic
        return self

    def set_topic_selector(self, topic_selector: Any) -> "KafkaRecordSerializationSchemaBuilder":
        raise NotImplementedError("set_topic_selector: Sluice's Kafka sink writes one topic (set_topic)")

    def set_key_serialization_schema(self, key_serialization_schema: Any) -> "KafkaRecordSerializationSchemaBuilder":
        raise NotImplementedError("set_key_serialization_schema: Sluice's DataStream Kafka sink writes values only")

    def set_value_serialization_schema(self, value_serialization_schema: Any) -> "KafkaRecordSerializationSchemaBuilder":
        self._value = value_serialization_schema
        return self


class KafkaSink(Sink):
    def __init__(self, settings: Dict[str, Any]) -> None:
        self._settings = settings

    @staticmethod
    def builder() -> "KafkaSinkBuilder":
        return KafkaSinkBuilder()

    def _declare_sink(self, stream: Any) -> Tuple[Any, List[Tuple[str, str]], Dict[str, str]]:
        s = self._settings
        rs: KafkaRecordSerializationSchema = s.get("serializer")
        if rs is None:
            raise ValueError("KafkaSink: no record serializer (set_record_serializer)")
        if not s.get("bootstrap"):
            raise ValueError("bootstrapServers must be set")
        build, cols, fmt = _sink_format(rs._value_schema, stream)
        opts = {"connector": "kafka", "topic": rs._topic, "properties.bootstrap.servers": s["bootstrap"],
                "sink.delivery-guarantee": s.get("guarantee", DeliveryGuarantee.NONE)}
        if s.get("prefix"):
            opts["sink.transactional-id-prefix"] = s["prefix"]
        for k, v in s.get("properties", {}).items():
            opts["properties." + k] = v
        opts.update(fmt)
        return build, cols, opts


class KafkaSinkBuilder(object):
    def __init__(self) -> None:
        self._s: Dict[str, Any] = {"properties": {}}

    def build(self) -> KafkaSink:
        return KafkaSink(dict(self._s))

    def set_bootstrap_servers(self, bootstrap_servers: str) -> "KafkaSinkBuilder":
        self._s["bootstrap"] = bootstrap_servers
        return self

    def set_delivery_guarantee(self, delivery_guarantee: Any) -> "KafkaSinkBuilder":
        self._s["guarantee"] = getattr(delivery_guarantee, "value", delivery_guarantee)
        return self

    def set_transactional_id_prefix(self, transactional_id_prefix: str) -> "KafkaSinkBuilder":
        self._s["prefix"] = transactional_id_prefix
        return self

    def set_record_serializer(self, record_serializer: KafkaRecordSerializationSchema) -> "KafkaSinkBuilder":
        self._s["serializer"] = record_serializer
        return self

    def set_property(self, key: str, value: str) -> "KafkaSinkBuilder":
        if key == "bootstrap.servers":
            return self.set_bootstrap_servers(value)
        self._s["properties"][key] = str(value)
        return self


class FlinkKafkaConsumer(Source):
    """Flink 1.x's consumer: topics, a deserialization schema, properties
    (bootstrap.servers, group.id); group offsets unless set_start_from_*."""

    def __init__(self, topics: Union[str, List[str]], deserialization_schema: Any, properties: Dict[str, str]) -> None:
        b = KafkaSource.builder().set_topics(*([topics] if isinstance(topics, str) else topics)) \
            .set_value_only_deserializer(deserialization_schema).set_properties(dict(properties)) \
            .set_starting_offsets(KafkaOffsetsInitializer.committed_offsets())
        self._b = b

    def set_start_from_earliest(self) -> "FlinkKafkaConsumer":
        self._b.set_starting_offsets(KafkaOffsetsInitializer.earliest())
        return self

    def set_start_from_latest(self) -> "FlinkKafkaConsumer":
        self._b.set_starting_offsets(KafkaOffsetsInitializer.latest())
        return self

    def set_start_from_timestamp(self, startup_offsets_timestamp: int) -> "FlinkKafkaConsumer":
        self._b.set_starting_offsets(KafkaOffsetsInitializer.timestamp(startup_offsets_timestamp))
        return self

    def set_start_from_group_offsets(self) -> "FlinkKafkaConsumer":
        self._b.set_starting_offsets(KafkaOffsetsInitializer.committed_offsets())
        return self

    def set_commit_offsets_on_checkpoints(self, commit_on_checkpoints: bool) -> "FlinkKafkaConsumer":
        return self

    def _declare(self, type_info: Any) -> Any:
        return self._b.build()._declare(type_info)


class Semantic(object):
    EXACTLY_ONCE = "exactly-once"
    AT_LEAST_ONCE = "at-least-once"
    NONE = "none"


class FlinkKafkaProducer(Sink):
    """Flink 1.x's producer: a topic, a serialization schema, properties."""

    def __init__(self, topic: str, serialization_schema: Any, producer_config: Dict[str, str],
                 kafka_producer_pool_size: int = 5, semantic: Any = Semantic.AT_LEAST_ONCE) -> None:
        b = KafkaSink.builder().set_record_serializer(
            KafkaRecordSerializationSchema.builder().set_topic(topic).set_value_serialization_schema(
                serialization_schema).build()).set_delivery_guarantee(getattr(semantic, "value", semantic))
        for k, v in dict(producer_config).items():
            b.set_property(k, v)
        self._b = b

    def set_write_timestamp_to_kafka(self, write_timestamp_to_kafka: bool) -> "FlinkKafkaProducer":
        return self

    def set_log_failures_only(self, log_failures_only: bool) -> "FlinkKafkaProducer":
        return self

    def set_flush_on_checkpoint(self, flush_on_checkpoint: bool) -> "FlinkKafkaProducer":
        return self

    def ignore_failures_after_transaction_timeout(self) -> "FlinkKafkaProducer":
        return self

    def _declare_sink(self, stream: Any) -> Any:
        return self._b.build()._declare_sink(stream)
