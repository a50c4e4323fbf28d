// Package sqltext parses the text forms of SQL values that connectors read
// from options and inline data: exact decimals, dates, times and
// timestamps (in the ISO forms Flink prints and SQL literals use). Parsing
// is strict and exact; errors say what was expected, and the caller adds
// which option or row it was.
package sqltext
