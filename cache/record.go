package cache

// RosterRecord is one insured person in the local roster, in the field names
// of the BHXH gateway (docs/FORMATS.md "Roster records"). Dates are kept as the
// gateway writes them (dd/MM/yyyy); the eligibility rules parse them.
type RosterRecord struct {
	SoCCCD     string `json:"soCCCD"`     // 12-digit citizen ID number (the primary key)
	MaThe      string `json:"maThe"`      // BHYT card number, 15 or 10 characters
	MaSoBHXH   string `json:"maSoBHXH"`   // 10-digit social-insurance number
	HoTen      string `json:"hoTen"`      // full name, NFC UTF-8
	NgaySinh   string `json:"ngaySinh"`   // date of birth dd/MM/yyyy (or yyyy alone)
	GioiTinh   string `json:"gioiTinh"`   // sex as the gateway writes it
	DiaChi     string `json:"diaChi"`     // address
	MaDKBD     string `json:"maDKBD"`     // facility of first registration (code)
	TenDKBD    string `json:"tenDKBD"`    // its name
	GtTheTu    string `json:"gtTheTu"`    // card valid from dd/MM/yyyy
	GtTheDen   string `json:"gtTheDen"`   // card valid until dd/MM/yyyy
	MaKV       string `json:"maKV"`       // area code (K1/K2/K3)
	NgayDu5Nam string `json:"ngayDu5Nam"` // date of five continuous years
	MucHuong   string `json:"mucHuong"`   // benefit level
	TrangThai  string `json:"trangThai"`  // status as published (result-code semantics)
	CapNhat    string `json:"capNhat"`    // last update of this record at the source
}
