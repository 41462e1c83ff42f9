package icao

import (
	"context"
	"errors"
	"fmt"

	"github.com/cccd-agent/cccd/internal/tlv"
)

// ErrFileFormat reports a file whose TLV header is unusable or that ends
// before its header says it does.
var ErrFileFormat = errors.New("icao: file content does not match its header")

// maxFileSize bounds what ReadFile accepts from a header: nothing in an eMRTD
// comes near it, and a hostile header cannot make the reader loop for long.
const maxFileSize = 1 << 20

// maxExtendedChunk is the largest plaintext asked for in one extended read:
// its protected answer still fits 65536 bytes with either cipher.
const maxExtendedChunk = 0xFF00

// ReadOption tunes ReadFile.
type ReadOption func(*readConfig)

type readConfig struct {
	chunk   int // fixed request size; 0: adaptive
	maxSize int // largest file accepted; 0: maxFileSize
}

// WithChunkSize makes every read ask for n bytes (the last one for what is
// left) instead of the adaptive strategy. The chip's errors still step it
// down. Benchmarks use it to compare with fixed-chunk readers.
func WithChunkSize(n int) ReadOption { return func(c *readConfig) { c.chunk = n } }

// WithMaxSize refuses, with ErrFileFormat, a file whose header declares more
// than n bytes, before reading past the header: for small files read before
// access control, where a hostile chip could otherwise make the reader
// fetch a megabyte in plain.
func WithMaxSize(n int) ReadOption { return func(c *readConfig) { c.maxSize = n } }

// ReadFile reads one elementary file of the current DF whole.
//
// Strategy (ICAO 9303-11): the first READ BINARY goes by short file
// identifier (P1 = 80|SFI), which saves the SELECT; if the chip refuses it the
// file is selected by FID. With extended length and the adaptive strategy
// that first read asks for Le = 65536 at offset 0, which an ISO 7816-4 chip
// answers with the whole file and 9000. Without it the first read asks for
// the largest chunk one short response carries (231 under 3DES SM, 223 under
// AES, 256 plain): a small file comes whole, and a big one brings its TLV
// header, which gives the size. The rest comes in the largest chunks that
// fit: 65280 bytes extended (less if EF.ATR/INFO gave a smaller response
// limit), else one short response each, so a file of n bytes costs
// ⌈n/chunk⌉ reads. A chip that answers the first read with a length error
// gets the old way: a 4-byte header read, then the chunks. Offsets above
// 32767 use odd-INS READ BINARY (B1, offset in DO'54'). 6700 steps the size
// down (to the short maximum after an extended request, then 223, 160, 128
// ...), 6Cxx takes the chip's number, and what worked is kept in the Session
// for later files. Secure messaging stays in step through every error (see
// SecureMessaging).
//
// Extended length is used once a source decided it (see NewSession). When
// none has by the first file larger than a short answer, the rest of that
// file is asked for in one extended read: the probe. Its answer decides, and
// a refusal (6700) falls back to short reads.
//
// A missing file is an error matching ErrNotFound; a card removed mid-read
// ErrTransport wrapping the reader's error.
func ReadFile(ctx context.Context, s *Session, f File, opts ...ReadOption) ([]byte, error) {
	fr := &fileReader{s: s, f: f}
	for _, o := range opts {
		o(&fr.cfg)
	}
	s.traceExt()
	b, err := fr.read(ctx)
	if err != nil {
		return nil, fmt.Errorf("icao: read %s: %w", f, err)
	}
	return b, nil
}

type fileReader struct {
	s        *Session
	f        File
	cfg      readConfig
	selected bool // the file is the current EF
}

