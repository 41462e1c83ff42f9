package checkin

import (
	"errors"

	"github.com/cccd-agent/cccd/icao"
	"github.com/cccd-agent/cccd/icao/access"
	"github.com/cccd-agent/cccd/reader"
)

// Messages for the receptionist, Vietnamese first (the console shows
// MessageEN when switched to English). They say what happened and what to do.
const (
	msgCardMute   = "Thẻ không phản hồi: lấy thẻ ra và đặt lại, giữ yên trên đầu đọc."
	msgKeyTimeout = "Chưa nhập mã CAN: nhập 6 số cuối của số CCCD rồi đặt lại thẻ."
	msgNoReader   = "Không mở được đầu đọc: kiểm tra cáp hoặc chạy cccd doctor."
)

// errNotSaved: the read succeeded but its check-in could not be stored (it
// waits in memory, unsaved.go).
var errNotSaved = errors.New("check-in not saved")

// ErrorEvents maps what went wrong to a code and the two messages. The first
// match wins.
var ErrorEvents = []struct {
	err    error
	code   string
	vi, en string
}{
	{errNotSaved, "cannot-save",
		"Đã đọc thẻ nhưng chưa lưu được lượt tiếp đón (ổ đĩa đầy hoặc lỗi ghi): máy giữ lại và sẽ tự lưu khi có chỗ — báo bộ phận kỹ thuật.",
		"The card was read but the check-in could not be saved (disk full or a write error): it is kept and saved once there is room — call IT."},
	{icao.ErrAccessDenied, "wrong-key",
		// The CCCD prints no separate CAN: it is the ID number's last 6 digits.
		"Sai mã CAN: kiểm tra 6 số cuối của số CCCD và nhập lại.",
		"Wrong CAN: check the last 6 digits of the ID number and type them again."},
	{access.ErrNoKey, "key-unusable",
		"Thẻ này không mở được bằng mã CAN: quét mã QR trên thẻ (hoặc nhập dòng MRZ) rồi đặt lại thẻ.",
		"This card's chip does not take the CAN: scan the QR code on the card (or type its MRZ), then lay the card again."},
	{reader.ErrCardRemoved, "card-removed",
		"Thẻ bị lấy ra khi đang đọc: đặt lại thẻ và giữ yên.",
		"The card left the reader during the read: lay it down again and keep it still."},
	{reader.ErrNoCard, "no-card",
		"Không thấy thẻ trên đầu đọc: đặt thẻ lên giữa đầu đọc.",
		"No card on the reader: lay the card in the middle of the reader."},
	{reader.ErrTimeout, "timeout",
		"Thẻ không trả lời kịp: lấy thẻ ra và đặt lại.",
		"The card did not answer in time: lift it and lay it down again."},
	{reader.ErrNoService, "no-service",
		"Dịch vụ thẻ thông minh (pcscd) không chạy: báo bộ phận kỹ thuật.",
		"The smart-card service (pcscd) is not running: call IT (cccd doctor tells how to start it)."},
	{reader.ErrReaderBusy, "reader-busy",
		"Đầu đọc đang bị chương trình khác dùng: đóng chương trình đó rồi thử lại.",
		"Another program is using the reader: close it and try again."},
	{reader.ErrNoReader, "no-reader",
		"Không tìm thấy đầu đọc: kiểm tra cáp USB.",
		"Reader not found: check its USB cable."},
}

// describeReadError turns a failed read into what the console shows.
func describeReadError(err error) ErrorEvent {
	for _, m := range ErrorEvents {
		if errors.Is(err, m.err) {
			return ErrorEvent{Code: m.code, Message: m.vi, MessageEN: m.en}
		}
	}
	return ErrorEvent{Code: "read-error",
		Message:   "Không đọc được thẻ: đặt lại thẻ; nếu vẫn lỗi, báo bộ phận kỹ thuật.",
		MessageEN: "The card could not be read: lay it down again; if it keeps failing, call IT (cccd doctor)."}
}
