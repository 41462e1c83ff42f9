package checkin

import (
	"time"

	"github.com/cccd-agent/cccd/icao/mrz"
)

// documentFromMRZ fills the read result's document object from DG1.
func documentFromMRZ(m *mrz.MRZ, now time.Time) Document {
	d := Document{
		Type:        m.DocumentCode,
		Issuer:      m.Issuer,
		Number:      m.DocumentNumber,
		Surname:     m.Surname,
		GivenNames:  m.GivenNames,
		Sex:         m.Sex,
		Nationality: m.Nationality,
		MRZ:         m.String(),
	}
	if id, err := m.IDNumber(); err == nil {
		d.IDNumber = id
	}
	if t, ok := m.BirthDate(now); ok {
		d.DateOfBirth = t.Format(time.DateOnly)
	}
	if t, ok := m.ExpiryDate(); ok {
		d.DateOfExpiry = t.Format(time.DateOnly)
	}
	return d
}
