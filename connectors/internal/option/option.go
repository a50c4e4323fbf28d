package option

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-stream/sluice/engine"
)

// Reader reads the options of one table for one connector.
type Reader struct {
	// Connector prefixes every message ("datagen").
	Connector string
	Options   map[string]string
}

// Has reports whether key was given.
func (r Reader) Has(key string) bool {
	_, ok := r.Options[key]
	return ok
}

// Errorf is an error about option key, in the connector's voice.
func (r Reader) Errorf(key, format string, args ...any) error {
	return fmt.Errorf("%s: %s = '%s' %s", r.Connector, key, r.Options[key], fmt.Sprintf(format, args...))
}

// String returns the value of key, or def.
func (r Reader) String(key, def string) string {
	if v, ok := r.Options[key]; ok {
		return v
	}
	return def
}

// Int64 returns the value of key as a 64-bit integer, or def.
func (r Reader) Int64(key string, def int64) (int64, error) {
	v, ok := r.Options[key]
	if !ok {
		return def, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, r.Errorf(key, "is not an integer")
	}
	return n, nil
}

// Int returns the value of key as an int, or def.
func (r Reader) Int(key string, def int) (int, error) {
	n, err := r.Int64(key, int64(def))
	if err != nil {
		return 0, err
	}
	if int64(int(n)) != n || n > 1<<31-1 || n < -1<<31 {
		return 0, r.Errorf(key, "is out of range for an integer option")
	}
	return int(n), nil
}

// Float returns the value of key as a float64, or def.
func (r Reader) Float(key string, def float64) (float64, error) {
	v, ok := r.Options[key]
	if !ok {
		return def, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return 0, r.Errorf(key, "is not a number")
	}
	return f, nil
}

// Bool returns the value of key as a boolean, or def. Like Flink's
// ConfigOption<Boolean> it accepts true and false in any case.
func (r Reader) Bool(key string, def bool) (bool, error) {
	v, ok := r.Options[key]
	if !ok {
		return def, nil
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, r.Errorf(key, "is not a boolean (true or false)")
}

// Duration returns the value of key as a duration, or def. It accepts Go
// durations and Flink's forms ("5 s", "2 min", a bare number of
// milliseconds), as engine.ParseDuration does.
func (r Reader) Duration(key string, def time.Duration) (time.Duration, error) {
	v, ok := r.Options[key]
	if !ok {
		return def, nil
	}
	d, err := engine.ParseDuration(v)
	if err != nil {
		return 0, r.Errorf(key, "is not a duration (%v)", err)
	}
	return d, nil
}

// BatchSize reads engine.ConfigBatchSize from a job configuration: the
// number of rows a source puts in one batch.
func BatchSize(cfg engine.Config) (int, error) {
	n, err := cfg.Int(engine.ConfigBatchSize, engine.DefaultBatchSize)
	if err != nil {
		return 0, err
	}
	if n < 1 {
		return 0, fmt.Errorf("config %s = %d: must be at least 1", engine.ConfigBatchSize, n)
	}
	return n, nil
}

// SessionZone is the zone TIMESTAMP_LTZ text without an offset is read in:
// table.local-time-zone, or the machine's zone, as the engine uses.
func SessionZone(cfg engine.Config) (*time.Location, error) {
	z := strings.TrimSpace(cfg.String(engine.ConfigLocalTimeZone, "default"))
	if z == "default" || z == "" {
		return time.Local, nil
	}
	loc, err := engine.LoadZone(z)
	if err != nil {
		return nil, fmt.Errorf("config %s = '%s': %w", engine.ConfigLocalTimeZone, z, err)
	}
	return loc, nil
}
