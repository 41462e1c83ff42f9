package ble

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

// rndB is the host random the tests inject.
var rndB = []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}

func frameOf(t *testing.T, payload []byte) []byte {
	t.Helper()
	f, err := EncodeFrame(payload)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestAuthenticationBytes replays the documented exchange against the fake
// and checks every byte the host writes: step 1, step 3 = D_CMK(RND_B ‖
// RND_A), and the first session message sealed with RND_A[:8] ‖ RND_B[:8].
func TestAuthenticationBytes(t *testing.T) {
	fake := newFakeACR(DefaultMasterKey)
	r, err := New(Config{Enabled: true, Address: "F0:F1:F2:F3:F4:F5"},
		func(ctx context.Context, addr string) (GATTLink, error) { return fake, nil },
		WithRandom(bytes.NewReader(rndB)), WithTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := r.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.(*Card).ATR(), fakeATR) {
		t.Fatalf("ATR % X", c.(*Card).ATR())
	}

	step1 := unhex(t, "05 00 0C 6B 00 05 00 00 00 CB E0 00 00 45 00 0C 0A")
	step3msg := Message{Type: MsgEscape, Data: append(unhex(t, "E0 00 00 46 00"),
		aesCBC(DefaultMasterKey, append(bytes.Clone(rndB), fake.rndA...), false)...)}
	step3 := frameOf(t, step3msg.Encode())
	if step3[1] != 0x00 || step3[2] != 0x2C || step3[3] != 0x6B || step3[5] != 0x25 {
		t.Fatalf("step 3 header % X, want 05 00 2C 6B 00 25", step3[:6])
	}
	sk := append(bytes.Clone(fake.rndA[:8]), rndB[:8]...)
	powerOn := Message{Type: MsgPowerOn, Seq: 1}.encode(16)
	if !bytes.Equal(powerOn, unhex(t, "62 00 00 00 01 00 9C FF FF FF FF FF FF FF FF FF")) {
		t.Fatalf("padded power-on % X", powerOn)
	}
	sealed := frameOf(t, aesCBC(sk, powerOn, true))
	want := bytes.Join([][]byte{step1, step3, sealed}, nil)
	if got := fake.written(); !bytes.Equal(got, want) {
		t.Fatalf("host wrote\n% X\nwant\n% X", got, want)
	}
}

func TestAuthErrors(t *testing.T) {
	tests := []struct {
		name  string
		reply Message
	}{
		{"wrong type", Message{Type: RspDataBlock, Data: make([]byte, 21)}},
		{"short", Message{Type: RspEscape, Data: unhex(t, "E1 00 00 45 00")}},
		{"wrong code", Message{Type: RspEscape, Data: append(unhex(t, "E1 00 00 46 00"), make([]byte, 16)...)}},
	}
	for _, tc := range tests {
		if _, _, err := AuthRespond(DefaultMasterKey, tc.reply, rndB); !errors.Is(err, ErrAuth) {
			t.Errorf("%s: err = %v, want ErrAuth", tc.name, err)
		}
	}
	// A proof that does not decrypt to RND_B is rejected.
	reply2 := Message{Type: RspEscape, Data: append(unhex(t, "E1 00 00 46 00"), aesCBC(DefaultMasterKey, make([]byte, 16), true)...)}
	if _, err := AuthFinish(DefaultMasterKey, reply2, make([]byte, 16), rndB); !errors.Is(err, ErrAuth) {
		t.Fatalf("AuthFinish with a wrong proof: %v", err)
	}
}
