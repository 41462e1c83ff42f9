//go:build load

package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/cccd-agent/cccd/internal/testenv"
	"github.com/cccd-agent/cccd/reader/sim"
)

// The load test of issue #7: the real `cccd demo` with a 100,000-record
// roster from a signed feed served by nginx, 200 WebSocket clients on
// /api/v1/events, 1,000 roster lookups per second for 60 s, card taps every
// few seconds so events flow, and two roster syncs (a delta, then a full
// snapshot) during the window. Every request and every client must come
// through; the figures go to docs/PERFORMANCE.md.
//
// It is built only with -tags load (it takes a minute and both cores), never
// under `make test`:
//
//	go test -tags load ./cmd/cccd -run TestLoad -v -timeout 10m
//
// CCCD_LOAD_SECONDS shortens or lengthens the window (default 60).

const (
	loadRoster    = 100_000 // records of the first publication
	loadStable    = 90_000  // records 0..loadStable-1 are in every publication: lookups of them must hit
	loadWSClients = 200
	loadRate      = 1000 // lookups per second
	loadWorkers   = 64   // concurrent lookups at most
	loadHitShare  = 7    // of 10 lookups ask for a listed person
	loadTapEvery  = 5 * time.Second
	loadCatchUp   = 1500 // lookups per second at most while catching up
)

// loadID is the ID number of synthetic record i; missID is one that no
// publication lists.
func loadID(i int) string { return fmt.Sprintf("0791%08d", i) }
func missID(i int) string { return fmt.Sprintf("0792%08d", i) }

// loadCSV writes a roster CSV of records [0, n) minus del, plus add, with
// changed given a later card expiry; the demo person is always listed so
// taps show an insured patient.
func loadCSV(t *testing.T, path string, n int, del, add, changed [2]int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "soCCCD,maThe,maSoBHXH,hoTen,ngaySinh,gioiTinh,maDKBD,tenDKBD,gtTheTu,gtTheDen,mucHuong,trangThai,capNhat")
	now := time.Now()
	from, to := now.AddDate(0, -6, 0).Format("02/01/2006"), now.AddDate(1, 0, 0).Format("02/01/2006")
	fmt.Fprintf(w, "%s,GD4797901234567,7901234567,%s,17/05/1990,Nữ,%s,Phòng khám Demo,%s,%s,80,000,%s\n",
		sim.DemoID, sim.DemoName, demoFacility, from, to, now.Format("02/01/2006"))
	in := func(i int, r [2]int) bool { return i >= r[0] && i < r[1] }
	line := func(i int) {
		until := to
		if in(i, changed) {
			until = now.AddDate(2, 0, 0).Format("02/01/2006")
		}
		bhxh := fmt.Sprintf("79%08d", i)
		fmt.Fprintf(w, "%s,GD479%s,%s,Nguyễn Văn Thử Nghiệm,15/02/1990,Nam,79011,Bệnh viện Thử nghiệm,%s,%s,80,000,%s\n",
			loadID(i), bhxh, bhxh, from, until, now.Format("02/01/2006"))
	}
	for i := 0; i < n; i++ {
		if !in(i, del) {
			line(i)
		}
	}
	for i := add[0]; i < add[1]; i++ {
		line(i)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// loadKeys writes a fresh Ed25519 publisher key pair as PEM files.
func loadKeys(t *testing.T, dir string) (keyPath, pubPath string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p8, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	keyPath, pubPath = filepath.Join(dir, "key.pem"), filepath.Join(dir, "pub.pem")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki}), 0o644); err != nil {
		t.Fatal(err)
	}
	return keyPath, pubPath
}

// publishFeed runs `cccd roster publish`.
func publishFeed(t *testing.T, csv, key, out string) string {
	t.Helper()
	b, err := exec.Command(cccdBinary(t), "roster", "publish", "--in", csv, "--key", key, "--out", out).CombinedOutput()
	if err != nil {
		t.Fatalf("roster publish: %v\n%s", err, b)
	}
	return strings.TrimSpace(string(b))
}

