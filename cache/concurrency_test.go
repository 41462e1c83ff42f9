package cache

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestReplaceIsAtomicForReaders: while a large replace runs, every reader
// transaction sees either the old roster (version 1, old records, old
// count) or the new one — never a mix.
func TestReplaceIsAtomicForReaders(t *testing.T) {
	db := openTemp(t)
	if err := db.ReplaceRoster(RosterMeta{Version: 1}, records(0, 1000)); err != nil {
		t.Fatal(err)
	}
	oldID, newID := []byte(synthRecord(5).SoCCCD), []byte(synthRecord(20000).SoCCCD)
	var stop atomic.Bool
	var seen [3]atomic.Int64
	var wg sync.WaitGroup
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				err := db.bolt.View(func(tx *bolt.Tx) error {
					m, err := readRosterMeta(tx)
					if err != nil {
						return err
					}
					roster := tx.Bucket(bucketRoster)
					hasOld, hasNew := roster.Get(oldID) != nil, roster.Get(newID) != nil
					n := roster.Stats().KeyN
					switch {
					case m.Version == 1 && hasOld && !hasNew && n == 1000 && m.Records == 1000:
					case m.Version == 2 && !hasOld && hasNew && n == 3*spillRecords && m.Records == 3*spillRecords:
					default:
						t.Errorf("mixed view: version %d old %v new %v keys %d records %d", m.Version, hasOld, hasNew, n, m.Records)
					}
					seen[m.Version].Add(1)
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	// Records 10000.. do not include record 5.
	if err := db.ReplaceRoster(RosterMeta{Version: 2}, records(10000, 3*spillRecords)); err != nil {
		t.Fatal(err)
	}
	// Let the readers see the new roster too.
	for seen[2].Load() == 0 {
		runtime.Gosched()
	}
	stop.Store(true)
	wg.Wait()
	if seen[1].Load() == 0 {
		t.Error("readers never ran during the replace")
	}
	checkIndexes(t, db)
}
