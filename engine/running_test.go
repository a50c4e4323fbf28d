package engine

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/vectorized"
)

func trackedCount() int {
	running.Lock()
	defer running.Unlock()
	return len(running.jobs)
}

// jobNameSource records the job name its context carries, then runs until
// cancelled.
type jobNameSource struct {
	name *atomic.Value
}

func (s *jobNameSource) String() string                              { return "JobName" }
func (s *jobNameSource) Open(context.Context, *RuntimeContext) error { return nil }
func (s *jobNameSource) Close() error                                { return nil }
func (s *jobNameSource) Run(ctx context.Context, _ Collector) error {
	s.name.Store(vectorized.JobName(ctx))
	<-ctx.Done()
	return ctx.Err()
}

// What a signal handler relies on: CancelAll reaches jobs it was never
// handed (submitted with a context nobody cancels), and a job leaves the
// set when it ends.
func TestCancelAllStopsEveryRunningJob(t *testing.T) {
	// Jobs of earlier tests leave the set just after they end.
	require.Eventually(t, func() bool { return trackedCount() == 0 }, 10*time.Second, time.Millisecond, "a job of an earlier test is still running")
	var names [2]atomic.Value
	var jobs []*Job
	for i, name := range []string{"first", "second"} {
		g := &JobGraph{Name: name, Vertices: []*Vertex{
			{ID: 1, Name: "src", Parallelism: 1, Source: func(int) Source { return &jobNameSource{name: &names[i]} }},
			{ID: 2, Name: "sink", Parallelism: 1, Inputs: []Edge{{From: 1}}, Sink: func(int) Sink { return &gatedSink{} }},
		}}
		j, err := Submit(context.Background(), g, Config{})
		require.NoError(t, err)
		jobs = append(jobs, j)
	}
	for _, j := range jobs {
		select {
		case <-j.Running():
		case <-time.After(10 * time.Second):
			t.Fatal("job never reached running")
		}
	}
	require.Eventually(t, func() bool { return names[0].Load() != nil && names[1].Load() != nil }, 10*time.Second, time.Millisecond)
	assert.Equal(t, "first", names[0].Load())
	assert.Equal(t, "second", names[1].Load())
	assert.Equal(t, 2, trackedCount())

	assert.Equal(t, 2, CancelAll())
	for _, j := range jobs {
		_, err := j.Wait()
		require.ErrorIs(t, err, context.Canceled)
	}
	require.Eventually(t, func() bool { return trackedCount() == 0 }, 10*time.Second, time.Millisecond)
	assert.Zero(t, CancelAll())
}