func (fr *fileReader) read(ctx context.Context) ([]byte, error) {
	s := fr.s
	var buf []byte
	shortened := false // the chip's 6Cxx cut the first read
	if fr.cfg.chunk == 0 && s.ExtendedLength() && !s.noReadAll {
		data, err := fr.readBinary(ctx, 0, MaxExtendedNe)
		switch {
		case err == nil || (len(data) > 0 && errors.Is(err, ErrEndOfFile)):
			buf = data
		case errors.Is(err, ErrWrongLength):
			s.setExt(false, extFromRefusal, 0) // the chip refused Le = 65536
		case errors.Is(err, ErrEndOfFile):
			s.noReadAll = true // this chip does not answer Le=max with the whole file
		default:
			return nil, err
		}
	}
	if buf == nil && fr.cfg.chunk == 0 && !s.ExtendedLength() && !s.noReadFirst {
		var err error
		if buf, shortened, err = fr.readFirst(ctx); err != nil {
			return nil, err
		}
	}
	total := 0
	for {
		_, _, t, err := tlv.Header(buf)
		if err == nil {
			total = t
			break
		}
		if !errors.Is(err, tlv.ErrTruncated) || len(buf) >= 6 {
			return nil, fmt.Errorf("%w: bad TLV header", ErrFileFormat)
		}
		want := 4 - len(buf)
		if want <= 0 {
			want = 6 - len(buf) // four-byte length form
		}
		data, err := fr.readStep(ctx, len(buf), want, false)
		if err != nil {
			return nil, err
		}
		buf = append(buf, data...)
	}
	if limit := fr.cfg.maxSize; total > maxFileSize || (limit > 0 && total > limit) {
		return nil, fmt.Errorf("%w: header declares %d bytes", ErrFileFormat, total)
	}
	if len(buf) > total {
		buf = buf[:total] // some chips pad the last block
	}
	if shortened && len(buf) < total {
		s.readChunk = len(buf) // the cut was the chip's limit, not the file's end
	}
	if fr.cfg.chunk == 0 && !s.extDecided() && total-len(buf) > s.sm.MaxShortRead() && len(buf) <= 0x7FFF {
		data, err := fr.probe(ctx, len(buf), total-len(buf))
		if err != nil {
			return nil, err
		}
		buf = append(buf, data...)
	}
	for len(buf) < total {
		n := fr.chunk(len(buf), total-len(buf))
		data, err := fr.readStep(ctx, len(buf), n, n < total-len(buf))
		if err != nil {
			return nil, err
		}
		buf = append(buf, data...)
	}
	return buf, nil
}

// readFirst reads the first short chunk of the file, which holds its
// header. 6Cxx gives the number to ask for instead, once. Any other length
// error returns nothing: the chip wants Le within the file, so the caller
// reads the header on its own first.
func (fr *fileReader) readFirst(ctx context.Context) (data []byte, shortened bool, err error) {
	n := fr.chunk(0, MaxExtendedNe)
	for {
		data, err := fr.readBinary(ctx, 0, n)
		var se *StatusError
		switch {
		case err == nil || (len(data) > 0 && errors.Is(err, ErrEndOfFile)):
			if len(data) > n {
				return nil, false, fmt.Errorf("%w: chip returned %d bytes for %d asked", ErrFileFormat, len(data), n)
			}
			return data, shortened, nil
		case errors.As(err, &se) && se.SW&0xFF00 == 0x6C00 && int(se.SW&0xFF) > 0 && int(se.SW&0xFF) < n && !shortened:
			n, shortened = int(se.SW&0xFF), true
		case errors.Is(err, ErrWrongLength):
			return nil, false, nil
		case errors.Is(err, ErrEndOfFile):
			// 6282 and no data: the chip will not give a file shorter than
			// Le this way; the header read learns the size instead.
			fr.s.noReadFirst = true
			return nil, false, nil
		default:
			return nil, false, err
		}
	}
}

// probe asks for the rest of the file (up to n bytes at off) in one
// extended READ BINARY, when no source has said whether extended length
// works. An answer decides yes; a length error (the chip or the reader
// cannot take extended Le; a bare 6700 leaves the SSC where it was)
// decides no and returns nothing, so the short reads carry on. Any other
// failure decides no as well, for the memo's sake, and ends the read.
func (fr *fileReader) probe(ctx context.Context, off, n int) ([]byte, error) {
	s := fr.s
	n = min(n, s.maxExtendedPlain())
	data, err := fr.readBinary(ctx, off, n)
	switch {
	case (err == nil || errors.Is(err, ErrEndOfFile)) && len(data) > 0 && len(data) <= n:
		s.setExt(true, extFromProbe, 0)
		return data, nil
	case errors.Is(err, ErrWrongLength):
		s.setExt(false, extFromProbe, 0)
		return nil, nil
	case err == nil:
		err = fmt.Errorf("%w: chip returned %d bytes for %d asked", ErrFileFormat, len(data), n)
	}
	s.setExt(false, extFromProbe, 0)
	return nil, err
}

// chunk is the size to ask for next at off, at most remaining.
func (fr *fileReader) chunk(off, remaining int) int {
	s := fr.s
	c := fr.cfg.chunk
	if c == 0 {
		c = s.sm.MaxShortRead()
		if s.ExtendedLength() {
			c = s.maxExtendedPlain()
		}
		if off > 0x7FFF {
			c -= 4 // the DO'53' header of an odd-INS answer counts against Le
		}
	}
	if s.readChunk > 0 && s.readChunk < c {
		c = s.readChunk
	}
	return min(c, remaining)
}

