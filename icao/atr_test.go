package icao

import (
	"encoding/hex"
	"errors"
	"testing"
)

func unhexT(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHistoricalBytes(t *testing.T) {
	tests := []struct{ atr, hist string }{
		{"3B8580018073000040" + "00", "8073000040"},                                 // PC/SC contactless pseudo-ATR (TCK not checked)
		{"3B888001" + "0000000077818000" + "00", "0000000077818000"},                // type B: ATQB application data
		{"3BF81300008131FE15" + "59756269" + "6B657934" + "D4", "597562696b657934"}, // TA1 TB1 TC1 TD1, TD2 with TA3 TB3
		{"3B00", ""},
	}
	for _, tt := range tests {
		got, err := HistoricalBytes(unhexT(t, tt.atr))
		if err != nil || hex.EncodeToString(got) != tt.hist {
			t.Errorf("%s: %x, %v; want %s", tt.atr, got, err, tt.hist)
		}
	}
	for _, bad := range []string{"", "3B", "4B8580", "3B85800180", "3BF813"} {
		if _, err := HistoricalBytes(unhexT(t, bad)); !errors.Is(err, ErrCardInfo) {
			t.Errorf("%s: err %v, want ErrCardInfo", bad, err)
		}
	}
}

func TestParseHistoricalBytes(t *testing.T) {
	tests := []struct {
		hist string
		want LengthInfo
	}{
		{"8073000040", LengthInfo{Said: true, Extended: true}},
		{"80730000C0", LengthInfo{Said: true, Extended: true}},              // chaining too
		{"8073000000", LengthInfo{Said: true}},                              // says no
		{"8073000020", LengthInfo{InEFATR: true}},                           // look in EF.ATR/INFO
		{"8031807300004082900000", LengthInfo{Said: true, Extended: true}},  // after other objects, status inside
		{"007300004082" + "009000", LengthInfo{Said: true, Extended: true}}, // category 00: status at the end
		{"80720000", LengthInfo{}},                                          // two tables: nothing about length
		{"803180", LengthInfo{}},                                            // no card capabilities
		{"597562696B657934", LengthInfo{}},                                  // proprietary category
		{"", LengthInfo{}},
	}
	for _, tt := range tests {
		got, err := ParseHistoricalBytes(unhexT(t, tt.hist))
		if err != nil || got != tt.want {
			t.Errorf("%s: %+v, %v; want %+v", tt.hist, got, err, tt.want)
		}
	}
	for _, bad := range []string{"807300", "0073", "8031"} {
		if _, err := ParseHistoricalBytes(unhexT(t, bad)); !errors.Is(err, ErrCardInfo) {
			t.Errorf("%s: err %v, want ErrCardInfo", bad, err)
		}
	}
}

func TestParseATRInfo(t *testing.T) {
	tests := []struct {
		file string
		want LengthInfo
	}{
		// DO'7F66': 65544-byte commands, 65538-byte responses.
		{"7F660A0203010008020301000200", LengthInfo{Said: true, Extended: true, MaxCommand: 65544, MaxResponse: 65538}},
		{"7F66080202010502020400", LengthInfo{Said: true, Extended: true, MaxCommand: 261, MaxResponse: 1024}},
		{"7F66080202010502020102", LengthInfo{Said: true, MaxCommand: 261, MaxResponse: 258}}, // short only
		{"4703000040" + "7F66080202010502020400" + "0000FFFF", LengthInfo{Said: true, Extended: true, MaxCommand: 261, MaxResponse: 1024}},
		{"4703000040", LengthInfo{Said: true, Extended: true}},
		{"4703000020", LengthInfo{}}, // points to itself: says nothing
		{"5F5202AABB", LengthInfo{}},
		{"", LengthInfo{}},
	}
	for _, tt := range tests {
		got, err := ParseATRInfo(unhexT(t, tt.file))
		if err != nil || got != tt.want {
			t.Errorf("%s: %+v, %v; want %+v", tt.file, got, err, tt.want)
		}
	}
	for _, bad := range []string{"7F6603020101", "7F660402020105", "7F66", "7F6604020180", "7F66090204010000000201FF", "47"} {
		if _, err := ParseATRInfo(unhexT(t, bad)); !errors.Is(err, ErrCardInfo) {
			t.Errorf("%s: err %v, want ErrCardInfo", bad, err)
		}
	}
}

// FuzzHistoricalBytes: any ATR gives historical bytes or ErrCardInfo, and
// any historical bytes a statement or ErrCardInfo; never a panic, and a
// statement is consistent.
func FuzzHistoricalBytes(f *testing.F) {
	for _, s := range []string{"3B8580018073000040B5", "3B888001000000007781800000", "3BF81300008131FE15597562696B657934D4",
		"3B8C800180318073004082900000", "3B00", "3F", "3B8F80"} {
		f.Add(unhexT(f, s))
	}
	f.Fuzz(func(t *testing.T, atr []byte) {
		hist, err := HistoricalBytes(atr)
		if err != nil {
			if !errors.Is(err, ErrCardInfo) {
				t.Fatalf("error %v does not match ErrCardInfo", err)
			}
			hist = atr // the parser below must take any bytes as well
		}
		info, err := ParseHistoricalBytes(hist)
		if err != nil && !errors.Is(err, ErrCardInfo) {
			t.Fatalf("error %v does not match ErrCardInfo", err)
		}
		if info.Extended && !info.Said || info.Said && info.InEFATR {
			t.Fatalf("inconsistent %+v", info)
		}
	})
}

// FuzzParseATRInfo: any EF.ATR/INFO content gives a statement or
// ErrCardInfo, never a panic; extended means a response limit beyond a
// short response whenever 7F66 gave one.
func FuzzParseATRInfo(f *testing.F) {
	for _, s := range []string{"7F660A0203010008020301000200", "7F66080202010502020400", "4703000040", "47030000407F660802020105020204000000",
		"5F5202AABB", "7F6603020101", "7F66", ""} {
		f.Add(unhexT(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := ParseATRInfo(b)
		if err != nil {
			if !errors.Is(err, ErrCardInfo) {
				t.Fatalf("error %v does not match ErrCardInfo", err)
			}
			return
		}
		if info.MaxResponse > 0 && info.Extended != (info.MaxResponse > 258) {
			t.Fatalf("inconsistent %+v", info)
		}
		if info.Extended && !info.Said {
			t.Fatalf("inconsistent %+v", info)
		}
	})
}
