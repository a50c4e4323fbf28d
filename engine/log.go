package engine

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// The engine's log: restarts, skipped checkpoints and connector warnings
// a user must see go to one writer (stderr by default), one timestamped
// line per message, Flink's log being the place such things are read.
var logState struct {
	sync.Mutex
	w io.Writer
}

// SetLogOutput sends the engine's log to w (nil: stderr) and returns the
// previous writer.
func SetLogOutput(w io.Writer) io.Writer {
	logState.Lock()
	defer logState.Unlock()
	old := logState.w
	if old == nil {
		old = os.Stderr
	}
	logState.w = w
	return old
}

// Logf writes one message to the engine's log.
func Logf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	logState.Lock()
	defer logState.Unlock()
	w := logState.w
	if w == nil {
		w = os.Stderr
	}
	prefix := time.Now().Format("2006-01-02 15:04:05.000") + " sluice: "
	fmt.Fprintln(w, prefix+strings.ReplaceAll(msg, "\n", "\n"+strings.Repeat(" ", len(prefix))))
}
