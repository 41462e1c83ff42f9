package gateway

// Class groups result codes by what the reception desk does with them.
type Class string

// Classes of result codes.
const (
	// ClassEligible: the card is valid (000, 003, 004).
	ClassEligible Class = "eligible"
	// ClassManualCheck: check the card and ID papers by hand (001, 002, 130),
	// or the patient data typed does not match the card (051–053, 060, 061, 070).
	ClassManualCheck Class = "manual-check"
	// ClassNotEligible: expired, revoked or stopped (010, 110, 120–124).
	ClassNotEligible Class = "not-eligible"
	// ClassNotFound: the gateway has no such card (050).
	ClassNotFound Class = "not-found"
	// ClassConfig: the facility's setup is wrong, not the patient (054, 055, 205, 401).
	ClassConfig Class = "config-error"
	// ClassServer: the gateway failed (100, 101, 500) or answered an unknown code.
	ClassServer Class = "server-error"
)

// codeInfo is one row of the official result-code table.
type codeInfo struct {
	class   Class
	meaning string
}

// resultCodes is the result-code list of Phụ lục 03 of CV 1923/BHXH-CNTT, meanings in
// English so they can be logged without personal data.
var resultCodes = map[string]codeInfo{
	"000": {ClassEligible, "card valid, data match"},
	"001": {ClassManualCheck, "card managed by the Ministry of Defence BHXH: check card and ID papers"},
	"002": {ClassManualCheck, "card managed by the Ministry of Public Security BHXH: check card and ID papers"},
	"003": {ClassEligible, "old card expired, a new card was issued"},
	"004": {ClassEligible, "old card still valid, a new card was issued"},
	"010": {ClassNotEligible, "card expired"},
	"050": {ClassNotFound, "no information for this card"},
	"051": {ClassManualCheck, "wrong card code"},
	"052": {ClassManualCheck, "wrong issuing-province code (characters 4-5)"},
	"053": {ClassManualCheck, "wrong benefit code (character 3)"},
	"054": {ClassConfig, "staff CCCD (cccdCb) is not a registered user of this facility"},
	"055": {ClassConfig, "staff name (hoTenCb) does not match the staff CCCD"},
	"060": {ClassManualCheck, "wrong name"},
	"061": {ClassManualCheck, "wrong name (first character correct)"},
	"070": {ClassManualCheck, "wrong date of birth"},
	"100": {ClassServer, "error reading card-book data"},
	"101": {ClassServer, "gateway server error"},
	"110": {ClassNotEligible, "card revoked"},
	"120": {ClassNotEligible, "card reported reduced/stopped"},
	"121": {ClassNotEligible, "reported reduced: moved to another province"},
	"122": {ClassNotEligible, "reported reduced: moved within the province"},
	"123": {ClassNotEligible, "reported reduced: re-added at the same employer"},
	"124": {ClassNotEligible, "reported reduced: stopped participating"},
	"130": {ClassManualCheck, "child without a BHYT card presented"},
	"205": {ClassConfig, "wrong parameter format"},
	"401": {ClassConfig, "authentication error"},
	"500": {ClassServer, "gateway server error"},
}

// Classify returns the class and the English meaning of a result code;
// unknown codes are ClassServer.
func Classify(code string) (Class, string) {
	if ci, ok := resultCodes[code]; ok {
		return ci.class, ci.meaning
	}
	return ClassServer, "unknown result code"
}
