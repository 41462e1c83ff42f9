package verify

import "strings"

// icaoToISO maps ICAO 9303 issuing-state codes (DG1) to the ISO 3166-1
// alpha-2 codes that DS certificates carry. It covers the countries of the
// test data, Vietnam's region and ICAO's special codes; a code not listed
// leaves the country check undecided ("country-unchecked"), never failed.
var icaoToISO = map[string]string{
	"D": "DE", "DEU": "DE", "AUT": "AT", "FIN": "FI", "FRA": "FR", "NLD": "NL", "BEL": "BE",
	"ITA": "IT", "ESP": "ES", "PRT": "PT", "CHE": "CH", "SWE": "SE", "NOR": "NO", "DNK": "DK",
	"POL": "PL", "CZE": "CZ", "RUS": "RU", "UKR": "UA", "LTU": "LT", "HUN": "HU",
	"GBR": "GB", "GBD": "GB", "GBN": "GB", "GBO": "GB", "GBP": "GB", "GBS": "GB",
	"USA": "US", "CAN": "CA", "AUS": "AU", "NZL": "NZ",
	"VNM": "VN", "KHM": "KH", "LAO": "LA", "THA": "TH", "MYS": "MY", "SGP": "SG", "IDN": "ID",
	"PHL": "PH", "CHN": "CN", "HKG": "HK", "MAC": "MO", "TWN": "TW", "JPN": "JP", "KOR": "KR",
	"IND": "IN", "MMR": "MM", "BRN": "BN",
}

// issuingStateISO returns the alpha-2 code of an MRZ issuing state ("D<<",
// "VNM", "GBR"), or "" when unknown.
func issuingStateISO(state string) string {
	return icaoToISO[strings.TrimRight(strings.ToUpper(state), "<")]
}

// dg1IssuingState extracts the issuing state (MRZ characters 3–5, the same
// position in TD1, TD2 and TD3) from EF.DG1: 61 { 5F1F MRZ }. The MRZ itself
// never leaves this function.
func dg1IssuingState(dg1 []byte) (string, bool) {
	mrz, ok := findTLV(dg1, 0x61, 0x5F1F)
	if !ok || len(mrz) < 5 {
		return "", false
	}
	return string(mrz[2:5]), true
}
