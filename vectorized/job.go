package vectorized

import "context"

type jobNameKey struct{}

// WithJobName returns ctx carrying the name of the job whose operators
// receive it. The engine sets it on every task's context, so that a
// FunctionEvaluator can name the job in what it reports outside the error
// path — the crash report of a Python UDF that takes the process down,
// where no TaskError will be built.
func WithJobName(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, jobNameKey{}, name)
}

// JobName is the name WithJobName put in ctx, or "" outside a job.
func JobName(ctx context.Context) string {
	s, _ := ctx.Value(jobNameKey{}).(string)
	return s
}
