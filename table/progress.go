package table

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sluice-stream/sluice/engine"
)

// ShowProgress tells whether a command line tool should draw a progress
// line on stderr: only when stderr is a terminal (SLUICE_PROGRESS=1 or 0
// overrides), so that logs and pipes stay clean.
func ShowProgress() bool {
	switch os.Getenv("SLUICE_PROGRESS") {
	case "1", "true":
		return true
	case "0", "false":
		return false
	}
	fi, err := os.Stderr.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Progress draws a status line for the job on w, redrawn twice a second,
// until the returned stop is called (which clears the line).
func (j *Job) Progress(w io.Writer) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		progress(w, j.Name(), j.Metrics, done)
		close(finished)
	}()
	return func() {
		close(done)
		<-finished
	}
}

// progress redraws one status line for a running job until stop is
// closed: elapsed time, records read by the sources and their rate,
// records written by the sinks.
func progress(w io.Writer, name string, metrics func() []engine.MetricsSnapshot, stop <-chan struct{}) {
	start := time.Now()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	var lastIn int64
	last := start
	width := 0
	for {
		select {
		case <-stop:
			if width > 0 {
				fmt.Fprintf(w, "\r%s\r", strings.Repeat(" ", width))
			}
			return
		case now := <-tick.C:
			var in, out int64
			for _, m := range metrics() {
				switch m.Kind {
				case "source":
					in += m.RecordsOut
				case "sink":
					out += m.RecordsIn
				}
			}
			rate := float64(in-lastIn) / now.Sub(last).Seconds()
			lastIn, last = in, now
			line := fmt.Sprintf("[%s] %s  read %s (%s/s)  written %s", name, now.Sub(start).Round(100*time.Millisecond), count(in), count(int64(rate)), count(out))
			pad := ""
			if len(line) < width {
				pad = strings.Repeat(" ", width-len(line))
			}
			width = len(line)
			fmt.Fprintf(w, "\r%s%s", line, pad)
		}
	}
}

func count(n int64) string {
	switch {
	case n >= 10_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}
