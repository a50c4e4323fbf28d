package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/sluice-stream/sluice/engine"
)

// checkpointSummary is one line about a job's checkpoints for the SQL
// client after an INSERT, empty when the job took none, restored none and
// never restarted.
func checkpointSummary(s engine.CheckpointStats) string {
	if !s.Enabled && s.RestoredID == 0 && s.Restarts == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "checkpoints: %d completed, %d failed", s.Completed, s.Failed)
	if s.Completed > 0 {
		fmt.Fprintf(&b, "; last #%d took %v, %s, alignment %v", s.LastID, s.LastDuration.Round(time.Millisecond), byteCount(s.LastSize), s.LastAlignment.Round(time.Millisecond))
	}
	if s.RestoredID != 0 {
		fmt.Fprintf(&b, "; restored from #%d (%s)", s.RestoredID, s.RestoredPath)
	}
	if s.Restarts > 0 {
		fmt.Fprintf(&b, "; %d restarts", s.Restarts)
	}
	return b.String()
}

func byteCount(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
