package engine

import (
	"regexp"
	"strconv"
	"time"
)

// gmtOffset matches the fixed-offset zone ids Flink stores for
// table.local-time-zone ("GMT+08:00", "GMT-03:30", "GMT+05:30:15"), which
// the time zone database does not name.
var gmtOffset = regexp.MustCompile(`^GMT([+-])(\d{2}):(\d{2})(?::(\d{2}))?$`)

// LoadZone is time.LoadLocation extended with Flink's GMT offset ids, so
// every zone PyFlink's TableConfig.set_local_timezone accepts runs.
func LoadZone(name string) (*time.Location, error) {
	if m := gmtOffset.FindStringSubmatch(name); m != nil {
		h, _ := strconv.Atoi(m[2])
		mi, _ := strconv.Atoi(m[3])
		s := 0
		if m[4] != "" {
			s, _ = strconv.Atoi(m[4])
		}
		off := h*3600 + mi*60 + s
		if m[1] == "-" {
			off = -off
		}
		return time.FixedZone(name, off), nil
	}
	return time.LoadLocation(name)
}
