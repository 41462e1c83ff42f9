package access

import (
	"context"
	"testing"

	"github.com/cccd-agent/cccd/internal/tlv"
	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/sim"
)

// A synthetic CCCD: ID 001099012345, CAN = last 6 digits.
const (
	testMRZ     = "IDVNM0990123459001099012345<<0" + "9902152M3902150VNM<<<<<<<<<<<8" + "NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<"
	testMRZInfo = "099012345999021523902150"
	testCAN     = "012345"
)

// newProfile makes a simulated chip with test files and chip keys.
func newProfile(t testing.TB, opts sim.ChipKeyOptions) *sim.Profile {
	t.Helper()
	p := &sim.Profile{
		Description: "access test chip",
		MRZ:         testMRZ,
		CAN:         testCAN,
		Files: map[string][]byte{
			"COM": tlv.Encode(0x60, tlv.Encode(0x5F01, []byte("0107")), tlv.Encode(0x5F36, []byte("040000")), tlv.Encode(0x5C, []byte{0x61, 0x6E, 0x6F})),
			"DG1": tlv.Encode(0x61, tlv.Encode(0x5F1F, []byte(testMRZ))),
		},
	}
	if err := sim.AddChipKeys(p, opts); err != nil {
		t.Fatal(err)
	}
	return p
}

// connect powers the profile's chip in an in-process reader.
func connect(t testing.TB, p *sim.Profile) reader.Card { return connectExt(t, p, false) }

// connectExt is connect with a reader that passes extended-length APDUs.
func connectExt(t testing.TB, p *sim.Profile, ext bool) reader.Card {
	t.Helper()
	chip, err := sim.NewCard(p)
	if err != nil {
		t.Fatal(err)
	}
	card, err := sim.NewReader("sim", chip, sim.WithExtendedLength(ext)).Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { card.Close() })
	return card
}
