package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkRunTrivialJob is the wall time of `sluice run` on a job that
// creates an environment and collects SELECT 1, from process start to exit,
// next to the same virtual environment's bare `python -c pass` measured in
// the same run.
func BenchmarkRunTrivialJob(b *testing.B) {
	root, _ := filepath.Abs("..")
	bin := filepath.Join(b.TempDir(), "sluice")
	build := exec.Command("go", "build", "-ldflags", "-X github.com/sluice-stream/sluice/cpython.DefaultVenv="+filepath.Join(root, ".venv"), "-o", bin, "./cmd/sluice")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("%v\n%s", err, out)
	}
	job := filepath.Join(b.TempDir(), "trivial.py")
	if err := os.WriteFile(job, []byte(`from pyflink.table import EnvironmentSettings, TableEnvironment
t_env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
assert [tuple(r) for r in t_env.execute_sql("SELECT 1").collect()] == [(1,)]
`), 0o644); err != nil {
		b.Fatal(err)
	}
	python := filepath.Join(root, ".venv", "bin", "python")
	timeIt := func(name string, args ...string) time.Duration {
		best := time.Duration(0)
		for i := 0; i < 5; i++ {
			start := time.Now()
			if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
				b.Fatalf("%s: %v\n%s", name, err, out)
			}
			if d := time.Since(start); best == 0 || d < best {
				best = d
			}
		}
		return best
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run := timeIt(bin, "run", job)
		py := timeIt(python, "-c", "pass")
		b.ReportMetric(float64(run.Milliseconds()), "ms/run")
		b.ReportMetric(float64(py.Milliseconds()), "ms/python-start")
		b.ReportMetric(float64(run)/float64(py), "ratio")
	}
}
