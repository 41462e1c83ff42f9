package redact

import "testing"

func TestID(t *testing.T) {
	for in, want := range map[string]string{
		"001099012345": "0010******45",
		"123":          "***",
		"":             "",
		"B1234567":     "B123**67",
	} {
		if got := ID(in); got != want {
			t.Errorf("ID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBytes(t *testing.T) {
	if got := Bytes(make([]byte, 13)); got != "<13 bytes>" {
		t.Fatalf("Bytes = %q", got)
	}
	if got := Bytes(nil); got != "<0 bytes>" {
		t.Fatalf("Bytes(nil) = %q", got)
	}
}
