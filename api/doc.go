// Package api is the agent's local HTTP face: the REST API under /api/v1 and
// the WebSocket event stream for the hospital information system (HIS), the
// embedded reception console at /, /metrics for Prometheus and /healthz.
//
// Security model (docs/API.md has the long form):
//   - It listens on 127.0.0.1 by default and refuses any request whose Host
//     header is not the listen address, localhost or 127.0.0.1 (DNS rebinding).
//   - Programs authenticate with the bearer token written at first start to
//     DIR/api-token (mode 0600).
//   - Browsers never see that token. A page from an allowed origin (the
//     console's own origin or a configured HIS origin; no wildcards) calls
//     POST /api/v1/session and gets an HttpOnly session cookie plus a CSRF
//     token in the body; every later call from the browser carries both and an
//     allowed Origin. CORS answers only allowed origins, so a foreign page can
//     neither read the CSRF token nor use the cookie.
//   - Private Network Access preflights are answered for allowed origins only.
//   - Bodies are capped, calls are rate limited, and every error is JSON with a
//     code and a one-line message.
package api
