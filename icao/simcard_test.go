package icao_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/internal/tlv"
	"github.com/cccd-agent/cccd/reader/sim"
)

// Synthetic holder data for the simulated card. None of it may appear in a
// trace line or an error string.
const (
	testDocNo = "201234567"
	testDOB   = "900101"
	testDOE   = "300101"
	testID    = "001090012345"
)

// checkDigit is the ICAO 9303-3 7-3-1 check digit.
func checkDigit(s string) byte {
	w := []int{7, 3, 1}
	sum := 0
	for i, c := range s {
		v := 0
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		}
		sum += v * w[i%3]
	}
	return byte('0' + sum%10)
}

// testMRZ is a CCCD-shaped TD1 MRZ and the MRZ_information BAC uses.
func testMRZ() (mrz, info string) {
	l1 := "IDVNM" + testDocNo + string(checkDigit(testDocNo)) + testID + "<<" + "0"
	l2 := testDOB + string(checkDigit(testDOB)) + "M" + testDOE + string(checkDigit(testDOE)) + "VNM" + "<<<<<<<<<<<" + "4"
	l3 := "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<"
	info = testDocNo + string(checkDigit(testDocNo)) + testDOB + string(checkDigit(testDOB)) + testDOE + string(checkDigit(testDOE))
	return l1 + l2 + l3, info
}

// tlvFile wraps n bytes of random content in tag: the size a header announces.
func tlvFile(tag uint32, n int, fill []byte) []byte {
	v := make([]byte, n)
	if fill != nil {
		copy(v, fill)
	} else {
		rand.Read(v)
	}
	return tlv.Encode(tag, v)
}

// testProfile builds a chip holding the files of a CCCD with sizes like a
// real one: 95-byte DG1, a ~2 KB SOD, a 20 KB DG2.
func testProfile(ext bool, maxResp int) *sim.Profile {
	mrz, _ := testMRZ()
	com := tlv.Encode(0x60,
		tlv.Encode(0x5F01, []byte("0107")),
		tlv.Encode(0x5F36, []byte("040000")),
		tlv.Encode(0x5C, []byte{0x61, 0x75, 0x63, 0x6D, 0x6E, 0x6F}))
	dg1 := tlv.Encode(0x61, tlv.Encode(0x5F1F, []byte(mrz)))
	return &sim.Profile{
		Description: "icao test card",
		MRZ:         mrz,
		CAN:         testID[6:],
		Files: map[string][]byte{
			"CardAccess": {0x31, 0x14, 0x30, 0x12, 0x06, 0x0A, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, 0x02, 0x02, 0x02, 0x01, 0x02, 0x02, 0x01, 0x0D},
			"COM":        com,
			"SOD":        tlvFile(0x77, 1900, nil),
			"DG1":        dg1,
			"DG2":        tlvFile(0x75, 20480, nil),
			"DG13":       tlvFile(0x6D, 620, []byte("NGUYEN VAN AN "+testID)),
			"DG14":       tlvFile(0x6E, 330, nil),
			"DG15":       tlvFile(0x6F, 290, nil),
		},
		ExtendedLength: ext,
		MaxResponse:    maxResp,
	}
}

// openSim connects to the reader and runs SELECT AID + BAC.
func openSim(t testing.TB, r *sim.Reader, info string) (*icao.Session, *sim.ReaderCard) {
	t.Helper()
	ctx := context.Background()
	rc, err := r.Connect(ctx)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	s := icao.NewSession(rc)
	if err := icao.SelectApplication(ctx, s); err != nil {
		t.Fatalf("select application: %v", err)
	}
	if err := icao.BAC(ctx, s, info); err != nil {
		t.Fatalf("BAC: %v", err)
	}
	return s, rc.(*sim.ReaderCard)
}

func newSimCard(t testing.TB, p *sim.Profile) *sim.Card {
	t.Helper()
	c, err := sim.NewCard(p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func unhexTB(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// checkFiles asserts every wanted file came back byte for byte.
func checkFiles(t *testing.T, p *sim.Profile, got *icao.Files, names ...string) {
	t.Helper()
	for _, n := range names {
		id, ok := lds.ParseFileID(n)
		if !ok {
			t.Fatalf("no file %q", n)
		}
		if !bytes.Equal(got.Get(id), p.Files[n]) {
			t.Errorf("%s: read %d bytes, want %d identical bytes", n, len(got.Get(id)), len(p.Files[n]))
		}
	}
}
