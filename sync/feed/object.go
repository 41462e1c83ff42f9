package feed

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/icao/mrz"
	"github.com/cccd-agent/cccd/internal/redact"
)

// Object kinds.
const (
	KindSnapshot = "snapshot"
	KindDelta    = "delta"
)

// Decoder limits: a hostile object cannot make a client allocate more.
const (
	maxLine        = 64 << 10
	maxDecoderMem  = 256 << 20
	maxWindow      = 8 << 20
	maxObjectCount = 50_000_000
)

// Header is the first line of an object.
type Header struct {
	Format  string `json:"format"`
	Kind    string `json:"kind"`
	Version uint64 `json:"version"`        // roster version the object produces
	Base    uint64 `json:"base,omitempty"` // delta only: the version it applies to
	Count   int    `json:"count"`          // snapshot: records; delta: upserts + deletes
}

// Entry is one line of an object: a record to store, or (delta only) the
// soCCCD of a record to delete.
type Entry struct {
	Delete bool
	ID     string
	Record cache.RosterRecord
}

// deltaLine is a delta body line: exactly one of Put and Del is set.
type deltaLine struct {
	Put *cache.RosterRecord `json:"put,omitempty"`
	Del string              `json:"del,omitempty"`
}

// EncodeObject writes an object (header, then one JSON line per entry,
// zstd-compressed) and returns its bytes with their Object reference.
// Entries must be in strictly ascending ID order; snapshots hold no deletes.
func EncodeObject(h Header, entries []Entry) ([]byte, Object, error) {
	h.Format = ObjectFormat
	h.Count = len(entries)
	if err := h.validate(); err != nil {
		return nil, Object{}, err
	}
	var buf bytes.Buffer
	zw, err := zstd.NewWriter(&buf, zstd.WithEncoderLevel(zstd.SpeedBetterCompression), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, Object{}, fmt.Errorf("feed: zstd writer: %w", err)
	}
	enc := json.NewEncoder(zw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(h); err != nil {
		return nil, Object{}, fmt.Errorf("feed: encode header: %w", err)
	}
	prev := ""
	for i, e := range entries {
		id := e.key()
		if i > 0 && id <= prev {
			return nil, Object{}, fmt.Errorf("%w: entry %d (%s) out of order or duplicated", ErrMalformed, i, redact.ID(id))
		}
		prev = id
		var v any = e.Record
		switch {
		case h.Kind == KindSnapshot && e.Delete:
			return nil, Object{}, fmt.Errorf("%w: a snapshot cannot delete", ErrMalformed)
		case h.Kind == KindDelta && e.Delete:
			v = deltaLine{Del: e.ID}
		case h.Kind == KindDelta:
			r := e.Record
			v = deltaLine{Put: &r}
		}
		if err := enc.Encode(v); err != nil {
			return nil, Object{}, fmt.Errorf("feed: encode entry %d: %w", i, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, Object{}, fmt.Errorf("feed: zstd close: %w", err)
	}
	return buf.Bytes(), refOf(buf.Bytes()), nil
}

// refOf names stored bytes by their SHA-256 and size.
func refOf(data []byte) Object {
	sum := sha256.Sum256(data)
	return Object{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))}
}

func (e Entry) key() string {
	if e.Delete {
		return e.ID
	}
	return e.Record.SoCCCD
}

func (h Header) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: object header: "+format, append([]any{ErrMalformed}, a...)...)
	}
	switch {
	case h.Format != ObjectFormat:
		return bad("format %q, want %q", h.Format, ObjectFormat)
	case h.Kind != KindSnapshot && h.Kind != KindDelta:
		return bad("kind %q", h.Kind)
	case h.Version == 0:
		return bad("version 0")
	case h.Kind == KindSnapshot && h.Base != 0:
		return bad("snapshot with a base version")
	case h.Kind == KindDelta && h.Base >= h.Version:
		return bad("delta %d→%d does not move forward", h.Base, h.Version)
	case h.Count < 0 || h.Count > maxObjectCount:
		return bad("count %d out of range", h.Count)
	}
	return nil
}

// ObjectReader decodes an object as a stream, checking the order, the IDs
// and the count as it goes; a hostile object yields ErrMalformed, never a
// panic or an unbounded allocation.
type ObjectReader struct {
	zr   *zstd.Decoder
	sc   *bufio.Scanner
	h    Header
	n    int
	prev string
}

