// Package safehttp makes the HTTP clients of outbound calls that carry
// secrets or personal data (the BHXH gateway, the HIS webhook): a redirect
// never takes a request to another host, the token call is never redirected
// at all, no Referer is sent, and plain http is refused unless the
// configuration says insecure_http (tests, a lab).
package safehttp

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ErrInsecureURL: an http:// URL without the insecure_http switch.
var ErrInsecureURL = errors.New("URL must be https (set insecure_http only for tests)")

// CheckURL accepts an https URL with a host, or an http one when insecure.
// The error never repeats the URL (it may carry a secret).
func CheckURL(raw string, insecure bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, errors.New("URL must be of the form https://host/")
	}
	if u.Scheme == "http" && !insecure {
		return nil, ErrInsecureURL
	}
	return u, nil
}

// Redirects says which redirects a client follows.
type Redirects int

const (
	// NoRedirect: every redirect is refused; the caller gets the 3xx answer.
	NoRedirect Redirects = iota
	// SameHost: a redirect is followed only to the same scheme and host:port.
	SameHost
)

// maxRedirects bounds same-host redirect chains.
const maxRedirects = 5

// Client returns a copy of base (nil: a new client over
// http.DefaultTransport) that follows redirects as r says. A refused
// redirect is not an error: the caller receives the 3xx response itself,
// and so never counts it as success.
func Client(base *http.Client, r Redirects) *http.Client {
	c := &http.Client{}
	if base != nil {
		*c = *base
	}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		// net/http sets Referer from the previous URL, which may carry
		// secrets in its query string: never send one.
		req.Header.Del("Referer")
		if r == NoRedirect || len(via) == 0 || len(via) >= maxRedirects || !sameOrigin(via[0].URL, req.URL) {
			return http.ErrUseLastResponse
		}
		return nil
	}
	return c
}

// FromOrigin reports whether a response came from the same scheme and
// host:port as want (after any redirects the client followed).
func FromOrigin(resp *http.Response, want *url.URL) bool {
	return resp != nil && resp.Request != nil && sameOrigin(want, resp.Request.URL)
}

func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(hostPort(a), hostPort(b))
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return u.Hostname() + ":443"
	case "http":
		return u.Hostname() + ":80"
	}
	return u.Host
}

// Describe is a one-line description of a redirect answer for errors and
// logs: the status only, never the Location (it may carry a secret).
func Describe(status int) string {
	return fmt.Sprintf("HTTP %d redirect refused (another host, or a call that must not be redirected)", status)
}
