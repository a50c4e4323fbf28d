package expr

// notSupportedYet are the names of Flink 2.3's built-in functions (its
// documentation page of system functions and SHOW FUNCTIONS) that Sluice
// does not implement yet. The planner rejects a call of one with "<NAME>
// is not supported yet" instead of "no function named ...", which would
// suggest a typo. Names the planner handles itself (window functions
// under OVER, group window properties, GROUPING) are not listed.
var notSupportedYet = map[string]bool{}

func init() {
	for _, n := range []string{
		// aggregates
		"COLLECT", "ARRAY_AGG", "PERCENTILE",
		"JSON_OBJECTAGG", "JSON_ARRAYAGG", "CUME_DIST", "PERCENT_RANK", "NTILE",
		"BITMAP_BUILD_AGG", "BITMAP_BUILD_CARDINALITY_AGG", "BITMAP_AND_AGG", "BITMAP_AND_CARDINALITY_AGG",
		"BITMAP_OR_AGG", "BITMAP_OR_CARDINALITY_AGG", "BITMAP_XOR_AGG", "BITMAP_XOR_CARDINALITY_AGG",
		// strings
		"PRINTF", "DECODE", "ENCODE",
		// temporal
		"CURRENT_ROW_TIMESTAMP", "SOURCE_WATERMARK",
		// collections
		// JSON, VARIANT and structured values
		"JSON", "JSON_STRING", "JSON_OBJECT", "JSON_ARRAY", "PARSE_JSON", "TRY_PARSE_JSON",
		"OBJECT_OF", "OBJECT_UPDATE",
		// bitmaps
		"BITMAP_AND", "BITMAP_ANDNOT", "BITMAP_BUILD", "BITMAP_CARDINALITY", "BITMAP_FROM_BYTES",
		"BITMAP_OR", "BITMAP_TO_ARRAY", "BITMAP_TO_BYTES", "BITMAP_TO_STRING", "BITMAP_XOR",
		// catalog and session
		"CURRENT_DATABASE", "CURRENT_CATALOG",
		// table functions and model inference
		"TO_CHANGELOG", "FROM_CHANGELOG", "ML_PREDICT",
	} {
		notSupportedYet[n] = true
	}
}

// NotSupportedYet reports whether name (upper case) is a Flink built-in
// function Sluice does not implement yet. A name registered since is no
// longer reported.
func NotSupportedYet(name string) bool {
	_, registered := registry[name]
	return notSupportedYet[name] && !registered
}
