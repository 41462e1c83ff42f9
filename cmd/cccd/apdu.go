package main

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cccd-agent/cccd/icao"
)

func init() {
	register(func() *cobra.Command {
		var readerName string
		c := &cobra.Command{
			Use:   "apdu --reader NAME HEX...",
			Short: "Send raw command APDUs to the card on a reader and print the answers",
			Long: "Sends each HEX argument as one command APDU (spaces and colons allowed inside quotes),\n" +
				"in one exclusive session, and prints the response data and the status word in words.",
			Args: cobra.MinimumNArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				if readerName == "" {
					return usagef("--reader is required (see `cccd readers` for the names)")
				}
				apdus := make([][]byte, len(args))
				for i, a := range args {
					b, err := parseHex(a)
					if err != nil || len(b) < 4 {
						return usagef("APDU %d %q: want at least 4 bytes of hex (CLA INS P1 P2 ...)", i+1, a)
					}
					apdus[i] = b
				}
				r, release, err := openCLIReader(readerName)
				if err != nil {
					return err
				}
				defer release()
				card, err := r.Connect(cmd.Context())
				if err != nil {
					return err
				}
				defer card.Close()
				w := cmd.OutOrStdout()
				for _, a := range apdus {
					fmt.Fprintf(w, "> %s\n", hexUpper(a))
					rsp, err := card.Transmit(cmd.Context(), a)
					if err != nil {
						return err
					}
					data, sw := rsp[:len(rsp)-2], uint16(rsp[len(rsp)-2])<<8|uint16(rsp[len(rsp)-1])
					if len(data) > 0 {
						fmt.Fprintf(w, "< %s\n", hexUpper(data))
					}
					fmt.Fprintf(w, "< %04X %s\n", sw, swMeaning(sw))
				}
				return nil
			},
		}
		c.Flags().StringVar(&readerName, "reader", "", "reader name as `cccd readers` lists it; pn532:/dev/ttyUSB0 for a PN532")
		return c
	})
}

// parseHex accepts "00A4040C", "00 A4 04 0C" and "00:A4:04:0C".
func parseHex(s string) ([]byte, error) {
	s = strings.NewReplacer(" ", "", ":", "", "\t", "").Replace(s)
	return hex.DecodeString(s)
}

func hexUpper(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// swMeaning says what a status word means (ISO 7816-4 / ICAO 9303-10).
func swMeaning(sw uint16) string {
	switch {
	case sw == icao.SWOK:
		return "success"
	case sw&0xFF00 == 0x6100:
		return fmt.Sprintf("success, %d more bytes available (GET RESPONSE)", sw&0xFF)
	}
	return (&icao.StatusError{SW: sw}).Meaning()
}
