package engine

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// PartitionKind says how an edge routes batches from its producer subtasks
// to its consumer subtasks.
type PartitionKind int

const (
	// Forward sends subtask i's output to subtask i; both sides must have
	// the same parallelism.
	Forward PartitionKind = iota
	// Hash routes each row by the hash of its key columns (Flink's key
	// groups), so all rows of a key meet in one subtask.
	Hash
	// Rebalance sends whole batches round-robin.
	Rebalance
	// Broadcast sends every batch to every subtask.
	Broadcast
	// Global sends everything to subtask 0.
	Global
)

func (k PartitionKind) String() string {
	switch k {
	case Forward:
		return "FORWARD"
	case Hash:
		return "HASH"
	case Rebalance:
		return "REBALANCE"
	case Broadcast:
		return "BROADCAST"
	case Global:
		return "GLOBAL"
	}
	return fmt.Sprintf("PartitionKind(%d)", int(k))
}

// Partitioning is the routing of one edge; Keys are column indices of the
// producer's output, used by Hash.
type Partitioning struct {
	Kind PartitionKind
	Keys []int
}

// Edge connects the output of vertex From to one input of its consumer.
// The position of the edge in the consumer's Inputs is the input index its
// batches carry (Operator.Process's input argument).
type Edge struct {
	From      int
	Partition Partitioning
}

// Vertex is one node of the job graph: a source or the consumer of one or
// more edges, followed by chained operators and optionally a sink. Each of
// its Parallelism subtasks runs in its own goroutine; chained operators
// call each other directly.
//
// A vertex with a Sink is terminal: no edge may leave it.
type Vertex struct {
	ID          int
	Name        string
	Parallelism int
	Source      func(subtask int) Source // set for source vertices
	Chain       []func() Operator        // chained in order
	Sink        func(subtask int) Sink   // optional, last in chain
	Inputs      []Edge
}

// JobGraph is a job: vertices and the edges in their Inputs.
type JobGraph struct {
	Name     string
	Vertices []*Vertex
	// Bounded says every source ends: expressions see one fixed "now"
	// (Flink's batch mode).
	Bounded bool
	// Batch is Flink's batch runtime mode: final results at the end of
	// input and no checkpoints. A streaming job over bounded sources
	// (Bounded without Batch) takes checkpoints until its sources end.
	Batch bool
	// Mem allocates every buffer the job creates; nil means
	// memory.DefaultAllocator. Tests pass a checked allocator.
	Mem memory.Allocator
}

// JobResult is what a finished job reports.
type JobResult struct {
	Name     string
	Duration time.Duration
	// Metrics has one entry per operator, source and sink instance, in
	// vertex order, then chain order, then subtask order.
	Metrics []MetricsSnapshot
	// Checkpoints are the job's checkpoint metrics.
	Checkpoints CheckpointStats
}

// MetricsSnapshot is the value of one instance's counters: final in a
// JobResult, current in Job.Metrics.
type MetricsSnapshot struct {
	VertexID    int
	Vertex      string
	Operator    string
	Kind        string // "source", "operator" or "sink"
	Position    int    // position in the vertex's chain; -1 for a source, len(Chain) for a sink
	Subtask     int
	RecordsIn   int64
	RecordsOut  int64
	BatchesIn   int64
	BatchesOut  int64
	Busy        time.Duration
	BackPressed time.Duration
	// Counters are the instance's named counters (OperatorMetrics.Counter).
	Counters map[string]int64
}

// Operator sums the metrics of every subtask of the operator (or source, or
// sink) with the given name. The result's Subtask is -1; ok is false when no
// instance has that name.
func (r *JobResult) Operator(name string) (total MetricsSnapshot, ok bool) {
	total.Subtask = -1
	for _, m := range r.Metrics {
		if m.Operator != name {
			continue
		}
		if !ok {
			total.VertexID, total.Vertex, total.Operator, total.Kind, total.Position = m.VertexID, m.Vertex, m.Operator, m.Kind, m.Position
			ok = true
		}
		total.RecordsIn += m.RecordsIn
		total.RecordsOut += m.RecordsOut
		total.BatchesIn += m.BatchesIn
		total.BatchesOut += m.BatchesOut
		total.Busy += m.Busy
		total.BackPressed += m.BackPressed
		for k, v := range m.Counters {
			if total.Counters == nil {
				total.Counters = map[string]int64{}
			}
			total.Counters[k] += v
		}
	}
	return total, ok
}

