package verify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"slices"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testkit/pkitest"
)

// BenchmarkPassive measures full passive authentication of one SOD (parse,
// DG hashes, CMS signature, DS → CSCA chain) beside the bare signature
// primitive on the same DS key, interleaved in the same run. Metrics:
//
//	passive-ns/op    Passive() with the trust store's caches warm (verified
//	                 DS → CSCA links, parsed DS certificates: a desk sees
//	                 the same few DS certificates all day)
//	cold-ns/op       Passive() with those caches cleared (the DS certificate is
//	                 parsed and its CSCA signature checked again)
//	primitive-ns/op  crypto/rsa or crypto/ecdsa verifying the SignerInfo signature
//	dg-hash-ns/op    hashing the data groups alone (inherent to PA, not overhead)
//	ratio            passive / primitive (target ≤ 1.30)
//	ratio-cold       cold / primitive
//	ratio-ex-hash    (passive − dg-hash) / primitive: what parsing and chain
//	                 checking add on top of the signature
//
// Each figure is the median of the per-iteration times, not the mean: on a
// shared machine a mean of 50 µs operations is dominated by preemption.
//
// The DGs are a CCCD-sized set: DG1 (MRZ), DG2 (12 kB image), DG13, DG14.
func BenchmarkPassive(b *testing.B) {
	tests := []struct {
		name   string
		key    func() *pkitest.Key
		scheme pkitest.Scheme
	}{
		{"RSA-2048-PKCS1", func() *pkitest.Key { return pkitest.RSAKey(2048) }, pkitest.Scheme{Kind: "pkcs1", Hash: crypto.SHA256}},
		{"RSA-2048-PSS", func() *pkitest.Key { return pkitest.RSAKey(2048) }, pkitest.Scheme{Kind: "pss", Hash: crypto.SHA256, Salt: 32}},
		{"ECDSA-P256", func() *pkitest.Key { return pkitest.ECKey("P-256", false) }, pkitest.Scheme{Kind: "ecdsa", Hash: crypto.SHA256}},
		{"brainpoolP256r1-explicit", func() *pkitest.Key { return pkitest.ECKey("brainpoolP256r1", true) }, pkitest.Scheme{Kind: "ecdsa", Hash: crypto.SHA256}},
	}
	for _, tc := range tests {
		b.Run(tc.name, func(b *testing.B) {
			p := newTestPKI(b, tc.key(), tc.key(), tc.scheme)
			dgs := testDGs()
			dgs[13] = make([]byte, 400)
			sod := pkitest.SOD{DGs: dgs, Signer: p.ds, Scheme: tc.scheme, SigningTime: signingAt}.Build()
			ts := trustOf(b, p.csca)
			if r := Passive(sod, dgs, ts, checkAt); r.Status != StatusVerified {
				b.Fatalf("setup: %s %v", r.Status, r.Reasons)
			}
			primitive := primitiveFor(b, sod, tc.scheme)
			var warm, cold, prim, hashing []time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				t0 := time.Now()
				r := Passive(sod, dgs, ts, checkAt)
				t1 := time.Now()
				ts.linkMu.Lock()
				clear(ts.links)
				ts.linkMu.Unlock()
				ts.certMu.Lock()
				clear(ts.certCache)
				ts.certMu.Unlock()
				t2 := time.Now()
				rc := Passive(sod, dgs, ts, checkAt)
				t3 := time.Now()
				ok := primitive()
				t4 := time.Now()
				for _, n := range []int{1, 2, 13, 14} {
					sum := sha256.Sum256(dgs[n])
					benchSink ^= sum[0]
				}
				t5 := time.Now()
				if r.Status != StatusVerified || rc.Status != StatusVerified || !ok {
					b.Fatal("verification failed inside the loop")
				}
				warm = append(warm, t1.Sub(t0))
				cold = append(cold, t3.Sub(t2))
				prim = append(prim, t4.Sub(t3))
				hashing = append(hashing, t5.Sub(t4))
			}
			w, c, pr, h := median(warm), median(cold), median(prim), median(hashing)
			b.ReportMetric(float64(w.Nanoseconds()), "passive-ns/op")
			b.ReportMetric(float64(c.Nanoseconds()), "cold-ns/op")
			b.ReportMetric(float64(pr.Nanoseconds()), "primitive-ns/op")
			b.ReportMetric(float64(w)/float64(pr), "ratio")
			b.ReportMetric(float64(c)/float64(pr), "ratio-cold")
			b.ReportMetric(float64(h.Nanoseconds()), "dg-hash-ns/op")
			b.ReportMetric(float64(w-h)/float64(pr), "ratio-ex-hash")
		})
	}
}

// primitiveFor returns the bare standard-library verification of the SOD's
// SignerInfo signature over its signed attributes (digest precomputed, as a
// signature primitive takes it).
func primitiveFor(b *testing.B, sod []byte, s pkitest.Scheme) func() bool {
	sd, err := ParseSignedData(sod[4:])
	if err != nil {
		b.Fatal(err)
	}
	si := sd.SignerInfos[0]
	msg := append([]byte{0x31}, si.RawSignedAttrs[1:]...)
	h := s.Hash.New()
	h.Write(msg)
	digest := h.Sum(nil)
	sig := si.Signature
	switch pub := sd.Certificates[0].PublicKey.(type) {
	case *rsa.PublicKey:
		if s.Kind == "pss" {
			opts := &rsa.PSSOptions{SaltLength: 32, Hash: s.Hash}
			return func() bool { return rsa.VerifyPSS(pub, s.Hash, digest, sig, opts) == nil }
		}
		return func() bool { return rsa.VerifyPKCS1v15(pub, s.Hash, digest, sig) == nil }
	case *ecdsa.PublicKey:
		return func() bool { return ecdsa.VerifyASN1(pub, digest, sig) }
	}
	b.Fatal("unexpected key")
	return nil
}

// benchSink keeps the benchmark's own hashing from being optimised away.
var benchSink byte

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
