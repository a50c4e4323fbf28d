// Package raw is Flink's `raw` format: a record is the bytes of one
// physical column, as they are. It registers itself as "raw".
//
// Column types, as Flink's:
//
//	CHAR, VARCHAR, STRING            the text's UTF-8 bytes
//	BINARY, VARBINARY, BYTES         the bytes
//	BOOLEAN                          one byte: 0 is false, anything else true (written 1)
//	TINYINT, SMALLINT, INT, BIGINT   1, 2, 4, 8 bytes, two's complement
//	FLOAT, DOUBLE                    4, 8 bytes, IEEE 754
//
// in the byte order of `endianness` ('big-endian', the default, or
// 'little-endian'). A nil record (a Kafka tombstone) is a NULL row, as in
// Flink; a fixed-width value of the wrong size is a *format.ParseError.
//
// Departures from Flink:
//
//   - `charset` (Flink's raw.charset) accepts UTF-8 only: Arrow strings are
//     UTF-8 and Sluice carries no transcoders.
//   - Text that is not valid UTF-8 has each invalid byte replaced by U+FFFD
//     (Flink keeps the bytes in its StringData, which Arrow strings cannot
//     hold).
//   - A NULL is encoded as an empty record, since an Encoder appends bytes
//     and cannot produce nil; a connector that wants a tombstone for a NULL
//     checks the column itself. Reading an empty record gives NULL for the
//     fixed-width types (so NULL round-trips) and the empty value for text
//     and bytes.
//
// It decodes and encodes single records; framing, skipping bad records
// and tombstones are the connectors' business.
package raw
