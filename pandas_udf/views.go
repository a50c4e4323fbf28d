package pandas_udf

import (
	"sync"
	"sync/atomic"

	"github.com/sluice-stream/sluice/cpython"
)

// A numeric argument without NULLs reaches pandas as a view of its Arrow
// buffer, not as an imported array that holds a reference to it. A function
// that keeps its argument (in a global, a cache, a closure) keeps the view,
// and with it the address of memory Go owns. Such views are kept here with
// what keeps their memory valid — a reference to the Arrow array — and are
// let go once nothing in Python refers to them any more, which every batch
// checks while it holds the GIL. The usual batch keeps nothing and pays one
// atomic load.
var keptViews struct {
	n     atomic.Int32 // len(views), read without the mutex
	mu    sync.Mutex   // guards views; never held while Python code runs
	views []keptView
}

type keptView struct {
	view    *cpython.Object
	release func() // lets the memory go
}

// keepView holds view, which Python still refers to after its batch, until
// it is unused; release then lets its memory go.
func keepView(view *cpython.Object, release func()) {
	keptViews.mu.Lock()
	keptViews.views = append(keptViews.views, keptView{view: view, release: release})
	keptViews.n.Store(int32(len(keptViews.views)))
	keptViews.mu.Unlock()
}

// dropUnusedViews lets go of the kept views nothing refers to any more.
// Dropping a view runs no Python code (it has no finalizer and refers to
// nothing), so the mutex may be held.
func dropUnusedViews(py *cpython.GIL) {
	if keptViews.n.Load() == 0 {
		return
	}
	keptViews.mu.Lock()
	defer keptViews.mu.Unlock()
	live := keptViews.views[:0]
	for _, k := range keptViews.views {
		if py.ViewInUse(k.view) {
			live = append(live, k)
			continue
		}
		py.DecRef(k.view)
		k.release()
	}
	clear(keptViews.views[len(live):])
	keptViews.views = live
	keptViews.n.Store(int32(len(live)))
}

// keptViewCount is the number of views still kept (for tests).
func keptViewCount() int { return int(keptViews.n.Load()) }
