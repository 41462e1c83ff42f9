package cache

import (
	"bufio"
	"bytes"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// A run file holds sorted runs of key/value entries for an external merge
// sort. Each entry is uvarint(len key) key uvarint(len val) val uvarint(ord).

// entry is one key/value with the ordinal of the record it came from; ties
// between equal keys go to the lower ordinal, the earlier record.
type entry struct {
	key, val []byte
	ord      int
}

func compareEntries(a, b entry) int {
	if c := bytes.Compare(a.key, b.key); c != 0 {
		return c
	}
	return a.ord - b.ord
}

type runFile struct {
	f    *os.File
	w    *bufio.Writer
	size int64
	runs [][2]int64 // offset, length
}

func newRunFile(dir string) (*runFile, error) {
	f, err := os.CreateTemp(dir, tempPattern)
	if err != nil {
		return nil, fmt.Errorf("create temporary run file: %w", err)
	}
	return &runFile{f: f, w: bufio.NewWriterSize(f, 1<<16)}, nil
}

func (r *runFile) remove() {
	r.f.Close()
	os.Remove(r.f.Name())
}

// writeRun appends sorted entries as one run.
func (r *runFile) writeRun(es []entry) error {
	start := r.size
	var hdr [3 * binary.MaxVarintLen64]byte
	for _, e := range es {
		h := binary.AppendUvarint(hdr[:0], uint64(len(e.key)))
		n1, _ := r.w.Write(h)
		n2, _ := r.w.Write(e.key)
		h = binary.AppendUvarint(hdr[:0], uint64(len(e.val)))
		n3, _ := r.w.Write(h)
		n4, _ := r.w.Write(e.val)
		h = binary.AppendUvarint(hdr[:0], uint64(e.ord))
		n5, err := r.w.Write(h)
		if err != nil {
			return fmt.Errorf("write temporary run: %w", err)
		}
		r.size += int64(n1 + n2 + n3 + n4 + n5)
	}
	r.runs = append(r.runs, [2]int64{start, r.size - start})
	return nil
}

// merger yields the entries of all runs in (key, ordinal) order.
func (r *runFile) merger() (*merger, error) {
	if err := r.w.Flush(); err != nil {
		return nil, fmt.Errorf("write temporary run: %w", err)
	}
	m := &merger{}
	for _, run := range r.runs {
		c := &runCursor{r: bufio.NewReaderSize(io.NewSectionReader(r.f, run[0], run[1]), 1<<13)}
		ok, err := c.advance()
		if err != nil {
			return nil, err
		}
		if ok {
			m.h = append(m.h, c)
		}
	}
	heap.Init(&m.h)
	return m, nil
}

type runCursor struct {
	r   *bufio.Reader
	cur entry
	buf []byte
}

// advance reads the next entry into cur; false at the end of the run.
func (c *runCursor) advance() (bool, error) {
	kl, err := binary.ReadUvarint(c.r)
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read temporary run: %w", err)
	}
	c.buf = c.buf[:0]
	if c.buf, err = readN(c.r, c.buf, kl); err != nil {
		return false, err
	}
	vl, err := binary.ReadUvarint(c.r)
	if err != nil {
		return false, fmt.Errorf("read temporary run: %w", err)
	}
	if c.buf, err = readN(c.r, c.buf, vl); err != nil {
		return false, err
	}
	ord, err := binary.ReadUvarint(c.r)
	if err != nil {
		return false, fmt.Errorf("read temporary run: %w", err)
	}
	c.cur = entry{key: c.buf[:kl:kl], val: c.buf[kl:], ord: int(ord)}
	return true, nil
}

func readN(r *bufio.Reader, dst []byte, n uint64) ([]byte, error) {
	if n > 1<<24 {
		return nil, fmt.Errorf("read temporary run: entry of %d bytes: %w", n, ErrCorrupt)
	}
	start := len(dst)
	dst = append(dst, make([]byte, n)...)
	if _, err := io.ReadFull(r, dst[start:]); err != nil {
		return nil, fmt.Errorf("read temporary run: %w", err)
	}
	return dst, nil
}

type cursorHeap []*runCursor

func (h cursorHeap) Len() int           { return len(h) }
func (h cursorHeap) Less(i, j int) bool { return compareEntries(h[i].cur, h[j].cur) < 0 }
func (h cursorHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *cursorHeap) Push(x any)        { *h = append(*h, x.(*runCursor)) }
func (h *cursorHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

type merger struct {
	h    cursorHeap
	last *runCursor // cursor whose entry was returned last; advanced on next
}

// next returns the smallest remaining entry. Its slices are valid until the
// following call.
func (m *merger) next() (entry, bool, error) {
	if m.last != nil {
		ok, err := m.last.advance()
		if err != nil {
			return entry{}, false, err
		}
		if ok {
			heap.Fix(&m.h, 0)
		} else {
			heap.Pop(&m.h)
		}
		m.last = nil
	}
	if len(m.h) == 0 {
		return entry{}, false, nil
	}
	m.last = m.h[0]
	return m.last.cur, true, nil
}
