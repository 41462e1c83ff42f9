package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cccd-agent/cccd/checkin"
	"github.com/cccd-agent/cccd/internal/fsutil"
	"github.com/cccd-agent/cccd/verify"
)

func init() { register(newReadCmd) }

func newReadCmd() *cobra.Command {
	var (
		f         cardFlags
		noPhoto   bool
		photoFile string
		asJSON    bool
	)
	cmd := &cobra.Command{
		Use:   "read",
		Short: "Read a chip ID card, verify it and print the person",
		Long: `Read a CCCD through a reader (or the simulated card), prove the data genuine and print it.

Give the key as the 6-digit CAN printed on the card (--can), the 12-digit ID number (--id; the CAN
is its last 6 digits), the QR text (--qr) or the MRZ (--mrz). Chips without PACE need BAC: give
--id with --dob (and --expiry if known).`,
		Example: `  cccd read --sim --can 012345
  cccd read --reader "ACS ACR122U PICC Interface 00 00" --can 012345 --json
  cccd read --reader pn532:/dev/ttyUSB0 --id 079190012345 --dob 1990-05-17`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			trust, err := f.trustStore()
			if err != nil {
				return err
			}
			// --photo needs the image even when the output leaves it out.
			opts := checkin.ReadOptions{Trust: trust, NoPhoto: noPhoto && photoFile == "", AllowBAC: f.allowBAC, Trace: f.tracer()}
			res, err := f.read(cmd.Context(), opts)
			if err != nil {
				return err
			}
			if photoFile != "" {
				if err := writePhoto(photoFile, res); err != nil {
					return err
				}
			}
			if noPhoto && res.Photo != nil {
				res.Photo.Data = nil
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				if err := enc.Encode(res); err != nil {
					return err
				}
			} else {
				printRead(out, res)
			}
			if res.Verification.Status == verify.StatusFailed {
				return withCode(exitVerification, fmt.Errorf("verification failed (%s): do not accept this card without checking it by eye", strings.Join(res.Verification.Reasons, ", ")))
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&noPhoto, "no-photo", false, "leave the photo's bytes out of the output")
	cmd.Flags().StringVar(&photoFile, "photo", "", "write the face image to FILE (.jpg or .jp2 as stored)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the stable JSON (docs/FORMATS.md)")
	return cmd
}

// writePhoto writes the face image exactly as the chip stores it.
func writePhoto(path string, r *checkin.ReadResult) error {
	if r.Photo == nil || len(r.Photo.Data) == 0 {
		return errors.New("the card holds no readable photo")
	}
	return fsutil.WriteFile(path, r.Photo.Data, 0o600)
}

// verdictWords says the verification status the way the console does.
var verdictWords = map[string]string{
	verify.StatusVerified:        "verified: data signed by the issuing state",
	verify.StatusIntactUntrusted: "intact, issuer not in the trust store (data unaltered; the signing authority is unknown here)",
	verify.StatusFailed:          "FAILED: forged, altered or cloned",
}

func printRead(w io.Writer, r *checkin.ReadResult) {
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%-15s %s\n", k, v)
		}
	}
	line("Reader", r.Reader)
	line("Access", r.Access)
	name := strings.TrimSpace(r.Document.Surname + " " + r.Document.GivenNames)
	id := r.Document.IDNumber
	dob := r.Document.DateOfBirth
	if p := r.Personal; p != nil {
		if p.FullName != "" {
			name = p.FullName
		}
		if p.IDNumber != "" {
			id = p.IDNumber
		}
		if p.DateOfBirth != "" {
			dob = p.DateOfBirth
		}
	}
	line("Full name", name)
	line("ID number", id)
	line("Date of birth", dob)
	line("Sex", r.Document.Sex)
	if p := r.Personal; p != nil {
		line("Nationality", p.Nationality)
		line("Ethnicity", p.Ethnicity)
		line("Religion", p.Religion)
		line("Place of origin", p.PlaceOfOrigin)
		line("Residence", p.PlaceOfResidence)
		line("Marks", p.IdentifyingMarks)
		line("Issued", p.DateOfIssue)
		line("Expires", p.DateOfExpiry)
		line("Father", p.FatherName)
		line("Mother", p.MotherName)
		line("Spouse", p.SpouseName)
		line("Old ID", p.OldIDNumber)
	} else {
		line("Expires", r.Document.DateOfExpiry)
	}
	if ph := r.Photo; ph != nil {
		line("Photo", fmt.Sprintf("%s %dx%d, %d bytes", ph.Format, ph.Width, ph.Height, ph.Bytes))
	}
	v := r.Verification
	line("Verification", verdictWords[v.Status])
	if len(v.Reasons) > 0 {
		line("Reasons", strings.Join(v.Reasons, ", "))
	}
	line("Chip check", v.Chip.Method+" "+v.Chip.Status)
	line("Signer", v.Passive.Signer)
	line("CSCA", v.Passive.CSCA)
	line("Timing", fmt.Sprintf("%d ms, %d APDUs, %d bytes in, %d bytes out", r.Timing.TotalMS, r.Timing.APDUs, r.Timing.BytesIn, r.Timing.BytesOut))
}
