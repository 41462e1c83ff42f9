//go:build linux

package packaging

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestArtefactVersions checks that every artefact of one dist run carries
// the same version and commit: `cccd version` of the Linux binary, of the
// one inside the .deb and of the one inside the .rpm, the build stamp of the
// Windows binary (which cannot run here), the package versions, and the
// checksums file.
func TestArtefactVersions(t *testing.T) {
	requireIntegration(t)
	b := distBuild(t, version1, pkgVersion1)

	checkVersionOutput(t, run(t, b.bin(), "version"), b.version, b.commit)

	debRoot := t.TempDir()
	run(t, "dpkg-deb", "-x", b.deb(), debRoot)
	checkVersionOutput(t, run(t, filepath.Join(debRoot, "usr", "bin", "cccd"), "version"), b.version, b.commit)
	sameFile(t, filepath.Join(debRoot, "usr", "bin", "cccd"), b.bin())
	if v := run(t, "dpkg-deb", "-f", b.deb(), "Version"); strings.TrimSpace(v) != b.pkgVer {
		t.Errorf(".deb version %q, want %s", v, b.pkgVer)
	}
	if dep := run(t, "dpkg-deb", "-f", b.deb(), "Depends"); !strings.Contains(dep, "pcscd") {
		t.Errorf(".deb does not depend on pcscd: %q", dep)
	}

	rpmFiles := rpmPayload(t, b.rpm())
	bin, ok := rpmFiles["/usr/bin/cccd"]
	if !ok {
		t.Fatalf(".rpm has no /usr/bin/cccd")
	}
	rpmBin := filepath.Join(t.TempDir(), "cccd")
	os.WriteFile(rpmBin, bin.data, 0o755)
	checkVersionOutput(t, run(t, rpmBin, "version"), b.version, b.commit)
	if got := run(t, "rpm", "-qp", "--qf", "%{VERSION}-%{RELEASE}.%{ARCH}", b.rpm()); got != b.pkgVer+"-1.x86_64" {
		t.Errorf(".rpm is %q, want %s-1.x86_64", got, b.pkgVer)
	}
	if req := run(t, "rpm", "-qp", "--requires", b.rpm()); !strings.Contains(req, "pcsc-lite") {
		t.Errorf(".rpm does not require pcsc-lite: %q", req)
	}
	if cf := run(t, "rpm", "-qp", "--configfiles", b.rpm()); strings.TrimSpace(cf) != "/etc/cccd/config.json" {
		t.Errorf(".rpm config files %q", cf)
	}
	for _, s := range []string{"preinstall scriptlet", "postinstall scriptlet", "preuninstall scriptlet", "postuninstall scriptlet"} {
		if !strings.Contains(run(t, "rpm", "-qp", "--scripts", b.rpm()), s) {
			t.Errorf(".rpm lacks its %s", s)
		}
	}
	// Fedora: units and rules under /usr/lib (rpm must not write through the /lib symlink).
	for name, mode := range map[string]fs.FileMode{
		"/usr/bin/cccd": 0o755, "/etc/cccd/config.json": 0o644,
		"/usr/lib/systemd/system/cccd.service":           0o644,
		"/usr/lib/udev/rules.d/60-cccd-readers.rules":    0o644,
		"/usr/share/polkit-1/rules.d/60-cccd-pcsc.rules": 0o644,
	} {
		f, ok := rpmFiles[name]
		if !ok {
			t.Errorf(".rpm lacks %s", name)
			continue
		}
		if f.mode.Perm() != mode {
			t.Errorf(".rpm %s has mode %v, want %v", name, f.mode.Perm(), mode)
		}
	}
	for name := range rpmFiles {
		if strings.HasPrefix(name, "/lib/") {
			t.Errorf(".rpm writes through /lib: %s", name)
		}
	}

	checkStamp(t, b.exe(), b, "windows", "amd64")

	cmd := exec.Command("sha256sum", "-c", "SHA256SUMS")
	cmd.Dir = b.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("sha256sum -c: %v\n%s", err, out)
	}
	for _, f := range []string{b.deb(), b.rpm(), b.bin(), b.exe(), b.setup()} {
		if !bytes.Contains(out, []byte(filepath.Base(f)+": OK")) {
			t.Errorf("SHA256SUMS does not cover %s:\n%s", filepath.Base(f), out)
		}
	}
}

