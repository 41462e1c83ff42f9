package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/cccd-agent/cccd/checkin"
	"github.com/cccd-agent/cccd/icao/lds"
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
	var (
		seen    []string
		stream  []byte // every event as sent
		readID  string
		states  []string // the reader's state changes, as reader-state events
		removed = false
	)
	for !removed {
		var ev struct {
			checkin.Event
			Data struct {
				Seq    uint64 `json:"seq"`
				ReadID string `json:"read_id"`
				Read   struct {
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
		_, raw, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("after %v: %v", seen, err)
		}
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		stream = append(stream, raw...)
		if ev.Type == "reader-state" {
			var st struct {
				Data checkin.ReaderInfo `json:"data"`
			}
			if err := json.Unmarshal(raw, &st); err != nil {
				t.Fatal(err)
			}
			states = append(states, string(st.Data.State))
			continue
		}
		if len(seen) == 0 || seen[len(seen)-1] != ev.Type {
			seen = append(seen, ev.Type)
		}
		switch ev.Type {
		case "result":
			if ev.Data.Seq == 0 || ev.Data.Read.Access != "PACE-CAN" || ev.Data.Read.Verification.Status != "verified" || ev.Data.Eligibility.Status != "eligible" {
				t.Fatalf("result event %+v", ev.Data)
			}
			readID = ev.Data.ReadID
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
	// The key came first (the idle reader says it is ready), so the reader
	// went straight to reading.
	if got := strings.Join(states, " "); got != "idle reading result removed" {
		t.Errorf("reader states %q, want idle reading result removed", got)
	}
	checkEventsAreTrimmed(t, a, stream, readID)
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

// checkEventsAreTrimmed: what every subscriber of the event stream saw of
// the tap holds none of DG13's private fields, no MRZ (the chip's BAC key)
// and no photo bytes; the photo and the QĐ 4750 fields come from
// GET /api/v1/reads/{id}, for a token holder only, and still never the
// private fields.
func checkEventsAreTrimmed(t *testing.T, a *runningAgent, stream []byte, readID string) {
	t.Helper()
	p, err := sim.DemoProfile()
	if err != nil {
		t.Fatal(err)
	}
	dg13, err := lds.ParseDG13(p.Files["DG13"])
	if err != nil {
		t.Fatal(err)
	}
	photo, err := lds.ParseDG2(p.Files["DG2"])
	if err != nil {
		t.Fatal(err)
	}
	photoB64 := base64.StdEncoding.EncodeToString(photo.Data)[:40]
	private := map[string]string{"identifying marks": dg13.IdentifyingMarks, "father": dg13.FatherName,
		"mother": dg13.MotherName, "spouse": dg13.SpouseName, "old ID": dg13.OldIDNumber,
		"MRZ": p.MRZ[:30], "photo bytes": photoB64}
	for what, v := range private {
		if v == "" && what != "spouse" && what != "old ID" {
			t.Fatalf("the demo card has no %s: the test would prove nothing", what)
		}
		if v != "" && bytes.Contains(stream, []byte(v)) {
			t.Errorf("an event carried the %s", what)
		}
	}
	if !bytes.Contains(stream, []byte(`"religion":""`)) || bytes.Contains(stream, []byte(`"ethnicity":"`+dg13.Ethnicity)) {
		t.Errorf("events carry religion or ethnicity")
	}
	if readID == "" {
		t.Fatal("the result event names no read_id")
	}
	get := func(token string) (int, []byte, http.Header) {
		req, _ := http.NewRequest("GET", strings.TrimSuffix(a.URL, "/")+"/api/v1/reads/"+readID, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body, resp.Header
	}
	if code, _, _ := get(""); code != http.StatusUnauthorized {
		t.Fatalf("GET /api/v1/reads/{id} without a token: %d", code)
	}
	code, body, hdr := get(a.Token)
	if code != http.StatusOK || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET /api/v1/reads/{id}: %d, Cache-Control %q", code, hdr.Get("Cache-Control"))
	}
	var pulled checkin.ReadResult
	if err := json.Unmarshal(body, &pulled); err != nil {
		t.Fatal(err)
	}
	if pulled.Photo == nil || !bytes.Equal(pulled.Photo.Data, photo.Data) || pulled.Personal == nil ||
		pulled.Personal.Ethnicity != dg13.Ethnicity || pulled.Personal.PlaceOfResidence != dg13.PlaceOfResidence {
		t.Fatal("the pulled read lacks the photo, ethnicity or address")
	}
	for what, v := range private {
		if what != "photo bytes" && what != "old ID" && v != "" && bytes.Contains(body, []byte(v)) {
			t.Errorf("the pulled read carried the %s", what)
		}
	}
	if pulled.Personal.Religion != "" {
		t.Error("the pulled read carried the religion")
	}
}
