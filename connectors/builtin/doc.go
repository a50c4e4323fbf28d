// Package builtin links every connector and format into a program:
// importing it registers datagen, print, blackhole, values, filesystem,
// kafka, jdbc and nexmark with table/connector, and the csv, json and raw formats
// (parquet comes with filesystem). cmd/sluice and the examples import it.
package builtin
