package gateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// DefaultCheckinPath is the check-in endpoint of CV 1245/BHXH-CNTT §2
// (QĐ 4750). QĐ 3176 gateways also name api/qd130/checkInKcbQd3176; the
// path is configurable (gateway.checkin.path).
const DefaultCheckinPath = "api/qd130/checkInKcbQd4750"

const epCheckin = "checkIn"

// CheckinRequest is one check-in table sent to BHXH (CV 1245 §2.2).
type CheckinRequest struct {
	Path    string // relative to the gateway URL; "" means DefaultCheckinPath
	MaTinh  string // the facility's province code (2 digits)
	MaCSKCB string // the facility's code
	XML0    []byte // one XML0 file (CHI_TIEU_TRANG_THAI_KCB); sent base64 as fileHSBase64
}

// CheckinAnswer is the check-in endpoint's answer (CV 1245 §2.3).
type CheckinAnswer struct {
	MaKetQua         string    `json:"maKetQua"`         // 200 success, 401 unauthenticated, 403 unauthorised, …
	MaGiaoDich       string    `json:"maGiaoDich"`       // transaction code, kept for reconciliation
	ThoiGianTiepNhan string    `json:"thoiGianTiepNhan"` // receipt time, yyyyMMddHHmmss
	ThongDiep        string    `json:"thongDiep"`        // message, with the error if any
	At               time.Time `json:"-"`                // when the gateway answered
}

// Accepted reports whether BHXH took the check-in (maKetQua 200).
func (a *CheckinAnswer) Accepted() bool { return a.MaKetQua == "200" }

// SubmitCheckin sends one XML0 file to the check-in endpoint under the
// client's account (CV 1245 §2: the token, its id and the password's MD5 in
// headers; username, loaiHoSo 0, maTinh, maCSKCB and fileHSBase64 as form
// fields). An answer about the check-in (accepted or refused, any
// maKetQua but 401/403) is a *CheckinAnswer with a nil error; a refused
// token is taken again once; a gateway that cannot be reached or answers
// 5xx is ErrUnavailable, a refused account ErrAuth.
func (c *Client) SubmitCheckin(ctx context.Context, req CheckinRequest) (*CheckinAnswer, error) {
	if len(req.MaTinh) != 2 || req.MaCSKCB == "" || len(req.XML0) == 0 {
		return nil, fmt.Errorf("%w: a check-in needs maTinh (2 digits), maCSKCB and the XML0 file", ErrInvalidRequest)
	}
	path := strings.TrimPrefix(req.Path, "/")
	if path == "" {
		path = DefaultCheckinPath
	}
	if strings.Contains(path, "://") || strings.Contains(path, "..") || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("%w: check-in path must be a path on the gateway", ErrConfig)
	}
	fields := []field{
		{"username", c.cfg.Username},
		{"loaiHoSo", "0"},
		{"maTinh", req.MaTinh},
		{"maCSKCB", req.MaCSKCB},
		{"fileHSBase64", base64.StdEncoding.EncodeToString(req.XML0)},
	}
	start := c.cfg.Now()
	a, err := c.checkinOnce(ctx, path, fields, false)
	if errors.Is(err, errTokenRejected) {
		a, err = c.checkinOnce(ctx, path, fields, true)
		if errors.Is(err, errTokenRejected) {
			err = &ResultError{Endpoint: epCheckin, Code: "401", Class: ClassConfig, Meaning: "token refused right after it was issued"}
		}
	}
	if err != nil {
		c.log.Warn("gateway check-in failed", "err", err, "ms", c.cfg.Now().Sub(start).Milliseconds())
		return nil, err
	}
	c.log.Info("gateway check-in", "code", a.MaKetQua, "ms", c.cfg.Now().Sub(start).Milliseconds())
	return a, nil
}

func (c *Client) checkinOnce(ctx context.Context, path string, fields []field, fresh bool) (*CheckinAnswer, error) {
	tok, err := c.token(ctx, fresh)
	if err != nil {
		return nil, err
	}
	hdr := http.Header{"accessToken": {tok.access}, "tokenId": {tok.id}, "passwordHash": {tok.password}}
	status, body, err := c.sendWith(ctx, c.lookupHTTP, epCheckin, path, nil, hdr, fields, true)
	if err != nil {
		return nil, err
	}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		c.dropToken(tok)
		return nil, errTokenRejected
	}
	var a CheckinAnswer
	var raw struct {
		MaKetQua         flexString `json:"maKetQua"`
		MaGiaoDich       flexString `json:"maGiaoDich"`
		ThoiGianTiepNhan flexString `json:"thoiGianTiepNhan"`
		ThongDiep        string     `json:"thongDiep"`
	}
	if err := json.Unmarshal(body, &raw); err != nil || raw.MaKetQua == "" {
		return nil, fmt.Errorf("%w: %s: the answer is not the expected JSON", ErrBadResponse, epCheckin)
	}
	a = CheckinAnswer{MaKetQua: string(raw.MaKetQua), MaGiaoDich: string(raw.MaGiaoDich),
		ThoiGianTiepNhan: string(raw.ThoiGianTiepNhan), ThongDiep: raw.ThongDiep, At: c.cfg.Now()}
	switch a.MaKetQua {
	case "401", "403":
		c.dropToken(tok)
		return nil, errTokenRejected
	case "500", "100", "101":
		return nil, &ResultError{Endpoint: epCheckin, Code: a.MaKetQua, Class: ClassServer, Meaning: "server error"}
	}
	return &a, nil
}
