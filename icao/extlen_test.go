package icao

import (
	"fmt"
	"sync"
	"testing"
)

// TestExtendedLengthMemo: readers' sessions share one memo concurrently; it
// keeps the latest answer per key and never more than memoSize keys.
func TestExtendedLengthMemo(t *testing.T) {
	var m ExtendedLengthMemo
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				key := fmt.Sprintf("reader %d\x00atr %d", g, i)
				m.put(key, memoEntry{ext: i%2 == 0, from: extFromProbe})
				if e, ok := m.get(key); ok && e.from != extFromProbe {
					t.Errorf("%q: %+v", key, e)
				}
			}
		}()
	}
	wg.Wait()
	if m.Len() != memoSize {
		t.Errorf("memo holds %d, want %d", m.Len(), memoSize)
	}
	m.put("r\x00a", memoEntry{ext: true, from: extFromEFATR})
	m.put("r\x00a", memoEntry{ext: false, from: extFromRefusal})
	if e, _ := m.get("r\x00a"); e.ext || e.from != extFromRefusal || m.Len() != memoSize {
		t.Errorf("latest answer not kept: %+v, %d entries", e, m.Len())
	}
}
