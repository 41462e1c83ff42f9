package sync

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testenv"
)

// nginxServer is a real nginx serving a directory on a loopback port, with
// an access log the test reads to count what clients fetched.
type nginxServer struct {
	URL       string
	accessLog string
}

// startNginx runs nginx in the foreground on a free loopback port serving
// root; it is stopped at cleanup. Under `make test` a missing nginx fails.
func startNginx(t *testing.T, root string) *nginxServer {
	t.Helper()
	bin := testenv.LookPath(t, "nginx")
	prefix := t.TempDir()
	port := freePort(t)
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // workers must read the test's 0700 temp dirs
	}
	conf := fmt.Sprintf(`%s
daemon off;
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log warn;
events { worker_connections 64; }
http {
  types { application/json json; application/zstd zst; }
  default_type application/octet-stream;
  log_format feed '$request_method $uri $status $body_bytes_sent "$http_range"';
  access_log %[2]s/access.log feed;
  client_body_temp_path %[2]s/client_body;
  proxy_temp_path %[2]s/proxy;
  fastcgi_temp_path %[2]s/fastcgi;
  uwsgi_temp_path %[2]s/uwsgi;
  scgi_temp_path %[2]s/scgi;
  server {
    listen 127.0.0.1:%[3]d;
    root %[4]s;
    etag on;
  }
}
`, user, prefix, port, root)
	confPath := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", confPath, "-p", prefix, "-e", filepath.Join(prefix, "error.log"))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nginx: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGQUIT) // graceful: workers exit too
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	n := &nginxServer{URL: fmt.Sprintf("http://127.0.0.1:%d/", port), accessLog: filepath.Join(prefix, "access.log")}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(n.URL + "nginx-ready-probe")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
			t.Fatalf("nginx did not start: %v\n%s", err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return n
}

// accessEntry is one line of the test log format.
type accessEntry struct {
	Method, URI, Range string
	Status             int
	Bytes              int64
}

// entries returns the access log lines after the first skip ones.
func (n *nginxServer) entries(t *testing.T, skip int) []accessEntry {
	t.Helper()
	f, err := os.Open(n.accessLog)
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

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
