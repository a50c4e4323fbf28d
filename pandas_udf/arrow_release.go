package pandas_udf

// Arrow UDF results come back without a copy: the pyarrow array a function
// returned (pyarrow.compute's output, or an array over a numpy array) is
// imported as it is. Releasing such an array may need the GIL (a buffer
// that wraps a Python object takes it to drop the object), and the last
// Release runs on whatever goroutine is done with the batch: a pure-Go
// operator must neither wait behind another task's Python nor deadlock
// with the goroutine holding the GIL. So the release callback of each
// result is swapped, before import, for one that only queues the original
// (a C list, no Go, no Python); the queue is released under the GIL at the
// start of the next batch of any evaluator, or by a background goroutine
// when no batch comes.

/*
#include <stdint.h>
#include <stdlib.h>
#include <pthread.h>

struct sl_array {
	int64_t length, null_count, offset, n_buffers, n_children;
	const void** buffers;
	struct sl_array** children;
	struct sl_array* dictionary;
	void (*release)(struct sl_array*);
	void* private_data;
};

struct sl_deferred {
	struct sl_array arr; // the original struct, with its release
	struct sl_deferred* next;
};

static pthread_mutex_t sl_deferred_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sl_deferred* sl_deferred_head;
static int64_t sl_deferred_n;

static void sl_deferred_release(struct sl_array* a) {
	struct sl_deferred* d = (struct sl_deferred*)a->private_data;
	pthread_mutex_lock(&sl_deferred_mu);
	d->next = sl_deferred_head;
	sl_deferred_head = d;
	__atomic_add_fetch(&sl_deferred_n, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&sl_deferred_mu);
	a->release = NULL;
}

// sl_defer_release moves a's release into a queued record; returns 0 when
// out of memory (a is left as it was).
static int sl_defer_release(void* p) {
	struct sl_array* a = (struct sl_array*)p;
	if (a->release == NULL) return 1;
	struct sl_deferred* d = malloc(sizeof *d);
	if (d == NULL) return 0;
	d->arr = *a;
	d->next = NULL;
	a->private_data = d;
	a->release = sl_deferred_release;
	return 1;
}

static int64_t sl_deferred_pending(void) { return __atomic_load_n(&sl_deferred_n, __ATOMIC_RELAXED); }

// sl_release_deferred runs the queued releases (the caller holds the GIL).
static void sl_release_deferred(void) {
	pthread_mutex_lock(&sl_deferred_mu);
	struct sl_deferred* d = sl_deferred_head;
	sl_deferred_head = NULL;
	__atomic_store_n(&sl_deferred_n, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&sl_deferred_mu);
	while (d != NULL) {
		struct sl_deferred* next = d->next;
		d->arr.release(&d->arr);
		free(d);
		d = next;
	}
}
*/
import "C"

import (
	"sync"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/cdata"

	"github.com/sluice-stream/sluice/cpython"
)

// deferRelease makes the release of the exported array a queue entry; it
// reports false when it could not (then the caller copies or fails).
func deferRelease(a *cdata.CArrowArray) bool {
	startDrainer()
	return C.sl_defer_release(unsafe.Pointer(a)) != 0
}

// releaseDeferred runs the queued releases; the caller holds the GIL.
func releaseDeferred(*cpython.GIL) {
	if C.sl_deferred_pending() != 0 {
		C.sl_release_deferred()
	}
}

// deferredPending is how many released results wait for the GIL.
func deferredPending() int64 { return int64(C.sl_deferred_pending()) }

var drainerOnce sync.Once

// drainInterval bounds how long a released result's memory waits when no
// batch comes to release it.
const drainInterval = 20 * time.Millisecond

func startDrainer() {
	drainerOnce.Do(func() {
		go func() {
			for range time.Tick(drainInterval) {
				if C.sl_deferred_pending() != 0 {
					_ = cpython.Do(func(py *cpython.GIL) error { releaseDeferred(py); return nil })
				}
			}
		}()
	})
}
