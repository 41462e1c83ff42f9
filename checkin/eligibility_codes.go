package checkin

import "fmt"

// codeRule is what a BHXH result code (maKetQua, Phụ lục 03 of CV 1923/BHXH-CNTT) means at
// reception. Codes whose status is Eligible still go through the card's
// validity window.
type codeRule struct {
	status EligibilityStatus
	msg    message
}

// resultCodes maps every documented maKetQua. 000–004 are good cards;
// 001/002 are military and police cards the gateway does not vouch for;
// codes about the lookup itself (054, 055, 205, 401, 100, 101, 500) are not
// the patient's problem and give UnknownEligibility.
var resultCodes = map[string]codeRule{
	"000": {Eligible, msgValid},
	"001": {ManualCheck, msgDefence},
	"002": {ManualCheck, msgPolice},
	"003": {Eligible, msgValid},
	"004": {Eligible, msgValid},
	"010": {NotEligible, msgExpiredCode},
	"050": {NotFound, msgNoRecord},
	"051": {ManualCheck, msgWrongCard},
	"052": {ManualCheck, msgWrongCard},
	"053": {ManualCheck, msgWrongCard},
	"054": {UnknownEligibility, msgStaffNotRegistered},
	"055": {UnknownEligibility, msgStaffName},
	"060": {ManualCheck, msgWrongName},
	"061": {ManualCheck, msgWrongName},
	"070": {ManualCheck, msgWrongDOB},
	"100": {UnknownEligibility, msgServer},
	"101": {UnknownEligibility, msgServer},
	"110": {NotEligible, msgRevoked},
	"120": {NotEligible, msgStopped},
	// 121–123: báo giảm because the person moved or was re-enrolled; they
	// may be insured under a new record, so staff check rather than refuse.
	"121": {ManualCheck, msgMovedProvince},
	"122": {ManualCheck, msgMovedWithin},
	"123": {ManualCheck, msgReEnrolled},
	"124": {NotEligible, msgStopped},
	"130": {ManualCheck, msgChildNoCard},
	"205": {UnknownEligibility, msgConfig},
	"401": {UnknownEligibility, msgAuth},
	"500": {UnknownEligibility, msgServer},
}

// message is one text in Vietnamese and English, with fmt verbs for dates
// or codes (never personal data).
type message struct{ vi, en string }

