// Package formattest holds what the tests of the formats share: contexts,
// builders, random columns of every SQL type with the edge cases that
// break codecs (quotes, delimiters, line breaks, unicode, leap days,
// extreme numbers, NULLs at every level), and a readable comparison.
// Only tests import it.
package formattest
