package main

import (
	"fmt"
	"strings"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table"
)

// jobOptions are the options of `sluice run` and `sluice sql` that apply
// to every job the process starts, with Flink's CLI names: -s/--fromSavepoint
// (execution.savepoint.path), -n/--allowNonRestoredState
// (execution.savepoint.ignore-unclaimed-state), -D key=value (any option),
// and our own --restore latest (sluice.restore).
type jobOptions struct {
	savepoint        string
	allowNonRestored bool
	restore          string
	props            map[string]string
}

// parseJobOption consumes the option at args[0] when it is one of
// jobOptions', and returns how many arguments it took (0 when args[0] is
// not one).
func (o *jobOptions) parseJobOption(args []string) (int, error) {
	a := args[0]
	value := func(name string) (string, int, error) {
		if i := strings.IndexByte(a, '='); i >= 0 && strings.HasPrefix(a, "--") {
			return a[i+1:], 1, nil
		}
		if len(args) < 2 || args[1] == "" {
			return "", 0, fmt.Errorf("%s needs a value", name)
		}
		return args[1], 2, nil
	}
	name := a
	if i := strings.IndexByte(a, '='); i >= 0 && strings.HasPrefix(a, "--") {
		name = a[:i]
	}
	switch {
	case name == "-s" || name == "--fromSavepoint" || name == "-fromSavepoint":
		v, n, err := value(name)
		o.savepoint = v
		return n, err
	case name == "-n" || name == "--allowNonRestoredState" || name == "-allowNonRestoredState":
		o.allowNonRestored = true
		return 1, nil
	case name == "--restore" || name == "-restore":
		v, n, err := value(name)
		if err == nil && v != "latest" {
			err = fmt.Errorf("--restore %q: the only value is latest (the newest completed checkpoint under %s); -s PATH restores a given one", v, engine.ConfigCheckpointsDir)
		}
		o.restore = v
		return n, err
	case strings.HasPrefix(a, "-D"):
		kv, n := a[2:], 1
		if kv == "" {
			if len(args) < 2 {
				return 0, fmt.Errorf("-D needs key=value")
			}
			kv, n = args[1], 2
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return 0, fmt.Errorf("-D %s: expected key=value", kv)
		}
		if o.props == nil {
			o.props = map[string]string{}
		}
		o.props[strings.TrimSpace(k)] = v
		return n, nil
	}
	return 0, nil
}

// config is the options as configuration keys.
func (o *jobOptions) config() (map[string]string, error) {
	cfg := map[string]string{}
	for k, v := range o.props {
		cfg[k] = v
	}
	if o.savepoint != "" && o.restore != "" {
		return nil, fmt.Errorf("-s %s and --restore %s: give one of them", o.savepoint, o.restore)
	}
	if o.savepoint != "" {
		cfg[engine.ConfigSavepointPath] = o.savepoint
	}
	if o.restore != "" {
		cfg[engine.ConfigRestore] = o.restore
	}
	if o.allowNonRestored {
		cfg[engine.ConfigSavepointIgnoreUnclaimed] = "true"
	}
	return cfg, nil
}

// apply makes the options the base configuration of every environment of
// the process (the Python API's and the SQL client's).
func (o *jobOptions) apply() error {
	cfg, err := o.config()
	if err != nil {
		return err
	}
	if len(cfg) > 0 {
		table.SetProcessConfig(cfg)
	}
	return nil
}

const jobOptionsUsage = `job options (run and sql; every job the process starts):
  -s, --fromSavepoint PATH     restore from a checkpoint or savepoint directory (execution.savepoint.path)
  --restore latest             restore from the newest completed checkpoint under state.checkpoints.dir,
                               or start afresh when there is none (sluice.restore)
  -n, --allowNonRestoredState  skip state of operators the job no longer has
                               (execution.savepoint.ignore-unclaimed-state)
  -D key=value                 any configuration option, e.g. -D execution.checkpointing.interval=10s
`
