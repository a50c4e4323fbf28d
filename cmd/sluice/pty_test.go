package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"
)

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// sluiceBinary builds the command once per test run, as `make build` does
// (the venv linked in), into a directory removed at the end.
func sluiceBinary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		root, err := filepath.Abs("../..")
		if err != nil {
			binaryErr = err
			return
		}
		dir, err := os.MkdirTemp("", "sluice-cli-test")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "sluice")
		build := exec.Command("go", "build", "-ldflags", "-X github.com/sluice-stream/sluice/cpython.DefaultVenv="+filepath.Join(root, ".venv"), "-o", binaryPath, ".")
		if out, err := build.CombinedOutput(); err != nil {
			binaryErr = fmt.Errorf("%v: %s", err, out)
		}
	})
	require.NoError(t, binaryErr)
	return binaryPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binaryPath != "" {
		os.RemoveAll(filepath.Dir(binaryPath))
	}
	os.Exit(code)
}

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// terminal is the master side of a pseudo-terminal that is a child's
// controlling terminal: what a user types reaches the child through the
// line discipline, so Ctrl-C (\x03) becomes SIGINT for its foreground
// process group — exactly as at a shell prompt.
type terminal struct {
	master *os.File
	out    syncBuffer // what the child wrote to the terminal (and the echo)
}

func ioctl(fd uintptr, req uintptr, arg unsafe.Pointer) error {
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, req, uintptr(arg)); e != 0 {
		return e
	}
	return nil
}

// startOnTerminal starts cmd in a new session with a new pseudo-terminal
// as its controlling terminal and stdin, and as stdout too when
// stdoutOnTerminal (the shell's readline needs both); other streams are
// left as the caller set them.
func startOnTerminal(t *testing.T, cmd *exec.Cmd, stdoutOnTerminal bool) *terminal {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	require.NoError(t, err)
	var unlock int32
	require.NoError(t, ioctl(master.Fd(), syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)))
	var n uint32
	require.NoError(t, ioctl(master.Fd(), syscall.TIOCGPTN, unsafe.Pointer(&n)))
	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	require.NoError(t, err)
	defer slave.Close()
	cmd.Stdin = slave
	if stdoutOnTerminal {
		cmd.Stdout = slave
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	require.NoError(t, cmd.Start())
	term := &terminal{master: master}
	go func() { _, _ = io.Copy(&term.out, master) }()
	t.Cleanup(func() { master.Close() })
	return term
}

// ctrlC types Ctrl-C on the terminal.
func (term *terminal) ctrlC(t *testing.T) {
	t.Helper()
	_, err := term.master.Write([]byte{3})
	require.NoError(t, err)
}

// typeLine types a line on the terminal.
func (term *terminal) typeLine(t *testing.T, line string) {
	t.Helper()
	_, err := term.master.Write([]byte(line + "\n"))
	require.NoError(t, err)
}

// waitFor waits until what appears in the text read returns, failing the
// test after a minute (what a hang looks like, not a performance bound).
func waitFor(t *testing.T, what string, read func() string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(read(), what) {
		if time.Now().After(deadline) {
			t.Fatalf("%q never appeared in:\n%s", what, read())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// exitOf waits for cmd to end (failing the test if it hangs past limit)
// and returns its exit code, -1 when a signal killed it.
func exitOf(t *testing.T, cmd *exec.Cmd, done <-chan error, limit time.Duration) int {
	t.Helper()
	select {
	case err := <-done:
		if err == nil {
			return 0
		}
		ee, ok := err.(*exec.ExitError)
		require.True(t, ok, "%v", err)
		return ee.ExitCode()
	case <-time.After(limit):
		_ = cmd.Process.Kill()
		t.Fatalf("the process did not exit within %v", limit)
		return 0
	}
}

// waitAsync waits for cmd in the background.
func waitAsync(cmd *exec.Cmd) <-chan error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	return done
}
