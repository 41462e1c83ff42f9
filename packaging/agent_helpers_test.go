//go:build linux

package packaging

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// parseUnit reads the [Service] keys of a unit file (each key's values in
// order; Environment= split into NAME=VALUE words).
func parseUnit(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			section = line
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || section != "[Service]" {
			continue
		}
		if k == "Environment" {
			keys[k] = append(keys[k], strings.Fields(v)...)
		} else {
			keys[k] = append(keys[k], v)
		}
	}
	for _, k := range []string{"ExecStart", "User"} {
		if len(keys[k]) != 1 {
			t.Fatalf("%s: want exactly one %s=, got %v", path, k, keys[k])
		}
	}
	return keys
}

// credential is what systemd gives the unit's process: the user, its
// primary group, its groups and SupplementaryGroups=.
func credential(t *testing.T, u *user.User, extra []string) *syscall.Credential {
	t.Helper()
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	c := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	ids, _ := u.GroupIds()
	for _, names := range extra {
		for _, name := range strings.Fields(names) {
			g, err := user.LookupGroup(name)
			if err != nil {
				t.Fatalf("SupplementaryGroups=%s: %v", name, err)
			}
			ids = append(ids, g.Gid)
		}
	}
	for _, id := range ids {
		n, _ := strconv.Atoi(id)
		c.Groups = append(c.Groups, uint32(n))
	}
	return c
}

// notifySocket receives sd_notify datagrams like systemd's NOTIFY_SOCKET.
type notifySocket struct {
	path string
	msgs chan string
}

func newNotifySocket(t *testing.T) *notifySocket {
	t.Helper()
	dir, err := os.MkdirTemp(tmpRoot, "notify-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	path := filepath.Join(dir, "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o777) // the service user sends to it
	n := &notifySocket{path: path, msgs: make(chan string, 64)}
	go func() {
		buf := make([]byte, 4096)
		for {
			k, err := conn.Read(buf)
			if err != nil {
				close(n.msgs)
				return
			}
			for _, line := range strings.Split(string(buf[:k]), "\n") {
				select {
				case n.msgs <- line:
				default: // a slow test must not block the agent's pings
				}
			}
		}
	}()
	t.Cleanup(func() { conn.Close() })
	return n
}

// waitFor waits for the datagram line want; it fails early when exited
// reports that the process ended.
func (n *notifySocket) waitFor(want string, timeout time.Duration, exited <-chan error) error {
	deadline := time.After(timeout)
	for {
		select {
		case m, ok := <-n.msgs:
			if !ok {
				return errors.New("notify socket closed")
			}
			if m == want {
				return nil
			}
		case err := <-exited:
			return fmt.Errorf("exited (%v) before sending %s", err, want)
		case <-deadline:
			return fmt.Errorf("no %s within %v", want, timeout)
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// apiStatus calls GET /api/v1/status with the installed bearer token.
func apiStatus(t *testing.T, port int) map[string]any {
	t.Helper()
	tok, err := os.ReadFile(filepath.Join(dataDir, "api-token"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", fmt.Sprintf("http://127.0.0.1:%d/api/v1/status", port), nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("API status: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("API status with the installed token: HTTP %d", resp.StatusCode)
	}
	var st map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("API status: %v", err)
	}
	return st
}

// versionLine is what `cccd version` prints.
var versionLine = regexp.MustCompile(`^cccd (\S+) \(commit (\S+), built (\S+), (\S+)/(\S+)\)\n$`)

// checkVersionOutput checks the output of `cccd version` against the stamp.
func checkVersionOutput(t *testing.T, out, version, commit string) {
	t.Helper()
	m := versionLine.FindStringSubmatch(out)
	if m == nil {
		t.Errorf("cccd version printed %q", out)
		return
	}
	if m[1] != version || m[2] != commit || m[3] != buildDate {
		t.Errorf("cccd version printed %q, want version %s, commit %s, built %s", strings.TrimSpace(out), version, commit, buildDate)
	}
}
