package engine

import (
	"container/list"
	"fmt"
	"time"
)

// LookupCacheSpec is Flink's partial lookup cache (DefaultLookupCache,
// lookup.cache = 'PARTIAL'): the rows a lookup found for a key are kept
// for the next rows of that key, until they expire or are evicted.
type LookupCacheSpec struct {
	// MaxRows bounds the number of cached keys (Flink's
	// lookup.partial-cache.max-rows: Guava's maximumSize counts entries,
	// one per key, whatever the number of rows a key found); the least
	// recently used key goes first. 0 is no bound.
	MaxRows int64
	// ExpireAfterWrite drops a key that long after it was loaded;
	// ExpireAfterAccess that long after it was last read or loaded. 0 is
	// never.
	ExpireAfterWrite, ExpireAfterAccess time.Duration
	// CacheMissingKey keeps keys the table has no row for (so they are
	// not looked up again), as Flink's default does.
	CacheMissingKey bool
	// Now is the cache's clock; nil is time.Now. Tests inject one.
	Now func() time.Time
}

// Validate refuses a cache that never evicts, with Flink's reason.
func (s *LookupCacheSpec) Validate() error {
	if s.MaxRows < 0 || s.ExpireAfterWrite < 0 || s.ExpireAfterAccess < 0 {
		return fmt.Errorf("lookup cache: max rows and expiry durations must not be negative")
	}
	if s.MaxRows == 0 && s.ExpireAfterWrite == 0 && s.ExpireAfterAccess == 0 {
		return fmt.Errorf("lookup cache: expiration duration and maximum size are not set; the cache would never evict and could grow without bound")
	}
	return nil
}

// String describes the cache for EXPLAIN.
func (s *LookupCacheSpec) String() string {
	out := "PARTIAL"
	if s.MaxRows > 0 {
		out += fmt.Sprintf(", max-rows=%d", s.MaxRows)
	}
	if s.ExpireAfterWrite > 0 {
		out += ", expire-after-write=" + s.ExpireAfterWrite.String()
	}
	if s.ExpireAfterAccess > 0 {
		out += ", expire-after-access=" + s.ExpireAfterAccess.String()
	}
	if !s.CacheMissingKey {
		out += ", cache-missing-key=false"
	}
	return out
}

// lookupCache is one operator instance's cache: encoded key → the encoded
// rows found for it, in an LRU list (front: most recently used).
type lookupCache struct {
	spec    LookupCacheSpec
	now     func() time.Time
	entries map[string]*list.Element
	lru     *list.List
}

type cacheEntry struct {
	key      string
	rows     [][]byte
	written  time.Time
	accessed time.Time
}

func newLookupCache(spec LookupCacheSpec) *lookupCache {
	now := spec.Now
	if now == nil {
		now = time.Now
	}
	return &lookupCache{spec: spec, now: now, entries: map[string]*list.Element{}, lru: list.New()}
}

// get returns the rows cached for key; ok is false on a miss (an expired
// entry is dropped and is a miss).
func (c *lookupCache) get(key []byte) (rows [][]byte, ok bool) {
	el, ok := c.entries[string(key)]
	if !ok {
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	now := c.now()
	if c.expired(e, now) {
		c.remove(el)
		return nil, false
	}
	e.accessed = now
	c.lru.MoveToFront(el)
	return e.rows, true
}

func (c *lookupCache) expired(e *cacheEntry, now time.Time) bool {
	if c.spec.ExpireAfterWrite > 0 && !now.Before(e.written.Add(c.spec.ExpireAfterWrite)) {
		return true
	}
	return c.spec.ExpireAfterAccess > 0 && !now.Before(e.accessed.Add(c.spec.ExpireAfterAccess))
}

// put stores the rows a lookup found for key (an empty result only with
// CacheMissingKey) and evicts the least recently used keys beyond MaxRows.
func (c *lookupCache) put(key []byte, rows [][]byte) {
	if len(rows) == 0 && !c.spec.CacheMissingKey {
		return
	}
	now := c.now()
	if el, ok := c.entries[string(key)]; ok {
		e := el.Value.(*cacheEntry)
		e.rows, e.written, e.accessed = rows, now, now
		c.lru.MoveToFront(el)
		return
	}
	e := &cacheEntry{key: string(key), rows: rows, written: now, accessed: now}
	c.entries[e.key] = c.lru.PushFront(e)
	if c.spec.MaxRows > 0 {
		for int64(c.lru.Len()) > c.spec.MaxRows {
			c.remove(c.lru.Back())
		}
	}
}

func (c *lookupCache) remove(el *list.Element) {
	delete(c.entries, el.Value.(*cacheEntry).key)
	c.lru.Remove(el)
}

func (c *lookupCache) len() int { return c.lru.Len() }
