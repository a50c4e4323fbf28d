// Package option reads a connector's WITH options as typed values, with the
// error messages every Sluice connector uses: the connector, the option and
// the value that failed, and what was expected
// ("datagen: number-of-rows = 'ten' is not an integer").
package option