// NewObjectReader reads the header of the compressed object in r. The caller
// must have checked the object's hash (VerifyObject) and must Close the reader.
func NewObjectReader(r io.Reader) (*ObjectReader, error) {
	zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxMemory(maxDecoderMem), zstd.WithDecoderMaxWindow(maxWindow))
	if err != nil {
		return nil, fmt.Errorf("%w: zstd: %v", ErrMalformed, err)
	}
	o := &ObjectReader{zr: zr, sc: bufio.NewScanner(zr)}
	o.sc.Buffer(make([]byte, 0, 4096), maxLine)
	line, err := o.line()
	if err != nil {
		zr.Close()
		if errors.Is(err, io.EOF) {
			err = fmt.Errorf("%w: empty object", ErrMalformed)
		}
		return nil, err
	}
	if err := strictUnmarshal(line, &o.h); err != nil {
		zr.Close()
		return nil, fmt.Errorf("%w: object header: %v", ErrMalformed, err)
	}
	if err := o.h.validate(); err != nil {
		zr.Close()
		return nil, err
	}
	return o, nil
}

// Header returns the object's header.
func (o *ObjectReader) Header() Header { return o.h }

// Next returns the next entry, or io.EOF after the last one once the count
// in the header has been matched exactly.
func (o *ObjectReader) Next() (Entry, error) {
	line, err := o.line()
	if errors.Is(err, io.EOF) {
		if o.n != o.h.Count {
			return Entry{}, fmt.Errorf("%w: object ends after %d of %d entries", ErrMalformed, o.n, o.h.Count)
		}
		return Entry{}, io.EOF
	}
	if err != nil {
		return Entry{}, err
	}
	if o.n >= o.h.Count {
		return Entry{}, fmt.Errorf("%w: object has more than %d entries", ErrMalformed, o.h.Count)
	}
	var e Entry
	if o.h.Kind == KindSnapshot {
		if err := json.Unmarshal(line, &e.Record); err != nil {
			return Entry{}, fmt.Errorf("%w: entry %d: %v", ErrMalformed, o.n, err)
		}
	} else {
		var dl deltaLine
		if err := json.Unmarshal(line, &dl); err != nil {
			return Entry{}, fmt.Errorf("%w: entry %d: %v", ErrMalformed, o.n, err)
		}
		switch {
		case dl.Put != nil && dl.Del == "":
			e.Record = *dl.Put
		case dl.Put == nil && dl.Del != "":
			e.Delete, e.ID = true, dl.Del
		default:
			return Entry{}, fmt.Errorf("%w: entry %d is neither one put nor one del", ErrMalformed, o.n)
		}
	}
	id := e.key()
	if !mrz.ValidID(id) {
		return Entry{}, fmt.Errorf("%w: entry %d: soCCCD is not 12 digits", ErrMalformed, o.n)
	}
	if o.n > 0 && id <= o.prev {
		return Entry{}, fmt.Errorf("%w: entry %d (%s) out of order or duplicated", ErrMalformed, o.n, redact.ID(id))
	}
	if !e.Delete {
		e.ID = id
		// The CSV import's field rules hold for feed records too (mucHuong a
		// percentage, maThe's benefit digit 1–5, dates, ...).
		if err := cache.ValidateRecord(&e.Record); err != nil {
			return Entry{}, fmt.Errorf("%w: entry %d: %v", ErrMalformed, o.n, err)
		}
	}
	o.prev = id
	o.n++
	return e, nil
}

// Close releases the decoder.
func (o *ObjectReader) Close() { o.zr.Close() }

func (o *ObjectReader) line() ([]byte, error) {
	if o.sc.Scan() {
		return o.sc.Bytes(), nil
	}
	if err := o.sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: object body: %v", ErrMalformed, err)
	}
	return nil, io.EOF
}

func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}

// VerifyObject checks that data is the object ref names.
func VerifyObject(data []byte, ref Object) error {
	sum := sha256.Sum256(data)
	if int64(len(data)) != ref.Size || hex.EncodeToString(sum[:]) != ref.SHA256 {
		return fmt.Errorf("%w: object %.12s… (%d bytes, want %d)", ErrHashMismatch, ref.SHA256, len(data), ref.Size)
	}
	return nil
}