// procStatus returns the named fields of /proc/PID/status in kB.
func procStatus(t *testing.T, pid int, fields ...string) map[string]int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, line := range strings.Split(string(b), "\n") {
		for _, f := range fields {
			if v, ok := strings.CutPrefix(line, f+":"); ok {
				n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				out[f] = n
			}
		}
	}
	return out
}

// procCPU is the user+system CPU time the process has used.
func procCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // fields from 3 on
	ut, _ := strconv.ParseInt(fields[11], 10, 64)                 // field 14
	st, _ := strconv.ParseInt(fields[12], 10, 64)                 // field 15
	return time.Duration(ut+st) * time.Second / 100               // USER_HZ is 100 on Linux
}

// apiDo makes one authenticated call and decodes a JSON answer into out.
func apiDo(ctx context.Context, c *http.Client, a *runningAgent, method, path string, body string, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(a.URL, "/")+path, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+a.Token)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("decode %s: %w", path, err)
		}
	}
	return resp.StatusCode, nil
}

// goroutines reads go_goroutines from /metrics.
func goroutines(ctx context.Context, a *runningAgent) (int, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimSuffix(a.URL, "/")+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+a.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_goroutines "); ok {
			n, err := strconv.ParseFloat(v, 64)
			return int(n), err
		}
	}
	return 0, fmt.Errorf("no go_goroutines in /metrics (HTTP %d)", resp.StatusCode)
}

// mustGoroutines is goroutines on the test goroutine.
func mustGoroutines(ctx context.Context, t *testing.T, a *runningAgent) int {
	t.Helper()
	n, err := goroutines(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// wsClient is one event-stream client of the load.
type wsClient struct {
	conn    *websocket.Conn
	events  atomic.Int64
	results atomic.Int64
	err     atomic.Value // error: why its stream ended early
}

func dialEvents(ctx context.Context, a *runningAgent) (*websocket.Conn, error) {
	url := "ws" + strings.TrimPrefix(strings.TrimSuffix(a.URL, "/"), "http") + "/api/v1/events"
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + a.Token}}})
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(4 << 20) // a result event carries the photo
	return conn, nil
}

func (c *wsClient) run(ctx context.Context) {
	for {
		var ev struct {
			Type string `json:"type"`
		}
		if err := wsjson.Read(ctx, c.conn, &ev); err != nil {
			if ctx.Err() == nil {
				c.err.Store(err)
			}
			return
		}
		c.events.Add(1)
		if ev.Type == "result" {
			c.results.Add(1)
		}
	}
}

// lookupSample is one roster lookup's outcome.
type lookupSample struct {
	at      time.Duration // when it was sent, from the window's start
	latency time.Duration // request sent → answer read
	late    time.Duration // scheduled → answer read (queueing included)
	syncing bool          // a roster sync was running when it was sent
}

