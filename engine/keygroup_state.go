package engine

import (
	"encoding/binary"
	"sort"

	"github.com/sluice-stream/sluice/engine/state"
)

// writeDirtyKeyGroups writes, under windowStateKey, the state of each key
// group in dirty from the operator's in-memory keys (Clear when none is
// left), then forgets the marks: the checkpoint of operators that keep
// their keyed state in memory between checkpoints (interval and temporal
// joins). A key group's value is the uvarint count of its keys, then each
// key's encoding in the order less gives.
func writeDirtyKeyGroups[K any](ks *state.ValueState[[]byte], dirty *kgSet, keys map[string]K,
	kgOf func(K) uint16, less func(a, b K) bool, encode func(dst []byte, k K) []byte) error {
	if ks == nil || len(dirty.list) == 0 {
		return nil
	}
	byKG := map[uint16][]K{}
	for _, k := range keys {
		if kg := kgOf(k); dirty.has(kg) {
			byKG[kg] = append(byKG[kg], k)
		}
	}
	for _, kg := range dirty.list {
		group := byKG[kg]
		if len(group) == 0 {
			if err := ks.Clear(kg, windowStateKey); err != nil {
				return err
			}
			continue
		}
		sort.Slice(group, func(a, b int) bool { return less(group[a], group[b]) })
		val := binary.AppendUvarint(nil, uint64(len(group)))
		for _, k := range group {
			val = encode(val, k)
		}
		if err := ks.Update(kg, windowStateKey, val); err != nil {
			return err
		}
	}
	dirty.reset()
	return nil
}
