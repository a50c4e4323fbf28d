// Package csv is Flink's `csv` format: a record is one line of fields
// separated by field-delimiter, quoted as RFC 4180 says (a quoted value
// may hold the delimiter, doubled quotes and line breaks), one field per
// column in order. It registers itself as "csv"; the options are Flink's,
// without the `csv.` prefix (see Factory.Options), plus Flink 1.10's
// line-delimiter, which LineDelimiter reads for connectors.
//
// Values are written and read in the text forms of Flink's CSV format:
//
//	BOOLEAN               true / false (any case when read)
//	TINYINT…BIGINT        42
//	FLOAT, DOUBLE         Java's toString: 1.0, 1.0E-5, NaN, Infinity
//	DECIMAL               trailing zeros stripped, scientific when Java's
//	                      BigDecimal.toString is (1E+2); plain with
//	                      write-bigdecimal-in-scientific-notation = false
//	CHAR, VARCHAR         the text (UTF-8)
//	BINARY, VARBINARY     base64
//	DATE                  2024-02-29
//	TIME(p)               10:15:30.5 (fraction as long as needed)
//	TIMESTAMP(p)          2024-02-29 10:15:30.5 ('T' accepted when read)
//	TIMESTAMP_LTZ(p)      2024-02-29 10:15:30.5Z (UTC); read with Z, an
//	                      offset (+08:00), or none: the session time zone
//	ARRAY<flat>           elements joined by array-element-delimiter: 1;2;3
//	ROW<flat…>            fields joined by array-element-delimiter: a;1
//
// where flat means any type above but ARRAY, MAP and ROW. Numbers and
// dates may be surrounded by white space when read.
//
// NULL is written as null-literal when set, else as an empty field. When
// read, an unquoted null-literal is NULL, and an empty (or blank) field of
// a non-string type is NULL, as Jackson reads Flink's NUMBER and BOOLEAN
// columns; an empty CHAR/VARCHAR/BINARY field is the empty value. Inside
// an ARRAY or a ROW the same rules hold per element.
//
// Parse reads one record (a Kafka message, or a record a SplitFunc
// framed); a trailing line break is ignored. A record holds no row when it
// is empty or, with allow-comments, starts with '#'. A record with more or
// fewer fields than the table has columns, a value that is not of its
// column's type, a NULL in a NOT NULL column and text after a closing
// quote are *format.ParseError values naming the column and quoting the
// value. ignore-parse-errors is declared here and read by connectors
// (format.IgnoreParseErrors).
//
// Departures from Flink:
//
//   - The types Flink's CSV refuses (MAP, an ARRAY of ARRAY, MAP or ROW,
//     a ROW holding an ARRAY, MAP or ROW) are written as the JSON text of
//     the value, exactly as the json format writes it (SQL timestamps), in
//     a quoted field, and read back the same way. MULTISET is not
//     supported.
//   - An empty quoted field ("") of an ARRAY column is the empty array,
//     an unquoted empty one NULL; so an empty array round-trips (Flink
//     reads both as NULL), except with disable-quote-character. An ARRAY
//     whose only element is empty (an empty string or, without
//     null-literal, a NULL) reads back as the empty array.
//   - Elements and ROW fields are not quoted: one that holds the
//     array-element-delimiter, or a CHAR/VARCHAR element equal to
//     null-literal, does not read back as written (as in Flink).
//   - Without null-literal, a NULL and an empty string of a CHAR/VARCHAR/
//     BINARY column are both written as an empty field and read back as
//     the empty value (as in Flink). A table of one column writes an empty
//     value as "" so that the line is not empty; a NULL of a non-string
//     single column is written as "" too (it reads back as NULL).
//   - A value that is not of the type is an error where Flink is lenient:
//     a BOOLEAN other than true/false (Flink reads it as false), a
//     fraction in an integer field, a DECIMAL too large for its precision
//     (Flink reads NULL).
//   - TIME keeps the digits of its precision up to 9 (Flink's CSV reads
//     and writes milliseconds); extra digits are truncated, as for
//     TIMESTAMP.
//   - field-delimiter, quote-character, escape-character and
//     array-element-delimiter must be ASCII characters.
//   - escape-character, when set, escapes in quoted values too, and the
//     writer doubles it; \n, \r, \t and \0 after it are control
//     characters, as Jackson reads them. Without quoting
//     (disable-quote-character), the writer escapes delimiters and line
//     breaks with it; with neither, such values are written as they are
//     and do not read back, as in Flink.
//   - Invalid UTF-8 in a CHAR/VARCHAR field is an error (Jackson fails on
//     it too).
//
// The format turns one record into one row and back; it must not read
// files or topics, skip bad records or count them: connectors do.
package csv
