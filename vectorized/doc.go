// Package vectorized owns the batch type — an Arrow record batch plus
// Flink's changelog row kinds — and the interfaces through which operators
// evaluate functions over whole batches.
//
// It must not call Python: Python UDFs reach operators only as
// FunctionEvaluator implementations from the cpython and pandas_udf
// packages, chosen by the planner.
package vectorized
