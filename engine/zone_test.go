package engine

import (
	"testing"
	"time"
)

func TestLoadZoneReadsFlinksOffsetIDs(t *testing.T) {
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for id, want := range map[string]int{"GMT+08:00": 8 * 3600, "GMT-03:30": -(3*3600 + 30*60), "GMT+05:30:15": 5*3600 + 30*60 + 15, "UTC": 0, "Asia/Shanghai": 8 * 3600} {
		loc, err := LoadZone(id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if _, off := at.In(loc).Zone(); off != want {
			t.Errorf("%s: offset %d, want %d", id, off, want)
		}
	}
	for _, bad := range []string{"GMT+8:00", "Foo/Bar"} {
		if _, err := LoadZone(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