// validate checks the graph's shape and returns the vertices by ID and each
// vertex's outgoing edges.
func (g *JobGraph) validate() (map[int]*Vertex, map[int][]outEdge, error) {
	byID := make(map[int]*Vertex, len(g.Vertices))
	for _, v := range g.Vertices {
		if v == nil {
			return nil, nil, fmt.Errorf("job %s: nil vertex", g.Name)
		}
		if _, dup := byID[v.ID]; dup {
			return nil, nil, fmt.Errorf("job %s: two vertices have ID %d", g.Name, v.ID)
		}
		if v.Parallelism < 1 {
			return nil, nil, fmt.Errorf("job %s: vertex %d (%s) has parallelism %d", g.Name, v.ID, v.Name, v.Parallelism)
		}
		byID[v.ID] = v
	}
	outs := make(map[int][]outEdge)
	for _, v := range g.Vertices {
		switch {
		case v.Source != nil && len(v.Inputs) > 0:
			return nil, nil, fmt.Errorf("job %s: vertex %d (%s) has a source and inputs", g.Name, v.ID, v.Name)
		case v.Source == nil && len(v.Inputs) == 0:
			return nil, nil, fmt.Errorf("job %s: vertex %d (%s) has neither a source nor inputs", g.Name, v.ID, v.Name)
		}
		for i, e := range v.Inputs {
			from, ok := byID[e.From]
			if !ok {
				return nil, nil, fmt.Errorf("job %s: vertex %d (%s) input %d comes from unknown vertex %d", g.Name, v.ID, v.Name, i, e.From)
			}
			if from.Sink != nil {
				return nil, nil, fmt.Errorf("job %s: vertex %d (%s) ends in a sink but feeds vertex %d (%s)", g.Name, from.ID, from.Name, v.ID, v.Name)
			}
			switch e.Partition.Kind {
			case Forward:
				if from.Parallelism != v.Parallelism {
					return nil, nil, fmt.Errorf("job %s: forward edge from %s (parallelism %d) to %s (parallelism %d) needs equal parallelism",
						g.Name, from.Name, from.Parallelism, v.Name, v.Parallelism)
				}
			case Hash:
				if len(e.Partition.Keys) == 0 {
					return nil, nil, fmt.Errorf("job %s: hash edge from %s to %s has no key columns", g.Name, from.Name, v.Name)
				}
			case Rebalance, Broadcast, Global:
			default:
				return nil, nil, fmt.Errorf("job %s: edge from %s to %s has unknown partitioning %v", g.Name, from.Name, v.Name, e.Partition.Kind)
			}
			outs[e.From] = append(outs[e.From], outEdge{to: v, input: i, part: e.Partition})
		}
	}
	// Cycle check: Kahn's algorithm over the edges.
	indeg := make(map[int]int, len(byID))
	for _, v := range g.Vertices {
		indeg[v.ID] = len(v.Inputs)
	}
	var queue []int
	for _, v := range g.Vertices {
		if indeg[v.ID] == 0 {
			queue = append(queue, v.ID)
		}
	}
	seen := 0
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		seen++
		for _, o := range outs[id] {
			indeg[o.to.ID]--
			if indeg[o.to.ID] == 0 {
				queue = append(queue, o.to.ID)
			}
		}
	}
	if seen != len(g.Vertices) {
		return nil, nil, fmt.Errorf("job %s: the graph has a cycle", g.Name)
	}
	return byID, outs, nil
}

// outEdge is an edge seen from its producer.
type outEdge struct {
	to    *Vertex
	input int
	part  Partitioning
}
