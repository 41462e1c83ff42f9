package pace

import "encoding/hex"

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic("pace: bad constant") // unreachable: constants are tested
	}
	return b
}
