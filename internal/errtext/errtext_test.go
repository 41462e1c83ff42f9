package errtext

import (
	"errors"
	"testing"
)

func TestOneLine(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("card removed"), "card removed"},
		{errors.New("  pcscd: gone\ngoroutine 1 [running]:\nmain.main()"), "pcscd: gone"},
		{errors.New("\nleading break"), "leading break"},
		{errors.New("trailing space \r\nnext"), "trailing space"},
	} {
		if got := OneLine(tc.err); got != tc.want {
			t.Errorf("OneLine(%q) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
