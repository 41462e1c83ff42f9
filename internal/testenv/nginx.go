package testenv

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// FreeAddr returns a loopback address (127.0.0.1:port) with a free port.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Nginx is a real nginx serving a directory on a loopback port.
type Nginx struct {
	URL string // http://127.0.0.1:port/
	// AccessLog is its access log, one line per request:
	// METHOD URI STATUS BYTES "RANGE".
	AccessLog string
}

// StartNginx runs nginx in the foreground serving root (which may be a
// symlink the test repoints) until the test ends. Under `make test` a
// missing nginx fails the test.
func StartNginx(t testing.TB, root string) *Nginx {
	t.Helper()
	bin := LookPath(t, "nginx")
	prefix := t.TempDir()
	addr := FreeAddr(t)
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // workers must read the test's 0700 temp dirs
	}
	conf := fmt.Sprintf(`%s
daemon off;
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log warn;
events { worker_connections 512; }
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
  server { listen %[3]s; root %[4]s; etag on; }
}
`, user, prefix, addr, root)
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
	n := &Nginx{URL: "http://" + addr + "/", AccessLog: filepath.Join(prefix, "access.log")}
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := http.Get(n.URL + "nginx-ready-probe")
		if err == nil {
			resp.Body.Close()
			return n
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
			t.Fatalf("nginx did not start: %v\n%s", err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
