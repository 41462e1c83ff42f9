package cache

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// DiaChiFromChip is Checkin.DiaChiSource for an address read from DG13:
// as at the card's issue, so it may name places from before the province
// merger of 12/06/2025 (cards are not reissued for it). XML1 DIA_CHI wants
// the current residence per the national population database.
const DiaChiFromChip = "chip"

// HandoffNotice heads the hand-off file: it is not a submission.
const HandoffNotice = ` cccd hand-off file for the HIS, NOT SUBMITTABLE to BHXH: the check-in (XML0) goes to ` +
	`api/qd130/checkInKcbQd4750 alone (cccd checkins export with format xml0), and GIAMDINHHS carries XML1-XML15 only ` +
	`(CV 1245/BHXH-CNTT). XML1 here holds the reception fields only; DIA_CHI is the chip's address (may carry ` +
	`pre-2025-merger names). `

// WriteCheckinsXML4750 writes cs as a hand-off file for the HIS, NOT a
// submission: a GIAMDINHHS-shaped document with one HOSO per check-in,
// each holding two FILEHOSO, base64 of UTF-8 XML:
//
//   - XML0, the check-in table (CHI_TIEU_TRANG_THAI_KCB / TRANG_THAI_KCB);
//   - XML1, the reception fields of the summary table (TONG_HOP).
//
// BHXH takes XML0 alone at its check-in endpoint (WriteCheckinXML0) and a
// GIAMDINHHS without XML0, so the file says so in a leading comment. MA_LK
// is the HIS's episode key when it set one (Checkin.Episode), else empty;
// STT is the position in the file, MA_CSKCB the facility code; dates are
// yyyyMMdd and times yyyyMMddHHmm in Vietnam time. Fields reception does
// not know are left empty, and the document is not signed.
// facility is the MACSKCB of the header; now dates it (NGAYLAP).
func WriteCheckinsXML4750(w io.Writer, cs []Checkin, facility string, now time.Time) error {
	doc := giamDinhHS{
		XSI: "http://www.w3.org/2001/XMLSchema-instance", XSD: "http://www.w3.org/2001/XMLSchema",
		Facility: facility,
		Info:     thongTinHoSo{NgayLap: now.In(vietnamTime).Format("20060102"), SoLuong: len(cs)},
	}
	for i, c := range cs {
		x0, err := childXML(xml0Doc{List: []xml0Row{xml0Of(c, i+1)}})
		if err != nil {
			return err
		}
		x1, err := childXML(xml1Of(c, i+1))
		if err != nil {
			return err
		}
		doc.Info.HoSo = append(doc.Info.HoSo, hoSo{Files: []fileHoSo{{"XML0", x0}, {"XML1", x1}}})
	}
	if _, err := io.WriteString(w, xml.Header+"<!--"+HandoffNotice+"-->\n"); err != nil {
		return fmt.Errorf("write check-ins as XML: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write check-ins as XML: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write check-ins as XML: %w", err)
	}
	return nil
}

// WriteCheckinXML0 writes c as one bare XML0 file, the check-in table of
// QĐ 4750 (CHI_TIEU_TRANG_THAI_KCB > DSACH_TRANG_THAI_KCB > TRANG_THAI_KCB,
// STT 1), as BHXH's check-in endpoint takes it (CV 1245/BHXH-CNTT:
// loaiHoSo 0, fileHSBase64 = this file). MA_LK, MA_BN, MA_LOAI_KCB and
// MA_DOITUONG_KCB come from the HIS's episode (Checkin.Episode) and are
// empty without one; NGAY_YL and the service, drug and supply codes are the
// HIS's to fill before it submits. The schema is docs/xml0-cv1245.xsd.
func WriteCheckinXML0(w io.Writer, c Checkin) error {
	b, err := xml.MarshalIndent(xml0Doc{List: []xml0Row{xml0Of(c, 1)}}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode check-in %d as XML0: %w", c.Seq, err)
	}
	if _, err := io.WriteString(w, `<?xml version="1.0" encoding="utf-8"?>`+"\n"); err != nil {
		return fmt.Errorf("write XML0: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write XML0: %w", err)
	}
	return nil
}