// readStep reads up to n bytes at off, stepping the size down on length
// errors until the chip answers. It returns at least one byte or an error.
// learn says n was a full chunk, not the file's tail or its header, so a
// smaller size that works is the chip's limit and is kept for later reads.
func (fr *fileReader) readStep(ctx context.Context, off, n int, learn bool) ([]byte, error) {
	s := fr.s
	for {
		data, err := fr.readBinary(ctx, off, n)
		var se *StatusError
		switch {
		case err == nil:
			if len(data) == 0 {
				return nil, fmt.Errorf("%w: chip returned no data at offset %d", ErrFileFormat, off)
			}
			if len(data) > n {
				return nil, fmt.Errorf("%w: chip returned %d bytes for %d asked", ErrFileFormat, len(data), n)
			}
			return data, nil
		case !errors.As(err, &se):
			return nil, err
		case se.SW == 0x6282 && len(data) > 0 && len(data) <= n:
			return data, nil // authenticated short read: the rest follows
		case se.SW == 0x6B00:
			return nil, fmt.Errorf("%w: file ends before offset %d", ErrFileFormat, off)
		case se.SW&0xFF00 == 0x6C00 && int(se.SW&0xFF) > 0 && int(se.SW&0xFF) < n:
			n = int(se.SW & 0xFF)
		case se.SW == 0x6700 && n > s.sm.MaxShortRead():
			// The extended request was refused: use short APDUs from now on.
			s.setExt(false, extFromRefusal, 0)
			n = s.sm.MaxShortRead()
		case se.SW == 0x6700 || se.SW&0xFF00 == 0x6C00 || se.SW == 0x6282:
			next := stepDown(n)
			if next == 0 {
				return nil, err
			}
			n = next
		default:
			return nil, err
		}
		if learn {
			s.readChunk = n
		}
	}
}

// stepDown returns the next smaller request size after n, or 0.
func stepDown(n int) int {
	for _, c := range []int{0xDF, 0xA0, 0x80, 0x60, 0x40, 0x20, 0x10, 0x08, 0x04, 0x01} {
		if c < n {
			return c
		}
	}
	return 0
}

// readBinary sends one READ BINARY for n bytes at off: by SFI while the file
// is not selected yet, B0 up to offset 32767, B1 beyond.
func (fr *fileReader) readBinary(ctx context.Context, off, n int) ([]byte, error) {
	s := fr.s
	if !fr.selected && fr.f.SFI != 0 && off <= 0xFF {
		data, err := s.Transmit(ctx, Command{INS: 0xB0, P1: 0x80 | fr.f.SFI, P2: byte(off), Ne: n})
		var se *StatusError
		switch {
		case err == nil:
			fr.selected = true
			return data, nil
		case !errors.As(err, &se) || errors.Is(se, ErrWrongLength):
			return data, err
		case errors.Is(se, ErrEndOfFile):
			fr.selected = true
			return data, err
		}
		// The chip refused the SFI or the file is absent: selecting by FID
		// tells the two apart.
	}
	if !fr.selected {
		if err := SelectFile(ctx, s, fr.f); err != nil {
			return nil, err
		}
		fr.selected = true
	}
	if off <= 0x7FFF {
		return s.Transmit(ctx, Command{INS: 0xB0, P1: byte(off >> 8), P2: byte(off), Ne: n})
	}
	do54 := tlv.Encode(0x54, []byte{byte(off >> 16), byte(off >> 8), byte(off)}[offsetBytes(off):])
	ne := doLen(n)
	if ne > MaxExtendedNe {
		ne = MaxExtendedNe
	}
	// P1-P2 names the file by SFI (P1 00, P2 = SFI), which ISO 7816-4 and
	// vsmartcard both accept; 0000 (current EF) for a file without one.
	data, err := s.Transmit(ctx, Command{INS: 0xB1, P2: fr.f.SFI, Data: do54, Ne: ne})
	if len(data) == 0 {
		return nil, err
	}
	// DO'53' may declare the whole rest of the file while carrying only
	// what fits (vsmartcard); take what is there.
	tag, hl, total, herr := tlv.Header(data)
	if herr != nil || tag != 0x53 {
		return nil, fmt.Errorf("%w: odd-INS READ BINARY answer is not DO'53'", ErrFileFormat)
	}
	return data[hl:min(total, len(data))], err
}

func offsetBytes(off int) int {
	if off > 0xFFFF {
		return 0
	}
	return 1
}

// SelectFile selects f by its file identifier in the current DF
// (SELECT 00 A4 02 0C).
func SelectFile(ctx context.Context, s *Session, f File) error {
	_, err := s.Transmit(ctx, Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(f.FID >> 8), byte(f.FID)}})
	return err
}

// SelectApplication selects the eMRTD application by its AID (SELECT
// 00 A4 04 0C).
func SelectApplication(ctx context.Context, s *Session) error {
	_, err := s.Transmit(ctx, Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: AID})
	return err
}
