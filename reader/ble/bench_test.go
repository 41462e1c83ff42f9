package ble

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// BenchmarkTransmit exchanges APDUs of typical sizes with the fake reader
// through the whole stack (seal, frame, 20-byte writes, reassembly, open)
// and reports the GATT writes per APDU and the bytes the host writes per
// command byte (framing, message header, FF padding to AES blocks).
func BenchmarkTransmit(b *testing.B) {
	for _, n := range []int{5, 60, 240} { // SELECT, protected READ BINARY header, a 223-byte SM chunk
		b.Run(itoa(n), func(b *testing.B) {
			fake := newFakeACR(DefaultMasterKey)
			r, err := New(Config{Enabled: true, Address: "bench"},
				func(ctx context.Context, addr string) (GATTLink, error) { return fake, nil }, WithTimeout(5*time.Second))
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			ctx := context.Background()
			c, err := r.Connect(ctx)
			if err != nil {
				b.Fatal(err)
			}
			apdu := bytes.Repeat([]byte{0x42}, n)
			before := len(fake.written())
			beforeWrites := len(fake.writes)
			b.ResetTimer()
			for range b.N {
				if _, err := c.Transmit(ctx, apdu); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			fake.mu.Lock()
			writes := len(fake.writes) - beforeWrites
			fake.mu.Unlock()
			air := len(fake.written()) - before
			b.ReportMetric(float64(writes)/float64(b.N), "writes/APDU")
			b.ReportMetric(float64(air)/float64(b.N*n), "tx-bytes/APDU-byte")
		})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
