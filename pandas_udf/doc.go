// Package pandas_udf runs vectorized ("pandas") Python UDFs over Arrow
// batches, in one call into the embedded interpreter per batch. A numeric
// argument column without NULLs crosses as a read-only view of its Arrow
// buffer (a sluice.View that numpy reads in place); every other column
// crosses through the Arrow C Data Interface and reaches pyarrow without a
// copy. Each column becomes a pandas Series (a DataFrame for a ROW) once per
// batch, shared by every UDF of the evaluator; each function is called once
// per batch. A result that is a numpy array (or a Series of one) of exactly
// the declared numeric type is copied, in one pass that also turns NaN into
// NULL, into a C buffer that becomes the result array; any other result — a
// Series of another dtype, list, pyarrow Array or, for a ROW, a DataFrame —
// is converted to the declared Arrow type with a safe cast and comes back
// through the C Data Interface.
//
// It owns the Python driver of that path (driver.py, embedded and loaded as
// _sluice_pandas), the mapping of SQL types to what a pandas UDF sees and
// returns (DESIGN.md §3), and the errors that name the failing UDF.
//
// What a function sees, per argument type:
//
//   - TINYINT…BIGINT, FLOAT, DOUBLE: a numpy-backed Series, sharing the Arrow
//     buffer when the column has no NULLs (read-only: writing into it raises);
//     with NULLs, integers use pandas' nullable dtypes (Int8…Int64) and floats
//     carry NaN.
//   - BOOLEAN: bool, or pandas' nullable boolean with NULLs.
//   - DECIMAL, STRING, BYTES, TIME: object Series of decimal.Decimal, str,
//     bytes, datetime.time; None for NULL.
//   - DATE: object Series of datetime.date; None for NULL.
//   - TIMESTAMP: datetime64 in the type's unit (datetime64[ms] for
//     TIMESTAMP(3)); TIMESTAMP_LTZ: the same with the UTC zone; NaT for NULL.
//   - ARRAY: object Series of numpy arrays (of numpy arrays when nested;
//     integers with NULLs as floats with NaN, strings, dates and decimals as
//     objects); MAP: object Series of lists of (key, value) tuples; nested
//     rows as dicts.
//
// DATE, TIMESTAMP, ARRAY and MAP are what PyFlink's
// to_pandas(date_as_object=True) gives; integer and boolean columns with
// NULLs differ on purpose (PyFlink gives floats with NaN and objects).
//   - ROW: a DataFrame with one column per field; a NULL row arrives as a
//     row of missing values, and a result row whose fields are all missing
//     becomes NULL.
//
// Results never keep Python memory: they are copied into C buffers the
// evaluator allocated or into memory Arrow allocated, so that releasing one
// never needs the GIL. A function that keeps an argument beyond its batch
// (in a global, a cache) keeps the column's Arrow buffer with it: the view
// is watched, and the column released by the first batch after Python let
// go of it.
//
// Arrow UDFs (func_type "arrow", NewArrowEvaluator) take the same path
// minus pandas: every argument column arrives as the pyarrow Array imported
// through the C Data Interface (no views), and the result — a pyarrow Array
// whose type converts safely to the declared one (numbers into numbers,
// strings into strings, ...), or anything pyarrow.array() accepts — comes
// back without a copy. Such a result may hold Python memory, so its release
// is deferred (arrow_release.go): queued in C, and run under the GIL by the
// next batch or a background goroutine.
//
// It must not parse SQL or know about plans and operators: the planner hands
// it functions, argument columns and result types, and gets back a
// vectorized.FunctionEvaluator. All libpython access goes through package
// cpython.
package pandas_udf
