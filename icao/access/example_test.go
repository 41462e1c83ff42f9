package access_test

import (
	"context"
	"fmt"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/access"
	"github.com/cccd-agent/cccd/internal/tlv"
	"github.com/cccd-agent/cccd/reader/sim"
)

// Example shows the reception flow's use of this package: open the chip
// with the CAN, read the files, then prove the chip genuine. The verdict
// goes to verify.(*Result).ApplyChip(v.Method, v.OK, bound), with bound =
// DG14 (CA), DG15 (AA) or EF.CardSecurity (PACE-CAM) covered by the valid
// SOD; Method "none" goes to SetChipNotSupported.
func Example() {
	mrz := "IDVNM0990123459001099012345<<0" + "9902152M3902150VNM<<<<<<<<<<<8" + "NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<"
	p := &sim.Profile{MRZ: mrz, CAN: "012345", Files: map[string][]byte{"DG1": tlv.Encode(0x61, tlv.Encode(0x5F1F, []byte(mrz)))}}
	if err := sim.AddChipKeys(p, sim.ChipKeyOptions{}); err != nil {
		panic(err)
	}
	chip, _ := sim.NewCard(p)
	ctx := context.Background()
	card, _ := sim.NewReader("demo", chip).Connect(ctx)
	defer card.Close()

	conn, err := access.Connect(ctx, card, access.Key{CAN: "012345"}, access.Options{})
	if err != nil {
		fmt.Println("refused:", err)
		return
	}
	f14, _ := icao.DGFile(14)
	f15, _ := icao.DGFile(15)
	dg14, _ := icao.ReadFile(ctx, conn.Session, f14)
	dg15, _ := icao.ReadFile(ctx, conn.Session, f15)
	v := access.AuthenticateChip(ctx, conn, access.ChipFiles{DG14: dg14, DG15: dg15}, access.ChipOptions{})
	fmt.Println(conn.Method, conn.PACE.Protocol, conn.PACE.Parameters.Name())
	fmt.Println(v.Method, v.OK)
	// Output:
	// PACE-CAN ECDH-GM-AES-CBC-CMAC-128 brainpoolP256r1
	// CA true
}
