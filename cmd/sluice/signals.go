package main

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/engine"
)

// termGrace is how long SIGTERM leaves the job script to end after its
// jobs were cancelled before the process exits anyway: nobody is there to
// press Ctrl-C a second time, and a supervisor's SIGKILL would come
// without the one-line report.
const termGrace = 10 * time.Second

// stopSignals is how the commands that run Python (run, shell, and the
// interpreter mode of multiprocessing's children) stop on SIGINT and
// SIGTERM. The first signal cancels every running job (engine.CancelAll)
// and interrupts the Python main thread (cpython.Interrupt: the script
// gets KeyboardInterrupt, or SystemExit for SIGTERM); the command then
// exits with 128+signal and one line on stderr. A second signal exits at
// once.
//
// With execution.shutdown.savepoint on in a job's configuration, SIGTERM
// first stops that job with a savepoint (a supervisor's stop then loses
// nothing: `sluice run -s PATH` continues from it); when every running job
// stopped so, the process exits 0 with the savepoints' paths on stderr.
type stopSignals struct {
	report    bool          // print the one-line report (not in a child)
	sig       atomic.Int32  // the first signal, 0 before
	cancelled atomic.Int64  // the jobs it cancelled
	handled   chan struct{} // closed once the first signal was acted on
	exitOnce  sync.Once
	shutdown  *shutdownOutcome // SIGTERM's savepoints; set before handled is closed
}

// handleStopSignals starts handling SIGINT and SIGTERM for a command, with
// the report, or, for a child standing in for python, SIGINT alone: SIGTERM
// kills it at once, as Python's default does (multiprocessing's terminate()
// counts on it).
func handleStopSignals(report bool) *stopSignals {
	s := &stopSignals{report: report, handled: make(chan struct{})}
	ch := make(chan os.Signal, 4)
	if report {
		signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	} else {
		signal.Notify(ch, syscall.SIGINT)
	}
	go s.watch(ch)
	return s
}

func (s *stopSignals) watch(ch <-chan os.Signal) {
	first, _ := (<-ch).(syscall.Signal)
	s.sig.Store(int32(first))
	if first == syscall.SIGTERM && s.report {
		// Savepoints before Python is interrupted: the jobs' Python
		// functions must still run while their instances snapshot.
		out, ok := shutdownWithSavepoints(ch)
		if !ok { // a second signal: exit at once
			s.cancelled.Store(int64(engine.CancelAll()))
			close(s.handled)
			s.exit()
		}
		s.shutdown = out
	}
	// Python first: a main thread blocked in wait() runs the handler when
	// the cancelled job returns to it, so the trip must be there by then.
	cpython.Interrupt(first)
	n := int64(engine.CancelAll())
	if s.shutdown != nil {
		// Jobs stopped with a savepoint have ended; what is left of the
		// registry's count may still include them for a moment.
		n = int64(s.shutdown.others)
	}
	s.cancelled.Store(n)
	close(s.handled)
	var grace <-chan time.Time
	if first == syscall.SIGTERM {
		grace = time.After(termGrace)
	}
	select {
	case <-ch:
	case <-grace:
	}
	s.exit()
}

// received is the first stop signal, 0 if none came.
func (s *stopSignals) received() syscall.Signal { return syscall.Signal(s.sig.Load()) }

// exit ends the process for the stop signal received, with its report.
// Safe to call from the watcher and from the command at the same time:
// one of them prints and exits.
func (s *stopSignals) exit() {
	s.exitOnce.Do(func() {
		<-s.handled
		sig := s.received()
		if s.report && s.shutdown != nil {
			s.shutdown.report(os.Stderr)
			if s.shutdown.ok() {
				os.Exit(0)
			}
		}
		if s.report {
			what := "interrupted"
			if sig == syscall.SIGTERM {
				what = "terminated"
			}
			switch n := s.cancelled.Load(); n {
			case 0:
				fmt.Fprintf(os.Stderr, "sluice: %s\n", what)
			case 1:
				fmt.Fprintf(os.Stderr, "sluice: %s, 1 job cancelled\n", what)
			default:
				fmt.Fprintf(os.Stderr, "sluice: %s, %d jobs cancelled\n", what, n)
			}
		}
		os.Exit(128 + int(sig))
	})
	select {} // the other caller is exiting the process
}
