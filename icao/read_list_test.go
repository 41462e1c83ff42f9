package icao_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/internal/testkit/pkitest"
	"github.com/cccd-agent/cccd/internal/tlv"
	"github.com/cccd-agent/cccd/reader/sim"
)

// TestReadDocumentFollowsTheSOD: the SOD's signed list decides what is
// read, so an EF.COM that forgets a group loses nothing, and a group only
// EF.COM lists (an injection) is still read for passive authentication to
// name.
func TestReadDocumentFollowsTheSOD(t *testing.T) {
	_, info := testMRZ()
	now := time.Now()
	csca := pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "VN", CN: "Test CSCA"},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(10, 0, 0), CA: true}, pkitest.ECKey("P-256", false), nil)
	ds := pkitest.Issue(pkitest.Template{Subject: pkitest.Name{C: "VN", CN: "Test DS"},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(5, 0, 0)}, pkitest.ECKey("P-256", false), csca)
	com := func(tags ...byte) []byte {
		return tlv.Encode(0x60, tlv.Encode(0x5F01, []byte("0107")), tlv.Encode(0x5F36, []byte("040000")), tlv.Encode(0x5C, tags))
	}
	tests := []struct {
		name   string
		com    []byte // nil: no EF.COM
		extra  map[string][]byte
		wanted []int
		want   []string
	}{
		{"EF.COM lists only DG1", com(0x61), nil, nil, []string{"COM", "SOD", "DG1", "DG2", "DG13", "DG14", "DG15"}},
		{"no EF.COM", nil, nil, nil, []string{"SOD", "DG1", "DG2", "DG13", "DG14", "DG15"}},
		{"EF.COM without a tag list", tlv.Encode(0x60, tlv.Encode(0x5F01, []byte("0107"))), nil, nil, []string{"COM", "SOD", "DG1", "DG2", "DG13", "DG14", "DG15"}},
		{"a group only EF.COM lists", com(0x61, 0x6B), map[string][]byte{"DG11": tlvFile(0x6B, 40, nil)}, []int{1, 11},
			[]string{"COM", "SOD", "DG1", "DG11"}},
		{"a group neither lists", com(0x61), map[string][]byte{"DG11": tlvFile(0x6B, 40, nil)}, []int{1, 11},
			[]string{"COM", "SOD", "DG1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := testProfile(false, 0)
			dgs := map[int][]byte{}
			for n, name := range map[int]string{1: "DG1", 2: "DG2", 13: "DG13", 14: "DG14", 15: "DG15"} {
				dgs[n] = p.Files[name]
			}
			p.Files["SOD"] = pkitest.SOD{DGs: dgs, Signer: ds, SigningTime: now}.Build()
			delete(p.Files, "COM")
			if tc.com != nil {
				p.Files["COM"] = tc.com
			}
			for name, b := range tc.extra {
				p.Files[name] = b
			}
			r := sim.NewReader("sim", newSimCard(t, p))
			s, _ := openSim(t, r, info)
			files, err := icao.ReadDocument(context.Background(), s, icao.DocumentOptions{DGs: tc.wanted})
			if err != nil {
				t.Fatalf("ReadDocument: %v", err)
			}
			var got []string
			for _, id := range files.IDs() {
				got = append(got, id.String())
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(got, want) {
				t.Errorf("read %v, want %v", got, want)
			}
			checkFiles(t, p, files, tc.want...)
		})
	}
}