// XML0FileName is the name export gives check-in seq's XML0 file.
func XML0FileName(seq uint64) string { return fmt.Sprintf("XML0_%010d.xml", seq) }

// EpisodeMissing reports whether c lacks the HIS's episode (no MA_LK yet):
// its XML0 is not ready for BHXH.
func (c *Checkin) EpisodeMissing() bool { return c.Episode == nil || c.Episode.MaLK == "" }

// childXML is the base64 of a table file: declaration and element.
func childXML(v any) (string, error) {
	b, err := xml.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode check-in XML: %w", err)
	}
	return base64.StdEncoding.EncodeToString(append([]byte(`<?xml version="1.0" encoding="utf-8"?>`), b...)), nil
}

type giamDinhHS struct {
	XMLName  xml.Name     `xml:"GIAMDINHHS"`
	XSI      string       `xml:"xmlns:xsi,attr"`
	XSD      string       `xml:"xmlns:xsd,attr"`
	Facility string       `xml:"THONGTINDONVI>MACSKCB"`
	Info     thongTinHoSo `xml:"THONGTINHOSO"`
	Sign     string       `xml:"CHUKYDONVI"`
}

type thongTinHoSo struct {
	NgayLap string `xml:"NGAYLAP"`
	SoLuong int    `xml:"SOLUONGHOSO"`
	HoSo    []hoSo `xml:"DANHSACHHOSO>HOSO"`
}

type hoSo struct {
	Files []fileHoSo `xml:"FILEHOSO"`
}

type fileHoSo struct {
	Loai    string `xml:"LOAIHOSO"`
	NoiDung string `xml:"NOIDUNGFILE"`
}

// xml0Doc is the check-in table file.
type xml0Doc struct {
	XMLName xml.Name  `xml:"CHI_TIEU_TRANG_THAI_KCB"`
	List    []xml0Row `xml:"DSACH_TRANG_THAI_KCB>TRANG_THAI_KCB"`
	Sign    string    `xml:"CHUKYDONVI"`
}

// xml0Row holds the check-in table's fields in the standard's order.
type xml0Row struct {
	MaLK          string `xml:"MA_LK"`
	STT           int    `xml:"STT"`
	MaBN          string `xml:"MA_BN"`
	HoTen         string `xml:"HO_TEN"`
	SoCCCD        string `xml:"SO_CCCD"`
	NgaySinh      string `xml:"NGAY_SINH"`
	GioiTinh      string `xml:"GIOI_TINH"`
	MaTheBHYT     string `xml:"MA_THE_BHYT"`
	MaDKBD        string `xml:"MA_DKBD"`
	GtTheTu       string `xml:"GT_THE_TU"`
	GtTheDen      string `xml:"GT_THE_DEN"`
	MaDoiTuongKCB string `xml:"MA_DOITUONG_KCB"`
	NgayVao       string `xml:"NGAY_VAO"`
	NgayVaoNoiTru string `xml:"NGAY_VAO_NOI_TRU"`
	LyDoVNT       string `xml:"LY_DO_VNT"`
	MaLyDoVNT     string `xml:"MA_LY_DO_VNT"`
	MaLoaiKCB     string `xml:"MA_LOAI_KCB"`
	MaCSKCB       string `xml:"MA_CSKCB"`
	MaDichVu      string `xml:"MA_DICH_VU"`
	TenDichVu     string `xml:"TEN_DICH_VU"`
	MaThuoc       string `xml:"MA_THUOC"`
	TenThuoc      string `xml:"TEN_THUOC"`
	MaVatTu       string `xml:"MA_VAT_TU"`
	TenVatTu      string `xml:"TEN_VAT_TU"`
	NgayYL        string `xml:"NGAY_YL"`
	DuPhong       string `xml:"DU_PHONG"`
}

