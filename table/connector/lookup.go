package connector

import "github.com/sluice-stream/sluice/engine"

// LookupFactory is a connector whose tables can be read by key: the
// dimension table of a lookup join (`JOIN dim FOR SYSTEM_TIME AS OF
// o.proc_time ON o.k = dim.id`), Flink's LookupTableSource.
type LookupFactory interface {
	Factory
	// NewLookup prepares reading the table of ctx by the columns keys
	// (indexes into ctx.Columns, one per equality of the join, in the
	// order of the function's key arrays). The function returns every
	// column of ctx.Columns.
	NewLookup(ctx *Context, keys []int) (*LookupSource, error)
}

// LookupSource is what the planner places in a lookup join.
type LookupSource struct {
	// Function creates one subtask's lookup function.
	Function func() engine.LookupFunction
	// Cache is the partial cache the table's options ask for (lookup.cache
	// = 'PARTIAL', or a connector's legacy cache options); nil for none.
	Cache *engine.LookupCacheSpec
	// Describe is a one-line summary for EXPLAIN.
	Describe string
}

// Flink's LookupOptions, the keys every lookup connector takes for its
// cache and retries.
const (
	OptionLookupCache                    = "lookup.cache"
	OptionLookupMaxRetries               = "lookup.max-retries"
	OptionLookupPartialExpireAfterAccess = "lookup.partial-cache.expire-after-access"
	OptionLookupPartialExpireAfterWrite  = "lookup.partial-cache.expire-after-write"
	OptionLookupPartialMaxRows           = "lookup.partial-cache.max-rows"
	OptionLookupPartialCacheMissingKey   = "lookup.partial-cache.cache-missing-key"
)

// LookupOptions declares Flink's lookup options for a factory's Options.
func LookupOptions() []Option {
	return []Option{
		{Key: OptionLookupCache, Default: "NONE", Description: "The cache of a lookup join: NONE, or PARTIAL (rows found are kept per key; FULL is not supported)."},
		{Key: OptionLookupPartialExpireAfterAccess, Description: "A cached key expires this long after it was last read."},
		{Key: OptionLookupPartialExpireAfterWrite, Description: "A cached key expires this long after it was loaded."},
		{Key: OptionLookupPartialMaxRows, Description: "The most keys the partial cache keeps; the least recently used go first."},
		{Key: OptionLookupPartialCacheMissingKey, Default: "true", Description: "Also cache keys the table has no row for."},
		{Key: OptionLookupMaxRetries, Default: "3", Description: "Retries of a lookup that failed on a lost connection or a lock."},
	}
}
