package pcsc_test

import (
	"context"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/reader/pcsc"
)

// BenchmarkTransmit measures one APDU round trip through pcscd + vpcd + the
// bridge, with pcsc.Card (goroutine and deadline per APDU) against bare
// scard.Card.Transmit measured in the same run, and reports the ratio: the
// cost of never letting a hung reader freeze the caller.
func BenchmarkTransmit(b *testing.B) {
	testenv.LockVPCD(b)
	if _, err := pcsc.List(context.Background()); err != nil {
		testenv.Missing(b, "pcscd: "+err.Error())
	}
	br := simBridge(b)
	br.Insert(&testChip{id: 1})
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		infos, _ := pcsc.List(context.Background())
		if len(infos) > 0 && infos[0].CardPresent {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("card not present")
		}
	}
	cmd := []byte{0x00, 0xCC, 0x00, 0x00}

	sc, err := scard.EstablishContext()
	if err != nil {
		b.Fatal(err)
	}
	defer sc.Release()
	bare, err := sc.Connect(slotName(0), scard.ShareExclusive, scard.ProtocolT1)
	if err != nil {
		b.Fatal(err)
	}
	const n = 50
	start := time.Now()
	for i := 0; i < n; i++ {
		if _, err := bare.Transmit(cmd); err != nil {
			b.Fatal(err)
		}
	}
	baseline := time.Since(start) / n
	bare.Disconnect(scard.LeaveCard)

	r := pcsc.NewReader(slotName(0), pcsc.Options{})
	defer r.Close()
	ctx := context.Background()
	card, err := r.Connect(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer card.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := card.Transmit(ctx, cmd); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(per.Microseconds())/1000, "ms/APDU")
	b.ReportMetric(float64(baseline.Microseconds())/1000, "bare-ms/APDU")
	b.ReportMetric(float64(per)/float64(baseline), "ratio-to-bare")
}