func (m message) format(lang string, args ...any) string {
	s := m.vi
	if lang == "en" {
		s = m.en
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

var (
	msgValid = message{
		"Thẻ BHYT còn giá trị sử dụng đến %s.",
		"Health insurance card valid until %s."}
	msgProvisional = message{
		"Thẻ còn hạn đến %s theo dữ liệu lưu ngày %s (chưa tra cứu trực tuyến): tạm chấp nhận, tra cứu lại khi có mạng.",
		"Card valid until %s per data stored on %s (not checked online): provisionally accepted, re-check when online."}
	msgNoRecord = message{
		"Không tìm thấy thông tin thẻ BHYT: kiểm tra thẻ giấy hoặc ứng dụng VssID.",
		"No health insurance record found: check the paper card or the VssID app."}
	msgUnknownCode = message{
		"Mã kết quả %s chưa được hỗ trợ: kiểm tra thẻ thủ công.",
		"Result code %s is not supported: check the card by hand."}
	msgBadDates = message{
		"Không đọc được hạn thẻ: kiểm tra thẻ và giấy tờ tùy thân.",
		"The card's validity dates are unreadable: check the card and ID papers."}
	msgNotYetValid = message{
		"Thẻ BHYT chưa có giá trị sử dụng (từ ngày %s).",
		"Health insurance card not valid yet (valid from %s)."}
	msgExpired = message{
		"Thẻ BHYT đã hết hạn sử dụng (ngày %s).",
		"Health insurance card expired (%s)."}
	msgNewCardLater = message{
		"Thẻ cũ hết hạn ngày %s; thẻ mới có giá trị từ ngày %s.",
		"The old card expired on %s; the new card is valid from %s."}
	msgExpiredCode = message{
		"Thẻ BHYT đã hết hạn sử dụng.",
		"Health insurance card expired."}
	msgDefence = message{
		"Thẻ do BHXH Bộ Quốc phòng quản lý: kiểm tra thẻ BHYT và giấy tờ tùy thân.",
		"Card managed by the Ministry of Defence social insurance: check the card and ID papers."}
	msgPolice = message{
		"Thẻ do BHXH Bộ Công an quản lý: kiểm tra thẻ BHYT và giấy tờ tùy thân.",
		"Card managed by the Ministry of Public Security social insurance: check the card and ID papers."}
	msgWrongCard = message{
		"Mã thẻ BHYT không đúng: kiểm tra lại số thẻ.",
		"Wrong health insurance card number: check the number."}
	msgWrongName = message{
		"Họ tên không khớp với thẻ BHYT: kiểm tra giấy tờ tùy thân.",
		"The name does not match the card: check the ID papers."}
	msgWrongDOB = message{
		"Ngày sinh không khớp với thẻ BHYT: kiểm tra giấy tờ tùy thân.",
		"The date of birth does not match the card: check the ID papers."}
	msgRevoked = message{
		"Thẻ BHYT đã bị thu hồi.",
		"Health insurance card revoked."}
	msgStopped = message{
		"Thẻ BHYT đã báo giảm (dừng tham gia): thẻ này không còn giá trị; hỏi người bệnh có thẻ mới không (VssID).",
		"Health insurance card reported as stopped (participation ended): this card is no longer valid; ask whether the patient has a new card (VssID)."}
	// 121–123 quote BHXH's result texts (Phụ lục 03 of CV 1923/BHXH-CNTT,
	// p. 5) and say what to do.
	msgMovedProvince = message{
		"Thẻ đã báo giảm. Chuyển ngoại tỉnh: người bệnh có thể đã có thẻ mới ở tỉnh khác, kiểm tra thẻ mới (VssID) rồi tra cứu lại.",
		"Card reported as reduced: moved to another province. The patient may hold a new card there: check it (VssID) and look it up again."}
	msgMovedWithin = message{
		"Thẻ đã báo giảm. Chuyển nội tỉnh: người bệnh có thể đã có thẻ mới, kiểm tra thẻ mới (VssID) rồi tra cứu lại.",
		"Card reported as reduced: moved within the province. The patient may hold a new card: check it (VssID) and look it up again."}
	msgReEnrolled = message{
		"Thẻ đã báo giảm. Thu hồi do tăng cùng đơn vị: người bệnh có thể đã có thẻ mới, kiểm tra thẻ mới (VssID) rồi tra cứu lại.",
		"Card reported as reduced: withdrawn on re-enrolment at the same unit. The patient may hold a new card: check it (VssID) and look it up again."}
	msgReplacedNoNewCard = message{
		"BHXH báo thẻ đã được cấp đổi (mã 003) nhưng thẻ cũ đã hết hạn ngày %s và không có thẻ mới còn giá trị: không hưởng BHYT với thẻ này, kiểm tra thẻ mới của người bệnh (VssID).",
		"BHXH says the card was replaced (code 003), but the old card expired on %s and there is no valid new card: not covered with this card; check the patient's new card (VssID)."}
	msgChildNoCard = message{
		"Trẻ em chưa có thẻ BHYT: tra cứu thẻ tạm trên cổng giám định.",
		"Child without a card: look up the temporary card on the gateway."}
	msgStaffNotRegistered = message{
		"CCCD của cán bộ tra cứu chưa được đăng ký với BHXH: cập nhật cấu hình tài khoản.",
		"The lookup operator's ID is not registered with BHXH: fix the account settings."}
	msgStaffName = message{
		"Họ tên cán bộ tra cứu không khớp với CCCD: cập nhật cấu hình tài khoản.",
		"The lookup operator's name does not match their ID: fix the account settings."}
	msgServer = message{
		"Cổng giám định BHYT đang lỗi: thử lại sau.",
		"The insurance gateway reported a server error: try again later."}
	msgConfig = message{
		"Tham số tra cứu sai định dạng: kiểm tra cấu hình.",
		"Lookup parameters malformed: check the configuration."}
	msgAuth = message{
		"Lỗi xác thực với cổng giám định BHYT: kiểm tra tài khoản.",
		"Authentication with the insurance gateway failed: check the account."}
)
