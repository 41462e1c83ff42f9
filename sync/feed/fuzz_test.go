package feed

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"io"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/cccd-agent/cccd/icao/mrz"
	"github.com/cccd-agent/cccd/internal/testkit/rostertest"
)

// FuzzManifest feeds arbitrary bytes to the manifest decoder, both through
// Open (envelope + signature) and straight into the signed-body validator,
// which a forged manifest can never reach but a compromised publisher could.
func FuzzManifest(f *testing.F) {
	key := rostertest.Key(1)
	pub := key.Public().(ed25519.PublicKey)
	signed, err := Sign(testManifest(), key)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(signed)
	f.Add([]byte(`{"format":"cccd-roster-feed/1","version":1,"published":"2026-11-29T01:00:00Z","records":0,"snapshot":{"sha256":"` +
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" + `","size":1},"deltas":null}`))
	f.Add([]byte(`{"keyid":"","sig":"","signed":{}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if m, err := Open(data, pub); err == nil {
			if m.Version == 0 || m.Format != ManifestFormat {
				t.Fatalf("Open accepted an invalid manifest: %+v", m)
			}
		} else if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("Open error wraps no sentinel: %v", err)
		}
		m, err := decodeSigned(data)
		if err != nil {
			return
		}
		// A valid body re-signs and re-opens to the same manifest.
		again, err := Sign(m, key)
		if err != nil {
			t.Fatalf("Sign of a decoded manifest: %v", err)
		}
		m2, err := Open(again, pub)
		if err != nil || m2.Version != m.Version || len(m2.Deltas) != len(m.Deltas) {
			t.Fatalf("round trip: %v", err)
		}
		for from := range m.Version % 64 {
			if chain, ok := m.Chain(from); ok && chain[len(chain)-1].Target != m.Version {
				t.Fatalf("Chain(%d) does not end at the version", from)
			}
		}
	})
}

// FuzzDelta feeds arbitrary bytes to the object decoder (deltas and
// snapshots share it) twice: as the stored (compressed) object, and
// compressed first, so that the fuzzer reaches the JSON-lines body too.
func FuzzDelta(f *testing.F) {
	recs := rostertest.Records(1, 20, "v1")
	next := rostertest.Mutate(2, recs, 0.3, "v2")
	if err := SortRecords(next); err != nil {
		f.Fatal(err)
	}
	d, _, err := EncodeObject(Header{Kind: KindDelta, Base: 1, Version: 2}, Diff(recs, next))
	if err != nil {
		f.Fatal(err)
	}
	s, _, err := EncodeObject(Header{Kind: KindSnapshot, Version: 1}, SnapshotEntries(recs[:3]))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(d)
	f.Add(s)
	f.Add(rawObject(`{"format":"cccd-roster-object/1","kind":"delta","base":4,"version":5,"count":2}`,
		`{"put":{"soCCCD":"001099012345"}}`, `{"del":"001099012346"}`))
	f.Add(rawObject(`{"format":"cccd-roster-object/1","kind":"delta","base":4,"version":5,"count":1}`, `{"del":"0"}`))
	f.Add([]byte(`{"format":"cccd-roster-object/1","kind":"delta","base":4,"version":5,"count":2}` + "\n" +
		`{"put":{"soCCCD":"001099012345","hoTen":"Trần Văn A"}}` + "\n" + `{"del":"001099012346"}` + "\n"))
	f.Add([]byte(`{"format":"cccd-roster-object/1","kind":"snapshot","version":1,"count":1}` + "\n" + `{"soCCCD":"001099012345"}`))
	f.Add(rawObject(`{"format":"cccd-roster-object/1","kind":"snapshot","version":1,"count":1}`,
		`{"soCCCD":"001099012345","maThe":"GD4010100000001","hoTen":"X","gtTheTu":"01/01/2026","gtTheDen":"31/12/2026","mucHuong":"4"}`))
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkObject(t, data)
		checkObject(t, enc.EncodeAll(data, nil))
	})
}

// checkObject decodes one object and checks the decoder's guarantees.
func checkObject(t *testing.T, data []byte) {
	{
		or, err := NewObjectReader(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("header error wraps no sentinel: %v", err)
			}
			return
		}
		defer or.Close()
		h := or.Header()
		var entries []Entry
		for {
			e, err := or.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("entry error wraps no sentinel: %v", err)
				}
				return
			}
			if !mrz.ValidID(e.ID) || (h.Kind == KindSnapshot && e.Delete) {
				t.Fatalf("decoder yielded an invalid entry %+v", e)
			}
			entries = append(entries, e)
		}
		if len(entries) != h.Count {
			t.Fatalf("decoded %d entries, header says %d", len(entries), h.Count)
		}
		// Whatever decodes re-encodes and decodes to the same entries.
		again, _, err := EncodeObject(h, entries)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		_, back, err := readAll(t, again)
		if err != nil || len(back) != len(entries) {
			t.Fatalf("round trip: %v", err)
		}
		for i := range back {
			if back[i] != entries[i] {
				t.Fatalf("round trip entry %d differs", i)
			}
		}
	}
}
