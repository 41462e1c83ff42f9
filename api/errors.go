package api

import (
	"encoding/json"
	"net/http"
)

// apiError is the JSON body of every error response.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error codes returned in apiError.Code.
const (
	codeUnauthorized    = "unauthorized"
	codeForbiddenOrigin = "forbidden-origin"
	codeForbiddenHost   = "forbidden-host"
	codeForbiddenPeer   = "forbidden-peer"
	codeForbidden       = "forbidden" // authenticated, but not the kind of caller this is for
	codeTooLarge        = "request-too-large"
	codeBadRequest      = "bad-request"
	codeNotFound        = "not-found"
	codeRateLimited     = "rate-limited"
	codeThrottled       = "throttled"
	codeTooManySessions = "too-many-sessions"
	codeMethod          = "method-not-allowed"
	codeConflict        = "conflict"
	codeUnavailable     = "unavailable"
	codeInternal        = "internal"
	codeRefused         = "refused" // an import the agent checked and refused (bad file, shrinking roster)
)

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, apiError{Code: code, Message: message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
