package sync

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
)

// nginxServer is a real nginx serving the feed, with the access log the
// tests read to count what clients fetched.
type nginxServer struct{ *testenv.Nginx }

func startNginx(t *testing.T, root string) nginxServer {
	return nginxServer{testenv.StartNginx(t, root)}
}

// accessEntry is one line of testenv's nginx access log.
type accessEntry struct {
	Method, URI, Range string
	Status             int
	Bytes              int64
}

// entries returns the access log lines after the first skip ones.
func (n nginxServer) entries(t *testing.T, skip int) []accessEntry {
	t.Helper()
	f, err := os.Open(n.AccessLog)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []accessEntry
	sc := bufio.NewScanner(f)
	for i := 0; sc.Scan(); i++ {
		if i < skip {
			continue
		}
		fields := strings.SplitN(sc.Text(), " ", 5)
		if len(fields) != 5 {
			t.Fatalf("access log line %q", sc.Text())
		}
		status, _ := strconv.Atoi(fields[2])
		bytes, _ := strconv.ParseInt(fields[3], 10, 64)
		out = append(out, accessEntry{Method: fields[0], URI: fields[1], Status: status, Bytes: bytes, Range: strings.Trim(fields[4], `"`)})
	}
	return out
}
