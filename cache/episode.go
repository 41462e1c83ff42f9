package cache

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// ErrBadEpisode: an episode field breaks QĐ 4750's limits for it.
var ErrBadEpisode = errors.New("bad episode fields")

// Episode is what the HIS owns of a check-in's QĐ 4750 XML0 row (Bảng
// check-in, dh-hos/Mo-ta-he-thong XML130/QD4570/Table xml130.bang00checkin):
// the episode key linking XML0 to XML1–15 and the HIS's codes for the visit.
type Episode struct {
	MaLK          string `json:"maLK"`          // MA_LK, VARCHAR(100): the HIS's episode key
	MaBN          string `json:"maBN"`          // MA_BN, VARCHAR(100): the HIS's patient number
	MaLoaiKCB     string `json:"maLoaiKCB"`     // MA_LOAI_KCB, VARCHAR(2): visit type (QĐ 824 PL1), e.g. "01"
	MaDoiTuongKCB string `json:"maDoiTuongKCB"` // MA_DOITUONG_KCB, VARCHAR(4): patient category (QĐ 824 PL2), e.g. "1.1"
}

// Validate checks the fields against the XML0 table's types. MA_LK is
// required (it is the reason to set an episode); the others may be "".
// Errors name the field, not its value.
func (e Episode) Validate() error {
	text := func(name, v string, max int, required bool) error {
		switch {
		case v == "" && required:
			return fmt.Errorf("%w: %s is required", ErrBadEpisode, name)
		case !utf8.ValidString(v) || utf8.RuneCountInString(v) > max:
			return fmt.Errorf("%w: %s must be at most %d characters of UTF-8 text", ErrBadEpisode, name, max)
		}
		for _, r := range v {
			if unicode.IsControl(r) {
				return fmt.Errorf("%w: %s contains a control character", ErrBadEpisode, name)
			}
		}
		return nil
	}
	if err := errors.Join(text("maLK", e.MaLK, 100, true), text("maBN", e.MaBN, 100, false)); err != nil {
		return err
	}
	if e.MaLoaiKCB != "" && !isDigits(e.MaLoaiKCB, 2) {
		return fmt.Errorf("%w: maLoaiKCB must be 2 digits (QĐ 824 Phụ lục 1), e.g. 01", ErrBadEpisode)
	}
	if e.MaDoiTuongKCB != "" && !validDoiTuong(e.MaDoiTuongKCB) {
		return fmt.Errorf("%w: maDoiTuongKCB must be a category code like 1.1 or 3.6 (at most 4 characters)", ErrBadEpisode)
	}
	return nil
}

// validDoiTuong accepts n.n, n.nn or nn.n codes of at most 4 characters.
func validDoiTuong(s string) bool {
	if len(s) < 3 || len(s) > 4 {
		return false
	}
	dot := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.':
			if i == 0 || i == len(s)-1 {
				return false
			}
			dot++
		case c < '0' || c > '9':
			return false
		}
	}
	return dot == 1
}

// SetEpisode stores the HIS's episode fields on check-in seq. It does not
// put the check-in back in the outbox: the HIS set them, so it has them.
func (db *DB) SetEpisode(seq uint64, e Episode) (Checkin, error) {
	return db.SetEpisodeWith(seq, e, nil)
}

// SetEpisodeWith is SetEpisode that also runs then (when not nil) on the
// record, in the same transaction, after the episode is set; then must not
// call other DB methods.
func (db *DB) SetEpisodeWith(seq uint64, e Episode, then func(*Checkin)) (Checkin, error) {
	if err := e.Validate(); err != nil {
		return Checkin{}, err
	}
	var out Checkin
	err := db.UpdateCheckin(seq, func(c *Checkin) error {
		ep := e
		c.Episode = &ep
		if then != nil {
			then(c)
		}
		out = *c
		return nil
	})
	return out, err
}
