package icao

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
)

// vectorFile mirrors the parts of testdata/vectors/icao9303-vectors.json the
// tests read.
type vectorFile struct {
	Sets []vectorSet `json:"sets"`
}

type vectorSet struct {
	ID     string            `json:"id"`
	Keys   map[string]string `json:"keys"`
	Values []vectorValue     `json:"values"`
	Steps  []vectorStep      `json:"steps"`
	Result map[string]string `json:"result"`
	Extra  []struct {
		MRZInformation string `json:"mrz_information"`
		Kseed          string `json:"kseed"`
	} `json:"extra_mrz_examples"`
}

type vectorValue struct {
	Name  string `json:"name"`
	Hex   string `json:"hex"`
	ASCII string `json:"ascii"`
}

type vectorStep struct {
	Step             string        `json:"step"`
	UnprotectedCAPDU string        `json:"unprotected_capdu"`
	Values           []vectorValue `json:"values"`
	// AES sets carry their values as flat fields.
	SSCCommand     string `json:"ssc_command"`
	IVCommand      string `json:"iv_command"`
	ProtectedCAPDU string `json:"protected_capdu"`
	RAPDU          string `json:"rapdu"`
	SSCResponse    string `json:"ssc_response"`
	IVResponse     string `json:"iv_response"`
	ResponseMAC    string `json:"response_mac"`
	DecryptedDO87  string `json:"decrypted_do87"`
}

func loadVectorSet(t *testing.T, id string) vectorSet {
	t.Helper()
	var f vectorFile
	if err := json.Unmarshal(testenv.ReadShared(t, "vectors/icao9303-vectors.json"), &f); err != nil {
		t.Fatalf("vectors JSON: %v", err)
	}
	for _, s := range f.Sets {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("vector set %s not found", id)
	return vectorSet{}
}

// valueMap indexes a value list by name; every name must be used by the test.
type valueMap struct {
	t    *testing.T
	m    map[string]vectorValue
	used map[string]bool
}

func newValueMap(t *testing.T, vs []vectorValue) *valueMap {
	m := &valueMap{t: t, m: map[string]vectorValue{}, used: map[string]bool{}}
	for _, v := range vs {
		m.m[v.Name] = v
	}
	return m
}

func (m *valueMap) hex(name string) []byte {
	m.t.Helper()
	v, ok := m.m[name]
	if !ok {
		m.t.Fatalf("vector value %s missing", name)
	}
	m.used[name] = true
	return unhex(m.t, v.Hex)
}

func (m *valueMap) check(name string, got []byte) {
	m.t.Helper()
	if want := m.hex(name); !bytes.Equal(got, want) {
		m.t.Errorf("%s = %X, want %X", name, got, want)
	}
}

// allUsed fails the test if a vector value was never asserted.
func (m *valueMap) allUsed() {
	m.t.Helper()
	for name := range m.m {
		if !m.used[name] {
			m.t.Errorf("vector value %s not checked", name)
		}
	}
}
