// Package builtin links every connector that needs no external service —
// datagen, print, blackhole and values — into a program: importing it
// registers them with table/connector. cmd/sluice and the examples import
// it to link the connectors in.
package builtin
