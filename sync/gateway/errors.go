package gateway

import (
	"errors"
	"fmt"
)

// Sentinel errors callers branch on.
var (
	// ErrUnavailable: the gateway could not be reached, timed out or failed
	// (HTTP 5xx, result codes 100/101/500); fall back to the cache or roster.
	ErrUnavailable = errors.New("BHXH gateway unavailable")
	// ErrAuth: the facility account was refused (token result 401/402/403,
	// or lookups still unauthenticated after a fresh token); fix the
	// gateway username/password in the configuration.
	ErrAuth = errors.New("BHXH gateway refused the facility account")
	// ErrConfig: the gateway refused the request's setup, not the patient
	// (054/055 staff not registered or name mismatch, 205 parameter format).
	ErrConfig = errors.New("BHXH gateway configuration error")
	// ErrBadResponse: the gateway answered something that is not its JSON.
	ErrBadResponse = errors.New("BHXH gateway answered an unexpected response")
	// ErrInvalidRequest: the lookup lacks a required field; nothing was sent.
	ErrInvalidRequest = errors.New("card-check request incomplete")
)

// ResultError is a gateway result code that is not an answer about the
// patient. It unwraps to ErrConfig, ErrAuth or ErrUnavailable.
type ResultError struct {
	Endpoint string // "token/take" or "KQNhanLichSuKCB2024"
	Code     string // maKetQua
	Class    Class
	Meaning  string
}

// Error names the endpoint, the code and its meaning; nothing personal.
func (e *ResultError) Error() string {
	return fmt.Sprintf("BHXH gateway %s: result %s (%s)", e.Endpoint, e.Code, e.Meaning)
}

// Unwrap returns the sentinel for the code's class.
func (e *ResultError) Unwrap() error {
	switch {
	case e.Code == "401" || (e.Endpoint == epToken && (e.Code == "402" || e.Code == "403")):
		return ErrAuth
	case e.Class == ClassConfig:
		return ErrConfig
	default:
		return ErrUnavailable
	}
}
