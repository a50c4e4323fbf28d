// Package codec is what the csv and json formats share:
//
//   - scratch nodes, one per SQL type of a record's shape, that hold the
//     values one record carries in typed slices until the decoder's Append
//     writes them into Arrow builders (so Parse can fail without touching a
//     builder, and no record goes through []any);
//   - the text forms of SQL scalars that Flink's CSV and JSON formats read
//     and write (ParseText, NewTextWriter);
//   - the JSON form of every SQL value: a hand-written reader that fills
//     nodes straight from the bytes (JSONReader) and writers that append
//     JSON for Arrow values (NewJSONWriter).
//
// It must not know about options, connectors or record framing: the
// format packages map their options onto the knobs here.
package codec
