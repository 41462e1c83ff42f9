package feed

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Format names of the feed, checked on decode so that a future incompatible
// format is refused rather than misread.
const (
	ManifestFormat = "cccd-roster-feed/1"
	ObjectFormat   = "cccd-roster-object/1"
	// ManifestName is the manifest's file name in a feed directory.
	ManifestName = "manifest.json"
	// ObjectsDir is the directory of the content-addressed objects.
	ObjectsDir = "objects"
	// signContext is prefixed to the signed bytes so that a manifest
	// signature can never be replayed as a signature over anything else.
	signContext = "cccd-roster-manifest/1\n"
	// MaxManifestSize bounds what a client reads before verifying.
	MaxManifestSize = 1 << 20
	// maxObjectSize bounds the size an object may claim (compressed).
	maxObjectSize = 1 << 34
)

// Manifest is the signed description of one publication: its version, the
// full snapshot and the recent deltas that lead to it.
type Manifest struct {
	Format    string    `json:"format"`
	Version   uint64    `json:"version"`   // strictly increasing across publications
	Published time.Time `json:"published"` // UTC, whole seconds
	Records   int       `json:"records"`   // records in the roster at Version
	Snapshot  Object    `json:"snapshot"`  // the full roster at Version
	Deltas    []Delta   `json:"deltas"`    // ascending Target; the last one ends at Version
	// Encryption is "" for objects anyone with the URL can read, or
	// EncryptionAge for objects only the clinics' identities open.
	Encryption string `json:"encryption,omitempty"`
}

// Object is a content-addressed file under objects/: its URL path is
// ObjectPath(SHA256) and its bytes hash to SHA256.
type Object struct {
	SHA256 string `json:"sha256"` // lowercase hex of the stored (compressed) bytes
	Size   int64  `json:"size"`   // stored (compressed) size in bytes
}

// Delta is one object that turns the roster at Base into the roster at Target.
type Delta struct {
	Base    uint64 `json:"base"`
	Target  uint64 `json:"target"`
	Upserts int    `json:"upserts"`
	Deletes int    `json:"deletes"`
	Object
}

// envelope is manifest.json on disk: the signed bytes kept verbatim.
type envelope struct {
	KeyID  string          `json:"keyid"`
	Sig    string          `json:"sig"`
	Signed json.RawMessage `json:"signed"`
}

// ObjectPath is the path of an object relative to the feed root.
func ObjectPath(sha string) string { return ObjectsDir + "/" + sha + ".zst" }

// Sign encodes m canonically (encoding/json of the struct: fixed field order,
// no insignificant whitespace) and returns manifest.json signed with key.
func Sign(m *Manifest, key ed25519.PrivateKey) ([]byte, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	signed, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("feed: encode manifest: %w", err)
	}
	pub, ok := key.Public().(ed25519.PublicKey)
	if !ok {
		return nil, ErrBadKey
	}
	sig := ed25519.Sign(key, append([]byte(signContext), signed...))
	out, err := json.Marshal(envelope{KeyID: KeyID(pub), Sig: base64.StdEncoding.EncodeToString(sig), Signed: signed})
	if err != nil {
		return nil, fmt.Errorf("feed: encode manifest envelope: %w", err)
	}
	return append(out, '\n'), nil
}

// Open verifies manifest.json against the pinned publisher key and returns
// the validated manifest. The signature covers the exact bytes of "signed";
// nothing from the file is used before it verifies.
func Open(data []byte, pinned ed25519.PublicKey) (*Manifest, error) {
	if len(data) > MaxManifestSize {
		return nil, fmt.Errorf("%w: manifest is %d bytes, limit %d", ErrMalformed, len(data), MaxManifestSize)
	}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("%w: manifest envelope: %v", ErrMalformed, err)
	}
	if env.KeyID != KeyID(pinned) {
		return nil, fmt.Errorf("%w: manifest key id %.16s…, pinned %.16s…", ErrUnknownKey, env.KeyID, KeyID(pinned))
	}
	sig, err := base64.StdEncoding.DecodeString(env.Sig)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: signature is not %d base64 bytes", ErrBadSignature, ed25519.SignatureSize)
	}
	if !ed25519.Verify(pinned, append([]byte(signContext), env.Signed...), sig) {
		return nil, ErrBadSignature
	}
	return decodeSigned(env.Signed)
}

// decodeSigned parses and validates the signed manifest body.
func decodeSigned(b []byte) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: manifest: %v", ErrMalformed, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: manifest: trailing data", ErrMalformed)
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// validate checks the invariants every consumer relies on.
func (m *Manifest) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: manifest: "+format, append([]any{ErrMalformed}, a...)...)
	}
	if m.Format != ManifestFormat {
		return bad("format %q, want %q", m.Format, ManifestFormat)
	}
	if m.Version == 0 {
		return bad("version 0")
	}
	if m.Records < 0 {
		return bad("negative record count")
	}
	if m.Encryption != "" && m.Encryption != EncryptionAge {
		return bad("unknown encryption %q", m.Encryption)
	}
	if err := m.Snapshot.validate(); err != nil {
		return bad("snapshot: %v", err)
	}
	for i, d := range m.Deltas {
		if err := d.Object.validate(); err != nil {
			return bad("delta %d: %v", i, err)
		}
		if d.Base >= d.Target || d.Target > m.Version || d.Upserts < 0 || d.Deletes < 0 {
			return bad("delta %d: versions %d→%d outside 1..%d", i, d.Base, d.Target, m.Version)
		}
		if i > 0 && m.Deltas[i-1].Target >= d.Target {
			return bad("deltas not in ascending target order")
		}
	}
	return nil
}

func (o Object) validate() error {
	if len(o.SHA256) != 64 {
		return fmt.Errorf("sha256 is not 64 hex digits")
	}
	if _, err := hex.DecodeString(o.SHA256); err != nil || o.SHA256 != lowerHex(o.SHA256) {
		return fmt.Errorf("sha256 is not lowercase hex")
	}
	if o.Size <= 0 || o.Size > maxObjectSize {
		return fmt.Errorf("size %d out of range", o.Size)
	}
	return nil
}

func lowerHex(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'F' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Chain returns the deltas that lead from version from to m.Version, in
// order, and whether such a contiguous chain is listed.
func (m *Manifest) Chain(from uint64) ([]Delta, bool) {
	if from >= m.Version {
		return nil, false
	}
	var chain []Delta
	at := from
	// Targets ascend, so one pass follows the chain.
	for _, d := range m.Deltas {
		if d.Base == at {
			chain = append(chain, d)
			at = d.Target
		}
	}
	return chain, at == m.Version && len(chain) > 0
}
