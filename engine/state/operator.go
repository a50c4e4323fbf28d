package state

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"slices"
)

// Redistribution says how an operator list state is handed out when a job
// is restored, as Flink's OperatorStateHandle.Mode.
type Redistribution uint8

const (
	// SplitDistribute concatenates the lists of every old subtask and
	// gives each new subtask an even, contiguous share (Flink's
	// getListState, e.g. Kafka partition offsets).
	SplitDistribute Redistribution = iota + 1
	// UnionRedistribute gives every new subtask the whole concatenated
	// list (Flink's getUnionListState).
	UnionRedistribute
)

func (m Redistribution) String() string {
	switch m {
	case SplitDistribute:
		return "split"
	case UnionRedistribute:
		return "union"
	}
	return fmt.Sprintf("Redistribution(%d)", uint8(m))
}

// operatorStateFile is the operator state's file in a snapshot directory.
const operatorStateFile = "operator.bin"

// OperatorState is the non-keyed state of one subtask (sources and sinks),
// Flink's OperatorStateBackend: named lists of byte elements, small enough
// to live in memory on every backend type.
type OperatorState struct {
	lists map[string]*OperatorListState
}

// OperatorListState is one named list of an OperatorState.
type OperatorListState struct {
	mode  Redistribution
	elems [][]byte
}

// NewOperatorState returns an empty operator state.
func NewOperatorState() *OperatorState {
	return &OperatorState{lists: map[string]*OperatorListState{}}
}

// ListState declares (or gets again) the list called name.
func (o *OperatorState) ListState(name string, mode Redistribution) (*OperatorListState, error) {
	if mode != SplitDistribute && mode != UnionRedistribute {
		return nil, fmt.Errorf("state: operator list state %q: unknown redistribution %v", name, mode)
	}
	if l, ok := o.lists[name]; ok {
		if l.mode != mode {
			return nil, fmt.Errorf("state: operator list state %q is %s-redistributed, not %s", name, l.mode, mode)
		}
		return l, nil
	}
	l := &OperatorListState{mode: mode}
	o.lists[name] = l
	return l, nil
}

// Get returns the elements; they must not be modified.
func (l *OperatorListState) Get() [][]byte { return l.elems }

// Add appends a copy of e.
func (l *OperatorListState) Add(e []byte) { l.elems = append(l.elems, append([]byte(nil), e...)) }

// Update replaces the list with copies of es.
func (l *OperatorListState) Update(es [][]byte) {
	l.elems = nil
	for _, e := range es {
		l.Add(e)
	}
}

// Clear empties the list.
func (l *OperatorListState) Clear() { l.elems = nil }

// Snapshot captures the lists (elements are never modified in place, so
// copying the slice headers is enough) and returns the function that
// writes them into dir with a manifest, last.
func (o *OperatorState) Snapshot(dir string) (func() error, error) {
	names := make([]string, 0, len(o.lists))
	for n := range o.lists {
		names = append(names, n)
	}
	slices.Sort(names)
	captured := make([]OperatorListState, len(names))
	for i, n := range names {
		l := o.lists[n]
		captured[i] = OperatorListState{mode: l.mode, elems: slices.Clone(l.elems)}
	}
	return func() error {
		w, err := newSnapshotWriter(dir, "operator", KeyGroupRange{Start: 0, End: -1})
		if err != nil {
			return err
		}
		w.m.Operator = true
		var buf []byte
		for i, n := range names {
			buf = appendField(buf, []byte(n))
			buf = append(buf, byte(captured[i].mode))
			buf = binary.AppendUvarint(buf, uint64(len(captured[i].elems)))
			for _, e := range captured[i].elems {
				buf = appendField(buf, e)
			}
		}
		if err := w.writeFile(operatorStateFile, buf); err != nil {
			return err
		}
		return w.finish()
	}, nil
}

func readOperatorSnapshot(dir string) (map[string]*OperatorListState, []string, error) {
	m, err := readManifest(dir)
	if err != nil {
		return nil, nil, err
	}
	path := filepath.Join(dir, ManifestName)
	if !m.Operator {
		return nil, nil, fmt.Errorf("state: %s describes keyed state, not operator state", path)
	}
	var data []byte
	for _, f := range m.Files {
		if f.Name == operatorStateFile {
			if data, err = readChecked(dir, f); err != nil {
				return nil, nil, err
			}
		}
	}
	if data == nil {
		return nil, nil, fmt.Errorf("state: %s lists no %s", path, operatorStateFile)
	}
	corrupt := fmt.Errorf("state: snapshot file %s is corrupt", filepath.Join(dir, operatorStateFile))
	lists := map[string]*OperatorListState{}
	var order []string
	for len(data) > 0 {
		name, rest, ok := readField(data)
		if !ok || len(rest) < 1 {
			return nil, nil, corrupt
		}
		l := &OperatorListState{mode: Redistribution(rest[0])}
		if l.mode != SplitDistribute && l.mode != UnionRedistribute {
			return nil, nil, corrupt
		}
		n, w := binary.Uvarint(rest[1:])
		if w <= 0 {
			return nil, nil, corrupt
		}
		rest = rest[1+w:]
		for range n {
			e, r, ok := readField(rest)
			if !ok {
				return nil, nil, corrupt
			}
			l.elems = append(l.elems, e)
			rest = r
		}
		lists[string(name)] = l
		order = append(order, string(name))
		data = rest
	}
	return lists, order, nil
}

// RestoreOperatorState builds subtask index's operator state (of
// parallelism subtasks) from the snapshots of every old subtask, dirs in
// old subtask order. As Flink's RoundRobinOperatorStateRepartitioner: at
// unchanged parallelism each subtask gets its own split lists back; after
// a change, the concatenated split list is cut into parallelism even,
// contiguous shares (the first len%parallelism one element longer); union
// lists go whole to everyone.
func RestoreOperatorState(dirs []string, index, parallelism int) (*OperatorState, error) {
	if parallelism <= 0 || index < 0 || index >= parallelism {
		return nil, fmt.Errorf("state: operator state for subtask %d of %d", index, parallelism)
	}
	all := make([]map[string]*OperatorListState, len(dirs))
	var names []string
	seen := map[string]Redistribution{}
	for i, dir := range dirs {
		lists, order, err := readOperatorSnapshot(dir)
		if err != nil {
			return nil, err
		}
		all[i] = lists
		for _, n := range order {
			mode := lists[n].mode
			if old, ok := seen[n]; ok && old != mode {
				return nil, fmt.Errorf("state: operator list state %q is %s in one snapshot and %s in %s", n, old, mode, dir)
			}
			if _, ok := seen[n]; !ok {
				names = append(names, n)
			}
			seen[n] = mode
		}
	}
	o := NewOperatorState()
	for _, n := range names {
		mode := seen[n]
		var elems [][]byte
		if mode == SplitDistribute && len(dirs) == parallelism {
			if l := all[index][n]; l != nil {
				elems = l.elems
			}
		} else {
			var concat [][]byte
			for _, lists := range all {
				if l := lists[n]; l != nil {
					concat = append(concat, l.elems...)
				}
			}
			elems = concat
			if mode == SplitDistribute {
				base, extra := len(concat)/parallelism, len(concat)%parallelism
				start := index*base + min(index, extra)
				size := base
				if index < extra {
					size++
				}
				elems = concat[start : start+size]
			}
		}
		o.lists[n] = &OperatorListState{mode: mode, elems: slices.Clone(elems)}
	}
	return o, nil
}