type eligibilityAnswer struct {
	Status string `json:"status"`
	Source string `json:"source"`
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func TestLoad(t *testing.T) {
	window := 60 * time.Second
	if s := os.Getenv("CCCD_LOAD_SECONDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 10 || n > 600 {
			t.Fatalf("CCCD_LOAD_SECONDS=%q: want 10..600", s)
		}
		window = time.Duration(n) * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), window+5*time.Minute)
	defer cancel()

	// The feed: publication 1 in feed-a, served through a symlink so that
	// the snapshot-only publication 3 can replace the whole directory.
	work := t.TempDir()
	key, pub := loadKeys(t, work)
	feedA, feedB, current := filepath.Join(work, "feed-a"), filepath.Join(work, "feed-b"), filepath.Join(work, "current")
	v1, v2, v3 := filepath.Join(work, "v1.csv"), filepath.Join(work, "v2.csv"), filepath.Join(work, "v3.csv")
	none := [2]int{}
	loadCSV(t, v1, loadRoster, none, none, none)
	t.Logf("publication 1: %s", publishFeed(t, v1, key, feedA))
	if err := os.Symlink(feedA, current); err != nil {
		t.Fatal(err)
	}
	feedURL := testenv.StartNginx(t, current).URL

	start := time.Now()
	a := startDemo(t, "--feed", feedURL, "--pubkey", pub)
	pid := a.cmd.Process.Pid
	api := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: loadWorkers * 2}, Timeout: 30 * time.Second}
	var status struct {
		Roster struct {
			Version uint64 `json:"version"`
			Records int    `json:"records"`
		} `json:"roster"`
	}
	for deadline := time.Now().Add(2 * time.Minute); ; {
		if code, err := apiDo(ctx, api, a, "GET", "/api/v1/status", "", &status); err == nil && code == 200 && status.Roster.Records == loadRoster+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the agent did not sync the 100,000-record feed in 2 min; status %+v; log:\n%s", status, a.Log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("agent up with %d records (version %d) %s after start", status.Roster.Records, status.Roster.Version, time.Since(start).Round(time.Millisecond))
	v1Version := status.Roster.Version

	// Publications 2 (a delta: 2,000 changed, 1,000 removed, 1,000 added)
	// and 3 (a fresh directory, so a snapshot: 1,000 more removed and
	// added) are made now; the agent sees them only when told to sync.
	loadCSV(t, v2, loadRoster, [2]int{92_000, 93_000}, [2]int{100_000, 101_000}, [2]int{90_000, 92_000})
	t.Logf("publication 2: %s", publishFeed(t, v2, key, feedA))
	time.Sleep(1100 * time.Millisecond) // versions are seconds: 3 must come after 2
	loadCSV(t, v3, loadRoster, [2]int{92_000, 94_000}, [2]int{100_000, 102_000}, [2]int{90_000, 92_000})
	t.Logf("publication 3 (new directory, no deltas): %s", publishFeed(t, v3, key, feedB))

	loadBefore, _ := os.ReadFile("/proc/loadavg")
	memBefore := procStatus(t, pid, "VmHWM", "VmRSS")
	gorBefore := mustGoroutines(ctx, t, a)
	cpuBefore := procCPU(t, pid)
	selfBefore := procCPU(t, os.Getpid())

	// 200 event-stream clients.
	wctx, stopWS := context.WithCancel(ctx)
	defer stopWS()
	clients := make([]*wsClient, loadWSClients)
	var wsWG sync.WaitGroup
	for i := range clients {
		conn, err := dialEvents(ctx, a)
		if err != nil {
			t.Fatalf("WebSocket client %d: %v", i, err)
		}
		clients[i] = &wsClient{conn: conn}
		wsWG.Add(1)
		go func() { defer wsWG.Done(); clients[i].run(wctx) }()
	}
	gorClients := mustGoroutines(ctx, t, a)

	// The window: lookups, taps and the two syncs run side by side.
	var syncing atomic.Bool
	var failures atomic.Int64
	var firstFailure atomic.Value
	fail := func(format string, args ...any) {
		if failures.Add(1) == 1 {
			firstFailure.Store(fmt.Sprintf(format, args...))
		}
	}
	type job struct {
		id     string
		hit    bool
		sched  time.Time
		during bool
	}
	jobs := make(chan job, loadRate)
	windowStart := time.Now()
	samples := make([][]lookupSample, loadWorkers)
	var workers sync.WaitGroup
	for w := 0; w < loadWorkers; w++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for j := range jobs {
				sent := time.Now()
				var ans eligibilityAnswer
				code, err := apiDo(ctx, api, a, "GET", "/api/v1/roster/"+j.id, "", &ans)
				done := time.Now()
				switch {
				case err != nil:
					fail("lookup: %v", err)
				case code != 200:
					fail("lookup answered HTTP %d", code)
				case j.hit && (ans.Status == "not-found" || ans.Source != "roster"):
					fail("a listed person's lookup answered %+v", ans)
				case !j.hit && ans.Status != "not-found":
					fail("an unlisted person's lookup answered %+v", ans)
				}
				samples[w] = append(samples[w], lookupSample{at: sent.Sub(windowStart), latency: done.Sub(sent), late: done.Sub(j.sched), syncing: j.during || syncing.Load()})
			}
		}()
	}

	var bg sync.WaitGroup
	// Taps: key, card on, result, card off, every loadTapEvery.
	var taps atomic.Int64
	var tapMu sync.Mutex
	var tapAt, tapTook []time.Duration // when each tap began, and insert → result
	bg.Add(1)
	go func() {
		defer bg.Done()
		conn, err := dialEvents(ctx, a)
		if err != nil {
			fail("tap driver's event stream: %v", err)
			return
		}
		defer conn.CloseNow()
		reader := "/api/v1/readers/" + sim.SlotPrefix + "demo"
		for time.Since(windowStart) < window-loadTapEvery {
			next := time.Now().Add(loadTapEvery)
			if code, err := apiDo(ctx, api, a, "POST", reader+"/key", `{"key":"`+sim.DemoCAN+`"}`, nil); err != nil || code != 200 {
				fail("submit key: %d %v", code, err)
				return
			}
			inserted := time.Now()
			if code, err := apiDo(ctx, api, a, "POST", reader+"/sim/insert", "", nil); err != nil || code != 200 {
				fail("insert: %d %v", code, err)
				return
			}
			for got := false; !got; {
				var ev struct {
					Type string          `json:"type"`
					Data json.RawMessage `json:"data"`
				}
				if err := wsjson.Read(ctx, conn, &ev); err != nil {
					fail("tap driver's event stream: %v", err)
					return
				}
				switch ev.Type {
				case "result":
					got = true
				case "error":
					fail("tap %d: error event %s", taps.Load()+1, ev.Data)
					return
				}
			}
			taps.Add(1)
			tapMu.Lock()
			tapAt, tapTook = append(tapAt, inserted.Sub(windowStart)), append(tapTook, time.Since(inserted))
			tapMu.Unlock()
			if code, err := apiDo(ctx, api, a, "POST", reader+"/sim/remove", "", nil); err != nil || code != 200 {
				fail("remove: %d %v", code, err)
				return
			}
			time.Sleep(time.Until(next))
		}
	}()
	// Syncs: the delta at 1/6 of the window, the snapshot at 1/2.
	syncTimes, syncStart := map[string]time.Duration{}, map[string]time.Duration{}
	var syncMu sync.Mutex
	bg.Add(1)
	go func() {
		defer bg.Done()
		for _, step := range []struct {
			name string
			at   time.Duration
			prep func() error
		}{
			{"delta", window / 6, func() error { return nil }},
			{"snapshot", window / 2, func() error {
				// Repoint the served directory atomically: rename over the link.
				tmp := current + ".new"
				if err := os.Symlink(feedB, tmp); err != nil {
					return err
				}
				return os.Rename(tmp, current)
			}},
		} {
			time.Sleep(time.Until(windowStart.Add(step.at)))
			if err := step.prep(); err != nil {
				fail("prepare %s sync: %v", step.name, err)
				return
			}
			syncing.Store(true)
			t0 := time.Now()
			syncMu.Lock()
			syncStart[step.name] = t0.Sub(windowStart)
			syncMu.Unlock()
			code, err := apiDo(ctx, api, a, "POST", "/api/v1/sync", "", nil)
			syncing.Store(false)
			if err != nil || code != 200 {
				fail("%s sync: %d %v", step.name, code, err)
				return
			}
			syncMu.Lock()
			syncTimes[step.name] = time.Since(t0)
			syncMu.Unlock()
		}
	}()
	// Goroutines at the busiest moment: clients, lookups and taps.
	var gorPeak atomic.Int64
	bg.Add(1)
	go func() {
		defer bg.Done()
		time.Sleep(time.Until(windowStart.Add(window * 5 / 6)))
		n, err := goroutines(ctx, a)
		if err != nil {
			fail("goroutines: %v", err)
		}
		gorPeak.Store(int64(n))
	}()

	// The lookup schedule: request k is due at windowStart + k ms. A late
	// scheduler (the agent stalled and every worker waits) catches up
	// instead of skipping, but at most at loadCatchUp per second: a backlog
	// sent at once would only measure the API's rate limit (2,000/s, burst
	// 4,000), as no real client would send it.
	sent := 0
	tokens, last := 0.0, windowStart
	for {
		now := time.Now()
		elapsed := now.Sub(windowStart)
		if elapsed >= window {
			break
		}
		tokens = min(tokens+now.Sub(last).Seconds()*loadCatchUp, 20)
		last = now
		due := int(elapsed * loadRate / time.Second)
		for ; sent <= due && tokens >= 1; sent++ {
			tokens--
			j := job{sched: windowStart.Add(time.Duration(sent) * time.Second / loadRate), during: syncing.Load()}
			if sent%10 < loadHitShare {
				j.id, j.hit = loadID(sent*7919%loadStable), true
			} else {
				j.id = missID(sent)
			}
			jobs <- j
		}
		time.Sleep(time.Millisecond)
	}
	close(jobs)
	workers.Wait()
	windowTime := time.Since(windowStart)
	bg.Wait()
	cpuUsed := procCPU(t, pid) - cpuBefore
	selfUsed := procCPU(t, os.Getpid()) - selfBefore

	// Every client must still be connected and have seen every tap.
	time.Sleep(time.Second) // the last result is on its way to 200 clients
	tapped := taps.Load()
	lost := 0
	for i, c := range clients {
		if err, _ := c.err.Load().(error); err != nil {
			t.Errorf("WebSocket client %d disconnected during the window: %v", i, err)
			lost++
			continue
		}
		if got := c.results.Load(); got != tapped {
			t.Errorf("WebSocket client %d saw %d results of %d taps", i, got, tapped)
		}
	}
	var events int64
	for _, c := range clients {
		events += c.events.Load()
	}
	stopWS()
	for _, c := range clients {
		c.conn.Close(websocket.StatusNormalClosure, "")
	}
	wsWG.Wait()
	api.CloseIdleConnections() // each kept-alive lookup connection holds a server goroutine
	memAfter := procStatus(t, pid, "VmHWM", "VmRSS")
	var gorAfter int
	for i := 0; i < 50; i++ { // the server notices closed streams asynchronously
		if gorAfter = mustGoroutines(ctx, t, a); gorAfter <= gorBefore+5 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code, err := apiDo(ctx, api, a, "GET", "/api/v1/status", "", &status); err != nil || code != 200 {
		t.Fatalf("status after the window: %d %v", code, err)
	}

	// The figures.
	var all, calm, busy, late []time.Duration
	for _, ws := range samples {
		for _, s := range ws {
			all = append(all, s.latency)
			late = append(late, s.late)
			if s.syncing {
				busy = append(busy, s.latency)
			} else {
				calm = append(calm, s.latency)
			}
		}
	}
	const slices12 = 12
	var bySlice [slices12][]time.Duration
	for _, ws := range samples {
		for _, s := range ws {
			i := min(slices12-1, int(s.at*slices12/windowTime))
			bySlice[i] = append(bySlice[i], s.latency)
		}
	}
	for _, d := range [][]time.Duration{all, calm, busy, late} {
		slices.Sort(d)
	}
	var sliceLine strings.Builder
	for i, d := range bySlice {
		slices.Sort(d)
		if len(d) > 0 {
			fmt.Fprintf(&sliceLine, " [%d] %.0f/%.0f", i, float64(pct(d, .99).Microseconds())/1000, float64(d[len(d)-1].Microseconds())/1000)
		}
	}
	rate := float64(len(all)) / windowTime.Seconds()
	t.Logf("window %s: %d lookups (%.0f/s achieved of %d/s), %d failures", windowTime.Round(time.Millisecond), len(all), rate, loadRate, failures.Load())
	t.Logf("lookup latency (sent → answer): p50 %s  p99 %s  p99.9 %s  max %s", ms(pct(all, .5)), ms(pct(all, .99)), ms(pct(all, .999)), ms(all[len(all)-1]))
	if len(calm) > 0 {
		t.Logf("  outside syncs (%d): p50 %s  p99 %s  max %s", len(calm), ms(pct(calm, .5)), ms(pct(calm, .99)), ms(calm[len(calm)-1]))
	}
	if len(busy) > 0 {
		t.Logf("  during syncs  (%d): p50 %s  p99 %s  max %s", len(busy), ms(pct(busy, .5)), ms(pct(busy, .99)), ms(busy[len(busy)-1]))
	}
	t.Logf("  p99/max ms by twelfth of the window (%.1fs each):%s", windowTime.Seconds()/slices12, sliceLine.String())
	t.Logf("lookup latency from schedule (queueing included): p99 %s  max %s", ms(pct(late, .99)), ms(late[len(late)-1]))
	t.Logf("syncs: delta at %.1fs took %s, snapshot at %.1fs took %s; roster now version %d (was %d), %d records",
		syncStart["delta"].Seconds(), syncTimes["delta"].Round(time.Millisecond), syncStart["snapshot"].Seconds(),
		syncTimes["snapshot"].Round(time.Millisecond), status.Roster.Version, v1Version, status.Roster.Records)
	var tapLine strings.Builder
	for i := range tapAt {
		fmt.Fprintf(&tapLine, " %.1fs:%dms", tapAt[i].Seconds(), tapTook[i].Milliseconds())
	}
	t.Logf("taps (start: insert → result on the event stream):%s", tapLine.String())
	t.Logf("taps: %d; events to the %d clients: %d (%d lost clients)", tapped, loadWSClients, events, lost)
	t.Logf("agent RSS: VmHWM %d → %d kB, VmRSS %d → %d kB", memBefore["VmHWM"], memAfter["VmHWM"], memBefore["VmRSS"], memAfter["VmRSS"])
	t.Logf("agent goroutines: %d idle, %d with %d clients, %d at 5/6 of the window, %d after the clients left", gorBefore, gorClients, loadWSClients, gorPeak.Load(), gorAfter)
	loadAfter, _ := os.ReadFile("/proc/loadavg")
	t.Logf("machine load average before %s, after %s", strings.Join(strings.Fields(string(loadBefore))[:3], " "), strings.Join(strings.Fields(string(loadAfter))[:3], " "))
	t.Logf("agent CPU: %s over the window (%.2f cores); this test's own CPU: %s (%.2f cores)", cpuUsed.Round(time.Millisecond),
		cpuUsed.Seconds()/windowTime.Seconds(), selfUsed.Round(time.Millisecond), selfUsed.Seconds()/windowTime.Seconds())

	if n := failures.Load(); n > 0 {
		t.Errorf("%d failures; first: %v", n, firstFailure.Load())
	}
	if rate < loadRate*0.95 {
		t.Errorf("achieved %.0f lookups/s, want at least %d", rate, loadRate*95/100)
	}
	if tapped < int64(window/loadTapEvery)-2 {
		t.Errorf("%d taps in %s, want about %d", tapped, window, window/loadTapEvery)
	}
	if len(syncTimes) != 2 {
		t.Errorf("syncs done: %v, want delta and snapshot", syncTimes)
	}
	log := a.Log()
	for _, mode := range []string{"mode=delta", "mode=snapshot"} {
		if !strings.Contains(log, mode) {
			t.Errorf("the agent log has no roster sync with %s", mode)
		}
	}
	if status.Roster.Records != loadRoster+1 || status.Roster.Version <= v1Version {
		t.Errorf("roster after the syncs: version %d records %d, want > %d and %d", status.Roster.Version, status.Roster.Records, v1Version, loadRoster+1)
	}
	if gorAfter > gorBefore+5 {
		t.Errorf("goroutines %d after the clients left, %d before: a stream's goroutines outlived it", gorAfter, gorBefore)
	}
}
