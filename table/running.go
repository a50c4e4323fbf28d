package table

import (
	"sync"

	"github.com/sluice-stream/sluice/engine"
)

// Options of the process: what the command line gave (`sluice run -s`,
// `--restore latest`, ...) applies to every job any environment of the
// process starts, under the options the environment itself sets, as
// Flink's CLI options are the base of a program's configuration. They are
// not the environment's own: RESET leaves them in place.
var processConfig struct {
	sync.Mutex
	cfg engine.Config
}

// SetProcessConfig sets options for every environment of the process,
// replacing those set before.
func SetProcessConfig(cfg map[string]string) {
	c := engine.Config{}
	for k, v := range cfg {
		c[k] = v
	}
	processConfig.Lock()
	processConfig.cfg = c
	processConfig.Unlock()
}

// ProcessConfig returns a copy of the process's options.
func ProcessConfig() engine.Config { return withProcessConfig(nil) }

// withProcessConfig is the process's options overlaid with own.
func withProcessConfig(own engine.Config) engine.Config {
	out := engine.Config{}
	processConfig.Lock()
	for k, v := range processConfig.cfg {
		out[k] = v
	}
	processConfig.Unlock()
	for k, v := range own {
		out[k] = v
	}
	return out
}

// RunningJob is a job an environment of this process started and that has
// not ended, with the configuration it runs with: what a stop signal needs
// to decide between a savepoint (execution.shutdown.savepoint) and a plain
// cancel.
type RunningJob struct {
	Job    *Job
	Config engine.Config
}

var running struct {
	sync.Mutex
	jobs map[*Job]engine.Config
}

func trackRunning(j *Job, cfg engine.Config) {
	running.Lock()
	if running.jobs == nil {
		running.jobs = map[*Job]engine.Config{}
	}
	running.jobs[j] = cfg
	running.Unlock()
	go func() {
		<-j.Done()
		running.Lock()
		delete(running.jobs, j)
		running.Unlock()
	}()
}

// RunningJobs returns the jobs of the process's environments that have not
// ended.
func RunningJobs() []RunningJob {
	running.Lock()
	defer running.Unlock()
	out := make([]RunningJob, 0, len(running.jobs))
	for j, cfg := range running.jobs {
		out = append(out, RunningJob{Job: j, Config: cfg})
	}
	return out
}
