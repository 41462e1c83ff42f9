package feed

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testkit/rostertest"
)

func testManifest() *Manifest {
	obj := func(c byte) Object { return Object{SHA256: strings.Repeat(string(c), 64), Size: 100} }
	return &Manifest{
		Format:    ManifestFormat,
		Version:   30,
		Published: time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC),
		Records:   3,
		Snapshot:  obj('a'),
		Deltas: []Delta{
			{Base: 10, Target: 20, Upserts: 1, Object: obj('b')},
			{Base: 20, Target: 30, Deletes: 1, Object: obj('c')},
		},
	}
}

func TestSignOpen(t *testing.T) {
	key := rostertest.Key(1)
	pub := key.Public().(ed25519.PublicKey)
	other := rostertest.Key(2).Public().(ed25519.PublicKey)
	signed, err := Sign(testManifest(), key)
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(signed, &env); err != nil {
		t.Fatal(err)
	}
	reenv := func(mut func(map[string]json.RawMessage)) []byte {
		e := map[string]json.RawMessage{}
		for k, v := range env {
			e[k] = v
		}
		mut(e)
		b, _ := json.Marshal(e)
		return b
	}
	// Forge a manifest with a higher version signed by another key but
	// carrying the right key id.
	forged := testManifest()
	forged.Version = 31
	forgedSigned, _ := Sign(forged, rostertest.Key(2))
	var fenv map[string]json.RawMessage
	json.Unmarshal(forgedSigned, &fenv)

	tests := []struct {
		name string
		data []byte
		pub  ed25519.PublicKey
		want error
	}{
		{"valid", signed, pub, nil},
		{"valid with spaces around the envelope", append([]byte("  "), signed...), pub, nil},
		{"other pinned key", signed, other, ErrUnknownKey},
		{"signed field edited", bytes.Replace(signed, []byte(`"version":30`), []byte(`"version":31`), 1), pub, ErrBadSignature},
		{"whitespace added inside signed", bytes.Replace(signed, []byte(`"version":30`), []byte(`"version": 30`), 1), pub, ErrBadSignature},
		{"signature from another key, right key id", reenv(func(e map[string]json.RawMessage) { e["sig"] = fenv["sig"]; e["signed"] = fenv["signed"] }), pub, ErrBadSignature},
		{"signature not base64", reenv(func(e map[string]json.RawMessage) { e["sig"] = json.RawMessage(`"!!"`) }), pub, ErrBadSignature},
		{"signature truncated", reenv(func(e map[string]json.RawMessage) { e["sig"] = json.RawMessage(`"AAAA"`) }), pub, ErrBadSignature},
		{"not JSON", []byte("<html>"), pub, ErrMalformed},
		{"too large", make([]byte, MaxManifestSize+1), pub, ErrMalformed},
	}
	for _, tc := range tests {
		m, err := Open(tc.data, tc.pub)
		if !errors.Is(err, tc.want) || (tc.want == nil && m == nil) {
			t.Errorf("%s: Open = %v, %v; want %v", tc.name, m, err, tc.want)
			continue
		}
		if tc.want == nil && (m.Version != 30 || len(m.Deltas) != 2 || !m.Published.Equal(testManifest().Published)) {
			t.Errorf("%s: decoded %+v", tc.name, m)
		}
	}
}

func TestManifestValidation(t *testing.T) {
	key := rostertest.Key(1)
	tests := []struct {
		name string
		mut  func(m *Manifest)
	}{
		{"wrong format", func(m *Manifest) { m.Format = "cccd-roster-feed/2" }},
		{"version 0", func(m *Manifest) { m.Version = 0 }},
		{"negative records", func(m *Manifest) { m.Records = -1 }},
		{"short hash", func(m *Manifest) { m.Snapshot.SHA256 = "abc" }},
		{"uppercase hash", func(m *Manifest) { m.Snapshot.SHA256 = strings.Repeat("A", 64) }},
		{"non-hex hash", func(m *Manifest) { m.Snapshot.SHA256 = strings.Repeat("g", 64) }},
		{"zero size", func(m *Manifest) { m.Snapshot.Size = 0 }},
		{"delta backwards", func(m *Manifest) { m.Deltas[0].Base = 20 }},
		{"delta beyond version", func(m *Manifest) { m.Deltas[1].Target = 31 }},
		{"deltas unordered", func(m *Manifest) { m.Deltas[0], m.Deltas[1] = m.Deltas[1], m.Deltas[0] }},
	}
	for _, tc := range tests {
		m := testManifest()
		tc.mut(m)
		if _, err := Sign(m, key); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: Sign err = %v, want ErrMalformed", tc.name, err)
		}
		// The client checks the same rules on a validly signed manifest.
		raw, _ := json.Marshal(m)
		if _, err := decodeSigned(raw); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: decode err = %v, want ErrMalformed", tc.name, err)
		}
	}
	if _, err := decodeSigned([]byte(`{"format":"cccd-roster-feed/1","extra":1}`)); !errors.Is(err, ErrMalformed) {
		t.Errorf("unknown field accepted: %v", err)
	}
}

func TestChain(t *testing.T) {
	m := testManifest()
	tests := []struct {
		from uint64
		want []uint64 // targets
		ok   bool
	}{
		{10, []uint64{20, 30}, true},
		{20, []uint64{30}, true},
		{15, nil, false},
		{5, nil, false},
		{30, nil, false},
		{40, nil, false},
	}
	for _, tc := range tests {
		chain, ok := m.Chain(tc.from)
		var got []uint64
		for _, d := range chain {
			got = append(got, d.Target)
		}
		if ok != tc.ok || (ok && !equalU64(got, tc.want)) {
			t.Errorf("Chain(%d) = %v, %v; want %v, %v", tc.from, got, ok, tc.want, tc.ok)
		}
	}
}

func equalU64(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
