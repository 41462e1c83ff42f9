package pcsc

import "sync"

// stuck counts, per reader name, PC/SC calls that outlived their deadline
// and have not returned yet. It is process-wide because callers may make a
// new Reader for every read: the next Reader for a hung reader must report
// it at once instead of blocking in pcscd behind the stuck call.
var stuck = struct {
	sync.Mutex
	by map[string]int
}{by: map[string]int{}}

// markStuck records one more (d=+1) or one fewer (d=-1) stuck call.
func markStuck(name string, d int) {
	stuck.Lock()
	defer stuck.Unlock()
	stuck.by[name] += d
	if stuck.by[name] <= 0 {
		delete(stuck.by, name)
	}
}

// isStuck reports whether a call on the reader is still stuck.
func isStuck(name string) bool {
	stuck.Lock()
	defer stuck.Unlock()
	return stuck.by[name] > 0
}
