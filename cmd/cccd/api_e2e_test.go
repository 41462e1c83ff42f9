package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/cccd-agent/cccd/checkin"
	"github.com/cccd-agent/cccd/reader/sim"
)

func apiPost(t *testing.T, a *runningAgent, path, body string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", strings.TrimSuffix(a.URL, "/")+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+a.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestEventStreamCompleteRead follows one tap on the real agent through the
// WebSocket: card-present → progress → result → card-removed.
func TestEventStreamCompleteRead(t *testing.T) {
	a := startDemo(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	wsURL := "ws" + strings.TrimPrefix(strings.TrimSuffix(a.URL, "/"), "http") + "/api/v1/events"
	conn, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + a.Token}}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	reader := "/api/v1/readers/" + sim.SlotPrefix + "demo"
	if code := apiPost(t, a, reader+"/key", `{"key":"`+sim.DemoCAN+`"}`); code != 200 {
		t.Fatalf("submit key: %d", code)
	}
	if code := apiPost(t, a, reader+"/sim/insert", ""); code != 200 {
		t.Fatalf("insert: %d", code)
	}
	var seen []string
	removed := false
	for !removed {
		var ev struct {
			checkin.Event
			Data struct {
				Seq  uint64 `json:"seq"`
				Read struct {
					Access       string `json:"access"`
					Verification struct {
						Status string `json:"status"`
					} `json:"verification"`
				} `json:"read"`
				Eligibility struct {
					Status string `json:"status"`
				} `json:"eligibility"`
			} `json:"data"`
		}
		if err := wsjson.Read(ctx, conn, &ev); err != nil {
			t.Fatalf("after %v: %v", seen, err)
		}
		if len(seen) == 0 || seen[len(seen)-1] != ev.Type {
			seen = append(seen, ev.Type)
		}
		switch ev.Type {
		case "result":
			if ev.Data.Seq == 0 || ev.Data.Read.Access != "PACE-CAN" || ev.Data.Read.Verification.Status != "verified" || ev.Data.Eligibility.Status != "eligible" {
				t.Fatalf("result event %+v", ev.Data)
			}
			if code := apiPost(t, a, reader+"/sim/remove", ""); code != 200 {
				t.Fatalf("remove: %d", code)
			}
		case "card-removed":
			removed = true
		case "error":
			t.Fatalf("error event during the read; events %v", seen)
		}
	}
	want := []string{"card-present", "progress", "result", "checkin", "card-removed"}
	got := strings.Join(seen, " ")
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Fatalf("events %v lack %s", seen, w)
		}
	}
	// The read shows in /metrics (bearer token only), with no personal data.
	req, _ := http.NewRequest("GET", strings.TrimSuffix(a.URL, "/")+"/metrics", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/metrics without a token: %v %v", err, resp)
	}
	req.Header.Set("Authorization", "Bearer "+a.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`cccd_reads_total{outcome="verified"} 1`, `cccd_checkins_total{eligibility="eligible"} 1`, "cccd_read_duration_seconds_count 1", "cccd_roster_records"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	for _, leak := range []string{sim.DemoID, sim.DemoName, "NGUYEN"} {
		if strings.Contains(string(body), leak) {
			t.Errorf("/metrics holds personal data %q", leak)
		}
	}
	if strings.Index(got, "card-present") > strings.Index(got, "progress") || strings.Index(got, "progress") > strings.Index(got, "result") || strings.Index(got, "result") > strings.Index(got, "card-removed") {
		t.Fatalf("events out of order: %v", seen)
	}
}