// xml1Doc holds the reception fields of the summary table, in order.
type xml1Doc struct {
	XMLName       xml.Name `xml:"TONG_HOP"`
	MaLK          string   `xml:"MA_LK"`
	STT           int      `xml:"STT"`
	MaBN          string   `xml:"MA_BN"`
	HoTen         string   `xml:"HO_TEN"`
	SoCCCD        string   `xml:"SO_CCCD"`
	NgaySinh      string   `xml:"NGAY_SINH"`
	GioiTinh      string   `xml:"GIOI_TINH"`
	DiaChi        string   `xml:"DIA_CHI"`
	MaTheBHYT     string   `xml:"MA_THE_BHYT"`
	MaDKBD        string   `xml:"MA_DKBD"`
	GtTheTu       string   `xml:"GT_THE_TU"`
	GtTheDen      string   `xml:"GT_THE_DEN"`
	NgayVao       string   `xml:"NGAY_VAO"`
	MaCSKCB       string   `xml:"MA_CSKCB"`
	MaKhuVuc      string   `xml:"MA_KHUVUC"`
	NamNamLienTuc string   `xml:"NAM_NAM_LIEN_TUC"`
}

func xml0Of(c Checkin, stt int) xml0Row {
	ep := episodeOf(c)
	return xml0Row{MaLK: ep.MaLK, STT: stt, MaBN: ep.MaBN, HoTen: c.HoTen, SoCCCD: c.SoCCCD,
		NgaySinh: birthXML(c.NgaySinh), GioiTinh: sexXML(c.GioiTinh), MaTheBHYT: c.MaThe,
		MaDKBD: c.MaDKBD, GtTheTu: dateXML(c.GtTheTu), GtTheDen: dateXML(c.GtTheDen),
		MaDoiTuongKCB: ep.MaDoiTuongKCB, NgayVao: timeXML(c.Time), MaLoaiKCB: ep.MaLoaiKCB, MaCSKCB: c.Facility}
}

// episodeOf is c's episode, or the zero Episode (every field empty).
func episodeOf(c Checkin) Episode {
	if c.Episode == nil {
		return Episode{}
	}
	return *c.Episode
}

func xml1Of(c Checkin, stt int) xml1Doc {
	ep := episodeOf(c)
	return xml1Doc{MaLK: ep.MaLK, STT: stt, MaBN: ep.MaBN, HoTen: c.HoTen, SoCCCD: c.SoCCCD,
		NgaySinh: birthXML(c.NgaySinh), GioiTinh: sexXML(c.GioiTinh), DiaChi: c.DiaChi,
		MaTheBHYT: c.MaThe, MaDKBD: c.MaDKBD, GtTheTu: dateXML(c.GtTheTu), GtTheDen: dateXML(c.GtTheDen),
		NgayVao: timeXML(c.Time), MaCSKCB: c.Facility, MaKhuVuc: c.MaKV, NamNamLienTuc: dateXML(c.NgayDu5Nam)}
}

// birthXML turns yyyy-mm-dd, yyyy-mm, yyyy (the read result) or dd/MM/yyyy,
// MM/yyyy (the roster) into the standard's yyyyMMddHHmm with unknown parts as
// zeros: yyyyMM000000, yyyy00000000.
func birthXML(s string) string {
	switch {
	case len(s) == 10 && s[4] == '-' && s[7] == '-':
		return s[0:4] + s[5:7] + s[8:10] + "0000"
	case len(s) == 7 && s[4] == '-' && isDigits(s[0:4], 4) && isDigits(s[5:7], 2) && s[5:7] >= "01" && s[5:7] <= "12":
		return s[0:4] + s[5:7] + "000000"
	case isDigits(s, 4):
		return s + "00000000"
	case len(s) == 7 && s[2] == '/' && isDigits(s[0:2], 2) && isDigits(s[3:], 4) && s[0:2] >= "01" && s[0:2] <= "12":
		// The roster's MM/yyyy.
		return s[3:] + s[0:2] + "000000"
	}
	if t, ok := parseDMY(s); ok {
		return t.Format("20060102") + "0000"
	}
	return ""
}

// dateXML turns the gateway's dd/MM/yyyy into yyyyMMdd; "" if unreadable.
func dateXML(s string) string {
	if t, ok := parseDMY(s); ok {
		return t.Format("20060102")
	}
	return ""
}

func timeXML(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(vietnamTime).Format("200601021504")
}

// sexXML is GIOI_TINH: 1 Nam, 2 Nữ, 3 not determined.
func sexXML(s string) string {
	switch strings.ToLower(s) {
	case "nam", "m", "male":
		return "1"
	case "nữ", "f", "female":
		return "2"
	}
	return strconv.Itoa(3)
}
