package passhash

import (
	"errors"
	"strings"
	"testing"
)

// cheap keeps the tests fast; the cost is carried by the hash string.
var cheap = Params{MemoryKiB: 64, Time: 1, Threads: 1}

func TestHashVerify(t *testing.T) {
	h, err := Hash("246810", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(h, "246810") {
		t.Fatalf("hash %q", h)
	}
	if ok, err := Verify("246810", h); !ok || err != nil {
		t.Fatalf("right secret: %v %v", ok, err)
	}
	for _, wrong := range []string{"246811", "", "2468100", "246810 "} {
		if ok, err := Verify(wrong, h); ok || err != nil {
			t.Fatalf("wrong secret %q: %v %v", wrong, ok, err)
		}
	}
	h2, _ := Hash("246810", cheap)
	if h2 == h {
		t.Fatal("two hashes of one secret are equal: the salt is not random")
	}
	if _, err := Hash("x", Params{}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("zero params: %v", err)
	}
}

func TestParseRefuses(t *testing.T) {
	good, _ := Hash("x", cheap)
	parts := strings.Split(good, "$")
	for name, s := range map[string]string{
		"empty":        "",
		"argon2i":      strings.Replace(good, "argon2id", "argon2i", 1),
		"version":      strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":  strings.Replace(good, "m=64", "m=4294967295", 1),
		"huge time":    strings.Replace(good, "t=1", "t=1000", 1),
		"zero threads": strings.Replace(good, "p=1", "p=0", 1),
		"bad salt":     strings.Join([]string{"", parts[1], parts[2], parts[3], "!!", parts[5]}, "$"),
		"short key":    strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$"),
		"extra field":  good + "$x",
		"param order":  strings.Replace(good, "m=64,t=1,p=1", "t=1,m=64,p=1", 1),
	} {
		if _, err := Parse(s); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
		if ok, err := Verify("x", s); ok || err == nil {
			t.Errorf("%s: Verify = %v, %v", name, ok, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	good, _ := Hash("x", cheap)
	f.Add(good)
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5")
	f.Add("$argon2id$v=19$m=,t=,p=$$")
	f.Add("$bcrypt$10$x")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q", err)
			}
			return
		}
		if p.Params.MemoryKiB > maxMemoryKiB || p.Params.Time > maxTime || len(p.Key) < 16 {
			t.Fatalf("accepted out-of-bounds %+v", p.Params)
		}
	})
}
