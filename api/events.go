package api

import (
	"context"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/cccd-agent/cccd/cache"
)

// handleEvents upgrades to a WebSocket and streams the backend's events.
// The origin was checked by protect; the library's own same-origin check
// would refuse the configured HIS origins, so it is told to skip it.
//
// The subscription starts before the upgrade is answered: a client that acts
// as soon as its Dial returns (submits a key, say) must see every event that
// follows, card-present included.
// sessionRecheck is how often an event stream opened by a browser session
// checks that the session still stands.
var sessionRecheck = 2 * time.Second

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	if n := s.subs.Add(1); int(n) > s.cfg.MaxSubscribers {
		s.subs.Add(-1)
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, codeUnavailable, "too many event subscribers; close another one and retry")
		return
	}
	defer s.subs.Add(-1)
	s.audit(r, cache.AuditRecord{Event: "events-subscribed", Result: "ok"})
	events, cancel := s.backend.Subscribe()
	defer cancel()
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true,
		// A page that offered its session token as a subprotocol must get
		// one back, or the browser drops the connection.
		Subprotocols: []string{eventsProtocol}})
	if err != nil {
		return // Accept has answered the client already
	}
	defer conn.CloseNow()
	ctx := conn.CloseRead(r.Context())
	ping := time.NewTicker(30 * time.Second)
	defer ping.Stop()
	// A browser session's stream ends with the session (sign-out, lock,
	// shift limit): events carry patients' data.
	cookie, _ := r.Context().Value(sessionCookieKey{}).(string)
	recheck := time.NewTicker(sessionRecheck)
	defer recheck.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-recheck.C:
			if cookie != "" && !s.guard.sessions.alive(cookie) {
				conn.Close(websocket.StatusPolicyViolation, "signed out")
				return
			}
		case ev, ok := <-events:
			if !ok {
				conn.Close(websocket.StatusGoingAway, "agent shutting down")
				return
			}
			b, err := ev.JSON()
			if err != nil {
				continue // an event that does not encode is not sent
			}
			wctx, done := context.WithTimeout(ctx, 5*time.Second)
			err = conn.Write(wctx, websocket.MessageText, b)
			done()
			if err != nil {
				return
			}
		case <-ping.C:
			pctx, done := context.WithTimeout(ctx, 10*time.Second)
			err := conn.Ping(pctx)
			done()
			if err != nil {
				return
			}
		}
	}
}
