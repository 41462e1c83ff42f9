// Package passhash hashes staff PINs and passwords with argon2id and checks
// them in constant time. A hash is stored as one PHC-style string that carries
// its own parameters, so the cost can be raised later without breaking the
// hashes already stored:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt, base64>$<key, base64>
package passhash

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// ErrMalformed marks a stored hash that does not parse or whose parameters
// are out of bounds.
var ErrMalformed = errors.New("passhash: malformed hash")

// Params are argon2id's cost parameters.
type Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// Default is OWASP's recommended argon2id minimum (19 MiB, 2 passes, one
// lane): a sign-in costs tens of milliseconds on a reception PC.
var Default = Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1}

// Bounds on what Parse accepts: a stored hash must not be able to make a
// check take gigabytes or minutes.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 16
	maxThreads   = 16
	saltLen      = 16
	keyLen       = 32
)

// Hash returns the encoded argon2id hash of secret with a fresh random salt.
func Hash(secret string, p Params) (string, error) {
	if err := p.check(); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(secret), salt, p.Time, p.MemoryKiB, p.Threads, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// Verify reports whether secret matches the encoded hash; the comparison is
// constant-time. A malformed hash is an error, never a match.
func Verify(secret, encoded string) (bool, error) {
	h, err := Parse(encoded)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(secret), h.Salt, h.Params.Time, h.Params.MemoryKiB, h.Params.Threads, uint32(len(h.Key)))
	return subtle.ConstantTimeCompare(key, h.Key) == 1, nil
}

// Parsed is a decoded hash string.
type Parsed struct {
	Params Params
	Salt   []byte
	Key    []byte
}

// Parse decodes an encoded hash, refusing other algorithms, other versions
// and parameters out of bounds.
func Parse(encoded string) (Parsed, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Parsed{}, fmt.Errorf("%w: not an argon2id hash", ErrMalformed)
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return Parsed{}, fmt.Errorf("%w: unsupported argon2 version", ErrMalformed)
	}
	var p Params
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return Parsed{}, fmt.Errorf("%w: parameters must be m=,t=,p=", ErrMalformed)
	}
	for i, want := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(fields[i], want)
		if !ok {
			return Parsed{}, fmt.Errorf("%w: parameters must be m=,t=,p=", ErrMalformed)
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return Parsed{}, fmt.Errorf("%w: parameter %s is not a number", ErrMalformed, strings.TrimSuffix(want, "="))
		}
		switch i {
		case 0:
			p.MemoryKiB = uint32(n)
		case 1:
			p.Time = uint32(n)
		case 2:
			if n > maxThreads {
				return Parsed{}, fmt.Errorf("%w: too many threads", ErrMalformed)
			}
			p.Threads = uint8(n)
		}
	}
	if err := p.check(); err != nil {
		return Parsed{}, err
	}
	enc := base64.RawStdEncoding.Strict()
	salt, err1 := enc.DecodeString(parts[4])
	key, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(salt) > 64 || len(key) < 16 || len(key) > 64 {
		return Parsed{}, fmt.Errorf("%w: bad salt or key", ErrMalformed)
	}
	return Parsed{Params: p, Salt: salt, Key: key}, nil
}

func (p Params) check() error {
	if p.Time < 1 || p.Time > maxTime || p.Threads < 1 || p.Threads > maxThreads ||
		p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxMemoryKiB {
		return fmt.Errorf("%w: parameters out of bounds", ErrMalformed)
	}
	return nil
}
