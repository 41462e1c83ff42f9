package delivery

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/cache"
	"github.com/cccd-agent/cccd/internal/clock"
)

// envGateway is the fake gateway's base URL for recheckChild.
const envGateway = "CCCD_DELIVERY_GATEWAY"

// recheckChild is the daemon with a gateway that is answering again: Run
// re-checks the delivered check-ins, and the process freezes right after
// the re-check's transaction commits (frozenStore), so the parent can
// SIGKILL it before the revision is delivered.
func recheckChild() int {
	db, err := cache.Open(os.Getenv(envDB))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer db.Close()
	gwc, err := newGatewayClient(os.Getenv(envGateway))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	d, err := New(frozenStore{db}, Config{WebhookURL: os.Getenv(envHook), InsecureHTTP: true, Gateway: gwc, Judge: testJudge, Logger: quiet(),
		Interval: 20 * time.Millisecond})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	d.Run(context.Background())
	return 0
}

// frozenStore reports "U <its clock>" once a re-check has committed and then
// never returns: whatever follows (the delivery) does not happen. The clock
// it reports lets the parent see that a shifted clock reached the child.
type frozenStore struct{ *cache.DB }

func (f frozenStore) UpdateCheckin(seq uint64, fn func(*cache.Checkin) error) error {
	if err := f.DB.UpdateCheckin(seq, fn); err != nil {
		return err
	}
	fmt.Println("U", clock.Now().Unix())
	time.Sleep(time.Hour) // killed long before; select{} could trip the deadlock detector
	return nil
}

// TestRevisionSurvivesSIGKILL: the process dies between the re-check that
// changed a delivered check-in and the revision's delivery. The revision
// was stored with the new answer, so the reopened database still has it in
// the outbox, and the next run, even without a gateway, delivers it.
func TestRevisionSurvivesSIGKILL(t *testing.T) {
	ctx := context.Background()
	his := newHIS(t)
	gw := newFakeGW(t)
	dbPath := filepath.Join(t.TempDir(), "cccd.db")

	// Delivered with the offline answer while the gateway was down.
	db, err := cache.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	c := checkin(3, "eligible-provisional", "roster")
	offline := c.Eligibility
	db.AppendCheckin(c)
	d, _ := New(db, Config{WebhookURL: his.URL, InsecureHTTP: true, Logger: quiet()})
	if n, err := d.DeliverPending(ctx); n != 1 || err != nil {
		t.Fatalf("offline delivery: %d, %v", n, err)
	}
	db.Close()

	// The gateway is back and says the card expired; the daemon re-checks
	// and is killed before it delivers.
	gw.SetPatient(c.MaThe, patient(c, "010"))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"=recheck", envDB+"="+dbPath, envHook+"="+his.URL, envGateway+"="+gw.BaseURL())
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	committed := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if clockField, ok := strings.CutPrefix(sc.Text(), "U "); ok {
				committed <- clockField
				return
			}
		}
		committed <- ""
	}()
	select {
	case childClock := <-committed:
		if childClock == "" {
			t.Fatal("the child exited without re-checking")
		}
		// The child re-checked by its own clock; under the time-travel
		// build that clock must carry the parent's shift.
		unix, err := strconv.ParseInt(childClock, 10, 64)
		if skew := time.Unix(unix, 0).Sub(clock.Now()); err != nil || skew < -time.Minute || skew > time.Minute {
			t.Fatalf("the child's clock %q is %v from the parent's (shift %v)", childClock, skew, clock.Shift())
		}
	case <-time.After(30 * time.Second):
		t.Error("the child did not re-check within 30 s")
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if n := his.count(c.Key + "-r1"); n != 0 {
		t.Fatalf("the revision was delivered before the kill (%d); the test proves nothing", n)
	}

	// Reopened: the revision is in the outbox with the new answer.
	db = openDB(t, dbPath)
	pend, err := db.PendingDeliveries(0)
	if err != nil || len(pend) != 1 {
		t.Fatalf("pending after SIGKILL: %d, %v", len(pend), err)
	}
	got := pend[0]
	if got.Seq != c.Seq || got.Revision != 1 || got.PreviousEligibility == nil || *got.PreviousEligibility != offline ||
		got.Eligibility.Status != "not-eligible" || got.Eligibility.Code != "010" || !got.RecheckChanged {
		t.Fatalf("after SIGKILL: %+v previous %v", got, got.PreviousEligibility)
	}

	// The next run delivers it, gateway or not.
	gw.Down.Store(true)
	d, _ = New(db, Config{WebhookURL: his.URL, InsecureHTTP: true, Logger: quiet()})
	if n, err := d.DeliverPending(ctx); n != 1 || err != nil {
		t.Fatalf("delivery after restart: %d, %v", n, err)
	}
	sent, keys := his.sent()
	checkRevision(t, sent[1:], keys[1:], c.Key, 1, "not-eligible", offline)
	if his.count(c.Key) != 1 || his.badKey != 0 {
		t.Errorf("HIS: %d copies of revision 0, %d bad keys", his.count(c.Key), his.badKey)
	}
}
