package cache

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"github.com/cccd-agent/cccd/internal/passhash"
)

// ErrExists: a staff account of that name exists already.
var ErrExists = errors.New("already exists")

// Staff is a receptionist's account. The PIN or password is kept only as its
// argon2id hash. The staff member's own CCCD number is what the BHXH gateway
// wants as cccdCb; it is personal data of the staff member and is shown
// masked by the CLI.
type Staff struct {
	Name        string    `json:"name"`                   // sign-in name and hoTenCb, as typed (diacritics kept)
	CCCD        string    `json:"cccd"`                   // 12 digits
	GatewayUser string    `json:"gateway_user,omitempty"` // the BHXH gateway account registered for this person
	Hash        string    `json:"hash"`                   // passhash (argon2id) of the PIN or password
	Disabled    bool      `json:"disabled,omitempty"`
	Created     time.Time `json:"created"`
	Changed     time.Time `json:"changed"` // last PIN change
}

// StaffKey is the key a name is stored and looked up under: trimmed and lower
// case, so "Lan" and "lan " are one account.
func StaffKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// ValidateStaff checks the fields of s and that its hash parses.
func ValidateStaff(s Staff) error {
	if err := ValidateStaffFields(s); err != nil {
		return err
	}
	if _, err := passhash.Parse(s.Hash); err != nil {
		return fmt.Errorf("staff PIN hash: %w", ErrInvalid)
	}
	return nil
}

// ValidateStaffFields checks name, CCCD and gateway username.
func ValidateStaffFields(s Staff) error {
	name := strings.TrimSpace(s.Name)
	if name == "" || utf8.RuneCountInString(name) > 64 || !utf8.ValidString(name) || strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return fmt.Errorf("staff name must be 1 to 64 printable characters: %w", ErrInvalid)
	}
	if len(s.CCCD) != 12 || strings.Trim(s.CCCD, "0123456789") != "" {
		return fmt.Errorf("staff CCCD must be 12 digits: %w", ErrInvalid)
	}
	if len(s.GatewayUser) > 64 || strings.IndexFunc(s.GatewayUser, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0 {
		return fmt.Errorf("gateway username must be up to 64 printable ASCII characters without spaces: %w", ErrInvalid)
	}
	return nil
}

// AddStaff stores a new account; ErrExists when the name is taken.
func (db *DB) AddStaff(s Staff) error {
	if err := ValidateStaff(s); err != nil {
		return fmt.Errorf("add staff: %w", err)
	}
	s.Name = strings.TrimSpace(s.Name)
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStaff)
		k := []byte(StaffKey(s.Name))
		if b.Get(k) != nil {
			return ErrExists
		}
		v, err := json.Marshal(s)
		if err != nil {
			return err
		}
		return b.Put(k, v)
	})
	if err != nil {
		return fmt.Errorf("add staff: %w", err)
	}
	return nil
}

// StaffByName returns the account of name (case-insensitive), or ErrNotFound.
func (db *DB) StaffByName(name string) (Staff, error) {
	var s Staff
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketStaff).Get([]byte(StaffKey(name)))
		if v == nil {
			return ErrNotFound
		}
		if err := json.Unmarshal(v, &s); err != nil {
			return ErrCorrupt
		}
		return nil
	})
	if err != nil {
		return Staff{}, fmt.Errorf("staff account: %w", err)
	}
	return s, nil
}

// ListStaff returns every account in key order.
func (db *DB) ListStaff() ([]Staff, error) {
	out := []Staff{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketStaff).ForEach(func(_, v []byte) error {
			var s Staff
			if err := json.Unmarshal(v, &s); err != nil {
				return ErrCorrupt
			}
			out = append(out, s)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	return out, nil
}

// UpdateStaff changes the account of name in one transaction; update must
// keep the name. ErrNotFound when there is no such account.
func (db *DB) UpdateStaff(name string, update func(*Staff) error) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStaff)
		k := []byte(StaffKey(name))
		v := b.Get(k)
		if v == nil {
			return ErrNotFound
		}
		var s Staff
		if err := json.Unmarshal(v, &s); err != nil {
			return ErrCorrupt
		}
		if err := update(&s); err != nil {
			return err
		}
		if StaffKey(s.Name) != string(k) {
			return fmt.Errorf("a staff account cannot be renamed: %w", ErrInvalid)
		}
		if err := ValidateStaff(s); err != nil {
			return err
		}
		nv, err := json.Marshal(s)
		if err != nil {
			return err
		}
		return b.Put(k, nv)
	})
	if err != nil {
		return fmt.Errorf("update staff: %w", err)
	}
	return nil
}
