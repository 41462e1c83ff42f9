package lds

import (
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
)

// Parsing cost per file, as read from the chip; figures: ns/op, B/op,
// allocs/op and the input throughput (MB/s).
func BenchmarkParse(b *testing.B) {
	cases := []struct {
		name, file string
		parse      func([]byte) error
	}{
		{"SOD-UK", "pa/gmrtd-uk-expired/EF_SOD.bin", func(x []byte) error { _, err := ParseSOD(x); return err }},
		{"SOD-NZ-BER", "pa/gmrtd-sods/NZ_EF_SOD.bin", func(x []byte) error { _, err := ParseSOD(x); return err }},
		{"DG13", "dg/DG13_synthetic.bin", func(x []byte) error { _, err := ParseDG13(x); return err }},
		{"DG2-19794", "pa/gmrtd-uk-expired/DG2.bin", func(x []byte) error { _, err := ParseDG2(x); return err }},
		{"DG2-39794", "dg/gmrtd-dg2-39794/ICAO_39794_5_AP_DG2_AllFields.dat", func(x []byte) error { _, err := ParseDG2(x); return err }},
		{"CardSecurity-DE", "pa/gmrtd-sods/DE_EF_CardSecurity.bin", func(x []byte) error { _, err := ParseCardSecurity(x); return err }},
	}
	for _, tc := range cases {
		in := testenv.ReadShared(b, tc.file)
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if err := tc.parse(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
