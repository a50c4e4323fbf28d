// Package json is Flink's `json` format: a record is one JSON object whose
// fields are the table's columns, matched by exact name. It registers
// itself as "json"; the options are Flink's, without the `json.` prefix
// (see Factory.Options).
//
// Reading (Flink's JsonParserToRowDataConverters, as lenient as they are):
//
//	BOOLEAN               true/false, or a string "true"/"false" (any case)
//	TINYINT, SMALLINT     an integer, or a string holding one
//	INT, BIGINT           a number (a fraction is truncated, as Jackson's
//	                      getIntValue does), or a string holding an integer
//	FLOAT, DOUBLE         a number, or a string: "NaN", "Infinity", "1.5"
//	DECIMAL(p,s)          a number or a string, rounded HALF_UP to s digits
//	CHAR, VARCHAR         a string; a number or boolean as its text; an
//	                      object or array as its compact JSON text
//	BINARY, VARBINARY     a base64 string
//	DATE                  "2024-02-29"
//	TIME(p)               "10:15:30.123"
//	TIMESTAMP(p)          "2024-02-29 10:15:30.123" (SQL) or
//	                      "2024-02-29T10:15:30.123" (ISO-8601); both are
//	                      read whichever timestamp-format.standard says
//	TIMESTAMP_LTZ(p)      as TIMESTAMP with a trailing Z; an offset
//	                      (+08:00) is converted, no zone at all is read in
//	                      the session time zone
//	ARRAY<T>              an array
//	MAP<K,V>              an object
//	ROW<…>                an object, fields by name
//
// null is NULL everywhere; a missing field is NULL, or an error with
// fail-on-missing-field (also inside nested rows, as in Flink). Unknown
// fields are skipped. A field or a map key that occurs twice keeps its
// last value, as Jackson's tree and Flink's HashMap do; map keys are
// compared by value ("1" and "01" are one INT key). A record that is null
// (or empty) holds no row.
//
// Writing (Flink's RowDataToJsonConverters): one compact object, fields in
// column order; numbers as numbers (FLOAT/DOUBLE as Java's toString,
// NaN and ±Infinity as strings, as Jackson writes them); DECIMAL as a
// number with trailing zeros stripped as Jackson's number node does
// (12.30 → 12.3, 100 → 1E+2; plain with encode.decimal-as-plain-number);
// BYTES as base64; DATE, TIME, TIMESTAMP as strings in the chosen standard,
// TIMESTAMP_LTZ in UTC with a Z; NULL fields as null, or left out with
// encode.ignore-null-fields (nested rows included).
//
// Records are decoded by a hand-written reader straight into typed
// scratch columns (internal/codec): no map or []any per record, no
// encoding/json, strings without escapes not copied.
//
// Errors: malformed JSON, a value its column's type cannot take, a NULL in
// a NOT NULL column and text after the object are *format.ParseError
// values naming the column and quoting the value. ignore-parse-errors is
// declared here and read by connectors (format.IgnoreParseErrors).
//
// Departures from Flink:
//
//   - MAP keys may be of any type (Flink: CHAR/VARCHAR only): other scalar
//     keys are written and read as their text form, ARRAY, MAP and ROW keys
//     as their JSON text, in a string. Complex keys equal in value but
//     written differently (other spacing, escapes) stay two entries.
//   - map-null-key.mode and map-null-key.literal are checked but never
//     apply: Arrow maps cannot hold NULL keys.
//   - A value that is not of its type is an error where Flink is lenient:
//     a BOOLEAN string other than true/false (Flink: false), a number for
//     a BOOLEAN, a DECIMAL too large for its precision (Flink: NULL).
//   - Text after the object (other than white space) is an error; Jackson
//     ignores it.
//   - TIME is written with the digits of its precision (up to 9) where
//     Flink writes seconds only; digits beyond a type's precision are
//     truncated when read.
//   - TIMESTAMP text is read in both standards (Flink reads only the
//     chosen one); TIMESTAMP_LTZ without a zone is read in the session
//     time zone instead of failing.
//   - A lone UTF-16 surrogate escape (\ud800) becomes U+FFFD.
//   - MULTISET is not supported.
//
// The format turns one record into one row and back; it must not read
// files or topics, skip bad records or count them: connectors do.
package json
