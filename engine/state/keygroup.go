package state

import "fmt"

// KeyGroupRange is a contiguous, inclusive range of key groups, as Flink's
// KeyGroupRange. An empty range has End < Start.
type KeyGroupRange struct {
	Start, End int
}

// Contains reports whether kg lies in the range.
func (r KeyGroupRange) Contains(kg int) bool { return kg >= r.Start && kg <= r.End }

// Len is the number of key groups in the range.
func (r KeyGroupRange) Len() int {
	if r.End < r.Start {
		return 0
	}
	return r.End - r.Start + 1
}

func (r KeyGroupRange) String() string { return fmt.Sprintf("[%d, %d]", r.Start, r.End) }

// RangeForSubtask is Flink's
// KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex: the key
// groups that the engine's hash exchange (kg * parallelism /
// maxParallelism, engine/exchange.go) sends to subtask index (from 0).
func RangeForSubtask(maxParallelism, parallelism, index int) (KeyGroupRange, error) {
	if maxParallelism <= 0 || maxParallelism > MaxKeyGroups {
		return KeyGroupRange{}, fmt.Errorf("state: max parallelism %d is outside [1, %d]", maxParallelism, MaxKeyGroups)
	}
	if parallelism <= 0 || parallelism > maxParallelism || index < 0 || index >= parallelism {
		return KeyGroupRange{}, fmt.Errorf("state: subtask %d of parallelism %d with max parallelism %d", index, parallelism, maxParallelism)
	}
	return KeyGroupRange{
		Start: (index*maxParallelism + parallelism - 1) / parallelism,
		End:   ((index+1)*maxParallelism - 1) / parallelism,
	}, nil
}

// MaxKeyGroups is Flink's upper bound for max parallelism (2^15); key
// groups fit in a uint16.
const MaxKeyGroups = 1 << 15
