// Package checkin is the reception flow: it turns a tap of a chip ID card
// into a verified read, an eligibility answer and a durable check-in record.
// It is the only package that knows the whole flow.
package checkin

import (
	"github.com/cccd-agent/cccd/icao/lds"
	"github.com/cccd-agent/cccd/verify"
)

// ReadResult is the outcome of one card read in the stable JSON of
// docs/FORMATS.md ("Read result JSON"): `cccd read --json`, the API's result events and the
// check-in record are all built from it. Field names are a contract.
type ReadResult struct {
	Reader       string         `json:"reader"`
	Access       string         `json:"access"` // "PACE-CAN" | "PACE-MRZ" | "BAC"
	Document     Document       `json:"document"`
	Personal     *Personal      `json:"personal,omitempty"`
	Photo        *Photo         `json:"photo,omitempty"`
	Verification *verify.Result `json:"verification"`
	Timing       Timing         `json:"timing"`
}

// Document is the machine-readable zone as read from DG1.
type Document struct {
	Type         string `json:"type"`
	Issuer       string `json:"issuer"`
	Number       string `json:"number"`
	IDNumber     string `json:"id_number"`
	Surname      string `json:"surname"`
	GivenNames   string `json:"given_names"`
	DateOfBirth  string `json:"date_of_birth"` // ISO 8601
	Sex          string `json:"sex"`
	DateOfExpiry string `json:"date_of_expiry"` // ISO 8601, "" when the card does not expire
	Nationality  string `json:"nationality"`
	MRZ          string `json:"mrz"`
}

// Personal is the Vietnamese personal data of DG13 (`personal` in the read JSON).
type Personal = lds.Personal

// Photo is the face image of DG2. Data is omitted with --no-photo.
type Photo struct {
	Format string `json:"format"` // "jpeg" | "jp2"
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Bytes  int    `json:"bytes"`
	Data   []byte `json:"data,omitempty"` // base64 in JSON
}

// Timing says how long the read took and what it cost on the air.
type Timing struct {
	TotalMS  int64 `json:"total_ms"`
	APDUs    int   `json:"apdus"`
	BytesIn  int   `json:"bytes_in"`
	BytesOut int   `json:"bytes_out"`
}

// EventView is what a "result" event broadcasts of a read: what the console
// displays and what an HIS needs to match a patient (ID number, name, date
// of birth, sex), with the photo's size but not its bytes. Every subscriber
// of the event stream sees it, so it carries no MRZ (the chip's BAC key), no
// photo and none of DG13's other fields; the photo and the QĐ 4750 fields
// come from PullView by an authenticated GET /api/v1/reads/{id}.
func (r *ReadResult) EventView() *ReadResult {
	v := r.PullView()
	v.Document.MRZ = ""
	if v.Personal != nil {
		v.Personal = &Personal{
			IDNumber:     v.Personal.IDNumber,
			FullName:     v.Personal.FullName,
			DateOfBirth:  v.Personal.DateOfBirth,
			Sex:          v.Personal.Sex,
			Nationality:  v.Personal.Nationality,
			DateOfExpiry: v.Personal.DateOfExpiry,
		}
	}
	if v.Photo != nil {
		p := *v.Photo
		p.Data = nil
		v.Photo = &p
	}
	return v
}

// PullView is what an authenticated pull of a recent read returns: the
// photo and every field an HIS may need for its record and QĐ 4750
// (ethnicity, address, dates of issue). Religion, identifying marks,
// parents and spouse never leave the agent this way (only `cccd read` at
// the CLI shows them), nor does the MRZ, which opens the chip by BAC.
func (r *ReadResult) PullView() *ReadResult {
	v := *r
	v.Document.MRZ = ""
	if r.Personal != nil {
		p := *r.Personal
		p.Religion, p.IdentifyingMarks = "", ""
		p.FatherName, p.MotherName, p.SpouseName = "", "", ""
		p.Other = nil
		v.Personal = &p
	}
	return &v
}