// checkStamp checks a binary that cannot run here: Go's recorded build
// settings (target, cgo) and the stamp's strings, which -X placed in its data
// (-trimpath keeps -ldflags out of the build settings).
func checkStamp(t *testing.T, path string, b build, goos, goarch string) {
	t.Helper()
	out := run(t, "go", "version", "-m", path)
	for _, want := range []string{"GOOS=" + goos + "\n", "GOARCH=" + goarch + "\n", "-trimpath=true"} {
		if !strings.Contains(out, want) {
			t.Errorf("%s: build info lacks %q", filepath.Base(path), want)
		}
	}
	if goos == "windows" && !strings.Contains(out, "CGO_ENABLED=0") {
		t.Errorf("%s: built with cgo", filepath.Base(path))
	}
	bin, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{b.version, b.commit, buildDate} {
		if !bytes.Contains(bin, []byte(s)) {
			t.Errorf("%s does not carry the stamp %q", filepath.Base(path), s)
		}
	}
}

// rpmFile is one entry of an rpm's payload.
type rpmFile struct {
	mode fs.FileMode
	data []byte
}

// rpmPayload unpacks an rpm with rpm2cpio and reads the "newc" cpio archive.
func rpmPayload(t *testing.T, path string) map[string]rpmFile {
	t.Helper()
	// The digests first: rpm2cpio of Debian's rpm 4.18 exits 1 after writing
	// the whole payload, so its exit status is not the check; the digests
	// and a cpio archive read through to its trailer are.
	if out := run(t, "rpm", "-Kv", path); strings.Count(out, "digest: OK") != 2 {
		t.Errorf("rpm -K %s:\n%s", filepath.Base(path), out)
	}
	var raw bytes.Buffer
	cmd := exec.Command("rpm2cpio", path)
	cmd.Stdout = &raw
	if err := cmd.Run(); err != nil && raw.Len() == 0 {
		t.Fatalf("rpm2cpio: %v", err)
	}
	files, err := readNewc(raw.Bytes())
	if err != nil {
		t.Fatalf("%s payload: %v", filepath.Base(path), err)
	}
	return files
}

// readNewc parses an SVR4 "newc" cpio archive (magic 070701).
func readNewc(b []byte) (map[string]rpmFile, error) {
	files := map[string]rpmFile{}
	r := bytes.NewReader(b)
	pad := func(n int64) { r.Seek((4-n%4)%4, io.SeekCurrent) }
	for {
		var hdr [110]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return nil, fmt.Errorf("header: %w", err)
		}
		if string(hdr[:6]) != "070701" {
			return nil, fmt.Errorf("bad magic %q", hdr[:6])
		}
		field := func(i int) (int64, error) { return strconv.ParseInt(string(hdr[6+8*i:14+8*i]), 16, 64) }
		mode, err1 := field(1)
		size, err2 := field(6)
		nameLen, err3 := field(11)
		if err1 != nil || err2 != nil || err3 != nil || nameLen <= 0 || nameLen > int64(len(b)) || size < 0 || size > int64(len(b)) {
			return nil, fmt.Errorf("bad header fields")
		}
		name := make([]byte, nameLen)
		if _, err := io.ReadFull(r, name); err != nil {
			return nil, err
		}
		pad(110 + nameLen)
		n := strings.TrimRight(string(name), "\x00")
		if n == "TRAILER!!!" {
			return files, nil
		}
		data := make([]byte, size)
		if _, err := io.ReadFull(r, data); err != nil {
			return nil, err
		}
		pad(size)
		files["/"+strings.TrimPrefix(strings.TrimPrefix(n, "."), "/")] = rpmFile{mode: fs.FileMode(mode & 0o777), data: data}
	}
}

// FuzzReadNewc: the cpio reader the rpm check uses returns an error, never
// panics or allocates beyond its input, on any bytes.
func FuzzReadNewc(f *testing.F) {
	entry := func(name string, data string) string {
		n := name + "\x00"
		h := fmt.Sprintf("070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x", 1, 0o100644, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(n), 0)
		s := h + n + strings.Repeat("\x00", (4-(110+len(n))%4)%4)
		return s + data + strings.Repeat("\x00", (4-len(data)%4)%4)
	}
	f.Add([]byte(entry("./usr/bin/cccd", "#!bin") + entry("TRAILER!!!", "")))
	f.Add([]byte(entry("TRAILER!!!", "")))
	f.Add([]byte("070701"))
	f.Fuzz(func(t *testing.T, b []byte) {
		files, err := readNewc(b)
		if err == nil {
			for name, fl := range files {
				if !strings.HasPrefix(name, "/") || len(fl.data) > len(b) {
					t.Fatalf("entry %q of %d bytes from %d input bytes", name, len(fl.data), len(b))
				}
			}
		}
	})
}
