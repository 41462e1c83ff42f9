// Package gateway is a client of the BHXH card-check web service
// (egw.baohiemxahoi.gov.vn, Phụ lục 03 of CV 1923/BHXH-CNTT): it takes a token with
// api/token/take (username + MD5 of the password), looks a card up with
// api/egw/KQNhanLichSuKCB2024 naming the staff member (hoTenCb, cccdCb), and
// turns the result code into a typed Answer the eligibility rules consume.
//
// Secrets: the gateway wants the MD5 password and the token in the query
// string. No URL, request body or response body ever reaches an error or a
// log line from this package; errors name the endpoint and the result code.
package gateway
