package filesystem

import (
	"context"
	"encoding/binary"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/engine/state"
)

// sourceStateName is the operator list state of the source's positions.
const sourceStateName = "filesystem-source-positions"

// filePos is how far a source read one file: done, or for a row format
// the offset and line after the last record emitted, for parquet the rows
// emitted.
type filePos struct {
	path   string
	done   bool
	offset int64
	line   int
	rows   int64
}

// ahead says whether p is further into the same file than q.
func (p *filePos) ahead(q *filePos) bool {
	if p.done != q.done {
		return p.done
	}
	return p.offset > q.offset || p.rows > q.rows
}

// openState declares the positions' state and, after a restore, keeps the
// positions of the subtask's own files. The state is union-redistributed:
// every subtask gets every position back and keeps those of the files its
// assignment (over the current listing and parallelism) gives it, so a
// restore at another parallelism still reads each file once, resuming
// where the checkpoint left it.
func (s *source) openState(rt *engine.RuntimeContext, restored bool) error {
	ops, err := rt.OperatorState()
	if err != nil {
		return errorf("%w", err)
	}
	if s.list, err = ops.ListState(sourceStateName, state.UnionRedistribute); err != nil {
		return errorf("%w", err)
	}
	if !restored {
		return nil
	}
	mine := make(map[string]bool, len(s.files))
	for _, f := range s.files {
		mine[f.path] = true
	}
	for _, e := range s.list.Get() {
		p, err := decodeFilePos(e)
		if err != nil {
			return errorf("table %s: %w", s.t.name, err)
		}
		if !mine[p.path] {
			continue
		}
		if q := s.pos[p.path]; q == nil || p.ahead(q) {
			s.pos[p.path] = p
		}
	}
	return nil
}

// SnapshotState records the position of every file the subtask started.
// It runs inside Collect, after the batch went downstream: the positions
// describe exactly the rows emitted.
func (s *source) SnapshotState(context.Context, engine.CheckpointInfo) error {
	if s.list == nil {
		return nil
	}
	elems := make([][]byte, 0, len(s.pos))
	for _, f := range s.files {
		if p := s.pos[f.path]; p != nil {
			elems = append(elems, p.encode())
		}
	}
	s.list.Update(elems)
	return nil
}

const filePosVersion = 1

// encode is version, path (length-prefixed), done, offset, line, rows.
func (p *filePos) encode() []byte {
	b := []byte{filePosVersion}
	b = binary.AppendUvarint(b, uint64(len(p.path)))
	b = append(b, p.path...)
	done := byte(0)
	if p.done {
		done = 1
	}
	b = append(b, done)
	b = binary.AppendUvarint(b, uint64(p.offset))
	b = binary.AppendUvarint(b, uint64(p.line))
	return binary.AppendUvarint(b, uint64(p.rows))
}

func decodeFilePos(e []byte) (*filePos, error) {
	corrupt := errorf("a checkpointed file position is corrupt")
	if len(e) == 0 || e[0] != filePosVersion {
		return nil, corrupt
	}
	e = e[1:]
	n, w := binary.Uvarint(e)
	if w <= 0 || uint64(len(e)-w) < n+1 {
		return nil, corrupt
	}
	p := &filePos{path: string(e[w : w+int(n)]), done: e[w+int(n)] == 1}
	e = e[w+int(n)+1:]
	var nums [3]uint64
	for i := range nums {
		v, w := binary.Uvarint(e)
		if w <= 0 {
			return nil, corrupt
		}
		nums[i], e = v, e[w:]
	}
	if len(e) != 0 || nums[1] == 0 {
		return nil, corrupt
	}
	p.offset, p.line, p.rows = int64(nums[0]), int(nums[1]), int64(nums[2])
	return p, nil
}

var _ engine.Checkpointed = (*source)(nil)
