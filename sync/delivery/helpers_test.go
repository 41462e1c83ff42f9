package delivery

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	stdsync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
	reception "github.com/cccd-agent/cccd/checkin"
	"github.com/cccd-agent/cccd/internal/clock"
)

// hisServer is a fake HIS webhook that records what it accepted.
type hisServer struct {
	*httptest.Server
	status   atomic.Int64 // answer with this status; 0 means 200
	delayMS  atomic.Int64 // think this long before answering
	rejectFn func(p Payload) bool
	// duringPost, when set, runs while a valid POST is being answered.
	duringPost func(p Payload)

	mu       stdsync.Mutex
	received []Payload
	idemKeys []string       // Idempotency-Key of each received payload
	keys     map[string]int // Idempotency-Key → deliveries
	badKey   int            // requests whose header does not match the body's key and revision
}

func newHIS(t testing.TB) *hisServer {
	h := &hisServer{keys: map[string]int{}}
	h.Server = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.Close)
	return h
}

func (h *hisServer) serve(w http.ResponseWriter, r *http.Request) {
	time.Sleep(time.Duration(h.delayMS.Load()) * time.Millisecond)
	if s := h.status.Load(); s != 0 {
		w.WriteHeader(int(s))
		return
	}
	var p Payload
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil || r.Method != http.MethodPost {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if h.duringPost != nil {
		h.duringPost(p)
	}
	if h.rejectFn != nil && h.rejectFn(p) {
		w.WriteHeader(http.StatusUnprocessableEntity)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	key := r.Header.Get("Idempotency-Key")
	want := p.Key
	if p.Revision > 0 {
		want = fmt.Sprintf("%s-r%d", p.Key, p.Revision)
	}
	if key != want || (p.Revision > 0) != (p.PreviousEligibility != nil) {
		h.badKey++
	}
	h.keys[key]++
	h.received = append(h.received, p)
	h.idemKeys = append(h.idemKeys, key)
	w.WriteHeader(http.StatusCreated)
}

// sent returns copies of what the HIS accepted so far, with the keys.
func (h *hisServer) sent() ([]Payload, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Payload(nil), h.received...), append([]string(nil), h.idemKeys...)
}

// count returns how many times the HIS accepted Idempotency-Key key.
func (h *hisServer) count(key string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.keys[key]
}

func openDB(t testing.TB, path string) *cache.DB {
	t.Helper()
	db, err := cache.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fixtureNow is these tests' "now": the day they run on, by the program's
// clock (shifted under the time-travel build). Check-ins are made an hour
// before it and cards are valid a year either side, so a child process that
// reads its own clock (the crash test) judges them as the parent does, on any
// day.
var fixtureNow = clock.Now().UTC().Truncate(time.Second)

// validFrom and validTo are a current card's validity (dd/mm/yyyy).
var (
	validFrom = fixtureNow.AddDate(-1, 0, 0).Format("02/01/2006")
	validTo   = fixtureNow.AddDate(1, 0, 0).Format("02/01/2006")
)

// checkin makes a placeholder check-in for person i.
func checkin(i int, status, source string) *cache.Checkin {
	return &cache.Checkin{
		Time: fixtureNow.Add(-time.Hour + time.Duration(i)*time.Second), Reader: "sim", Facility: "01832",
		SoCCCD: fmt.Sprintf("0010990%05d", i), HoTen: fmt.Sprintf("Người Thử %d", i), NgaySinh: "1994-03-05",
		GioiTinh: "Nam", MaThe: fmt.Sprintf("GD40101%08d", i), MaDKBD: "01832",
		GtTheTu: validFrom, GtTheDen: validTo,
		Eligibility:  cache.CheckinEligibility{Status: status, Code: "000", Source: source},
		Verification: "intact-untrusted", Confirmed: true,
	}
}

// testJudge is the reception's rule set, as cccd serve wires it.
var testJudge = reception.RecheckJudge(reception.EligibilityConfig{Facility: "01832"})

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// fakeClock is a settable clock.
type fakeClock struct {
	mu stdsync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
