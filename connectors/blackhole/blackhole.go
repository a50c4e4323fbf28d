package blackhole

import (
	"context"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/vectorized"
)

// Identifier is the value of the `connector` option.
const Identifier = "blackhole"

// Factory is the blackhole connector.
type Factory struct{}

func init() { connector.Register(Factory{}) }

// Identifier implements connector.Factory.
func (Factory) Identifier() string { return Identifier }

// Options implements connector.Factory: none.
func (Factory) Options() []connector.Option { return nil }

// NewSink implements connector.SinkFactory.
func (Factory) NewSink(ctx *connector.Context) (*connector.Sink, error) {
	if err := connector.ValidateOptions(Factory{}, ctx.Options); err != nil {
		return nil, err
	}
	return &connector.Sink{
		// Flink's BlackHoleSink.getChangelogMode: the requested mode
		// without UPDATE_BEFORE, so an aggregate into it spares its -U
		// rows (Flink 2.3: GroupAggregate changelogMode=[I,UA]).
		Accepts:  connector.All &^ connector.KindUpdateBefore,
		Discards: true,
		Instance: func(int, int) engine.Sink { return sink{} },
		Describe: "BlackHole",
	}, nil
}

// sink discards every batch. Batches are lent, so there is nothing to
// release.
type sink struct{}

func (sink) String() string                                     { return "BlackHole" }
func (sink) Open(context.Context, *engine.RuntimeContext) error { return nil }
func (sink) Write(context.Context, *vectorized.Batch) error     { return nil }
func (sink) Finish(context.Context) error                       { return nil }
func (sink) Close() error                                       { return nil }
