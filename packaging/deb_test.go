//go:build linux

package packaging

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cccd-agent/cccd/internal/testenv"
)

// Where the .deb puts things (Debian 12 paths).
const (
	dataDir    = "/var/lib/cccd"
	confDir    = "/etc/cccd"
	confFile   = "/etc/cccd/config.json"
	unitFile   = "/lib/systemd/system/cccd.service"
	wantsLink  = "/etc/systemd/system/multi-user.target.wants/cccd.service"
	polkitRule = "/usr/share/polkit-1/rules.d/60-cccd-pcsc.rules"
	udevRules  = "/lib/udev/rules.d/60-cccd-readers.rules"
	modprobe   = "/lib/modprobe.d/cccd.conf"
	binPath    = "/usr/bin/cccd"
)

// TestDebLifecycle installs the .deb, checks what it set up, runs the
// installed agent the way systemd would, upgrades to a newer build keeping
// data and token, removes (data kept) and purges (all gone).
func TestDebLifecycle(t *testing.T) {
	requireIntegration(t)
	refuseDirtyMachine(t)
	// The installed agent watches pcscd's readers: keep it away from the
	// vpcd cards other packages' tests present meanwhile.
	testenv.LockVPCD(t)
	t.Cleanup(func() { purgeEverything(t) })
	b1 := distBuild(t, version1, pkgVersion1)
	b2 := distBuild(t, version2, pkgVersion2)

	dpkg(t, "-i", b1.deb())
	// Marks the installation as this test's, so a run killed before its
	// cleanup (a timeout) is recognised and purged by the next one.
	if err := os.WriteFile(testMarker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	checkInstalled(t, b1)
	checkUnit(t)
	checkUdev(t)

	tok := fileSum(t, filepath.Join(dataDir, "api-token"))
	runInstalledAgent(t, version1)
	importRoster(t)
	// An admin's edit of the conffile must survive the upgrade.
	editConfig(t, func(c map[string]any) { c["facility"].(map[string]any)["code"] = "79024" })

	dpkg(t, "-i", b2.deb())
	checkInstalled(t, b2)
	if got := fileSum(t, filepath.Join(dataDir, "api-token")); got != tok {
		t.Errorf("upgrade replaced the API token")
	}
	if n := rosterRecords(t); n != 2 {
		t.Errorf("after upgrade the roster has %d records, want 2", n)
	}
	if code := readConfig(t)["facility"].(map[string]any)["code"]; code != "79024" {
		t.Errorf("upgrade lost the admin's config edit: facility.code = %v", code)
	}
	runInstalledAgent(t, version2)

	dpkg(t, "-r", "cccd")
	if _, err := os.Stat(binPath); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("remove left %s: %v", binPath, err)
	}
	if _, err := os.Lstat(wantsLink); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("remove left the unit enabled (%s): %v", wantsLink, err)
	}
	if got := fileSum(t, filepath.Join(dataDir, "api-token")); got != tok {
		t.Errorf("remove did not keep the API token")
	}
	checkMode(t, filepath.Join(dataDir, "cccd.db"), 0o600, "cccd")
	checkMode(t, confFile, 0o644, "root")
	if _, err := user.Lookup("cccd"); err != nil {
		t.Errorf("remove deleted the user cccd: %v", err)
	}
	if st := dpkgStatus(t); st != "deinstall ok config-files" {
		t.Errorf("after remove dpkg status is %q, want config-files", st)
	}

	dpkg(t, "-P", "cccd")
	for _, p := range []string{dataDir, confDir, unitFile, polkitRule, udevRules, modprobe} {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("purge left %s: %v", p, err)
		}
	}
	if _, err := user.Lookup("cccd"); err == nil {
		t.Errorf("purge left the user cccd")
	}
	if _, err := user.LookupGroup("cccd"); err == nil {
		t.Errorf("purge left the group cccd")
	}
	if st := dpkgStatus(t); st != "" {
		t.Errorf("after purge dpkg still knows cccd: %q", st)
	}
	if pids := cccdProcesses(); len(pids) > 0 {
		t.Errorf("processes of the user cccd still run: %v", pids)
	}
}

// testMarker is left in the data directory by TestDebLifecycle.
const testMarker = dataDir + "/.cccd-package-test"

// refuseDirtyMachine fails (never skips) when cccd, its user or its
// directories exist already: the test would otherwise change or delete an
// admin's installation. Leftovers of an earlier run of this test, known by
// testMarker, are purged instead.
func refuseDirtyMachine(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(testMarker); err == nil {
		t.Logf("purging the leftovers of an interrupted package test (%s)", testMarker)
		purgeEverything(t)
	}
	var found []string
	if st := dpkgStatus(t); st != "" {
		found = append(found, "package cccd ("+st+")")
	}
	for _, p := range []string{dataDir, confDir} {
		if _, err := os.Lstat(p); err == nil {
			found = append(found, p)
		}
	}
	if _, err := user.Lookup("cccd"); err == nil {
		found = append(found, "user cccd")
	}
	if _, err := user.LookupGroup("cccd"); err == nil {
		found = append(found, "group cccd")
	}
	if len(found) > 0 {
		t.Fatalf("refusing to run: this machine already has %s; the package test installs and purges cccd, run it on a machine without cccd (or `dpkg -P cccd` first)", strings.Join(found, ", "))
	}
}

// purgeEverything undoes the test whatever state it stopped in: it kills
// the agent it may have started, purges the package, then removes what the
// maintainer scripts may have left. It only runs after refuseDirtyMachine
// passed, so everything named cccd here was made by this test.
func purgeEverything(t *testing.T) {
	for _, pid := range cccdProcesses() {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	if dpkgStatus(t) != "" {
		if out, err := exec.Command("dpkg", "-P", "cccd").CombinedOutput(); err != nil {
			t.Logf("cleanup: dpkg -P cccd: %v\n%s", err, out)
		}
	}
	os.RemoveAll(dataDir)
	os.RemoveAll(confDir)
	os.Remove(wantsLink)
	if _, err := user.Lookup("cccd"); err == nil {
		exec.Command("userdel", "cccd").Run()
	}
	if _, err := user.LookupGroup("cccd"); err == nil {
		exec.Command("groupdel", "cccd").Run()
	}
}

func dpkg(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("dpkg", args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// dpkgStatus is dpkg's status of cccd ("install ok installed", ...), "" when
// dpkg does not know it.
func dpkgStatus(t *testing.T) string {
	out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", "cccd").Output()
	if err != nil {
		return ""
	}
	st := strings.TrimSpace(string(out))
	if st == "unknown ok not-installed" {
		return ""
	}
	return st
}

// checkInstalled checks the files, the user and the modes one install or
// upgrade leaves.
func checkInstalled(t *testing.T, b build) {
	t.Helper()
	if st := dpkgStatus(t); st != "install ok installed" {
		t.Fatalf("dpkg status %q", st)
	}
	out, _ := exec.Command("dpkg-query", "-W", "-f=${Version}", "cccd").Output()
	if string(out) != b.pkgVer {
		t.Errorf("installed version %q, want %q", out, b.pkgVer)
	}
	checkVersionOutput(t, run(t, binPath, "version"), b.version, b.commit)

	u, err := user.Lookup("cccd")
	if err != nil {
		t.Fatalf("no user cccd: %v", err)
	}
	if uid, _ := strconv.Atoi(u.Uid); uid >= 1000 || uid == 0 {
		t.Errorf("user cccd has uid %d, want a system uid (1..999)", uid)
	}
	if u.HomeDir != dataDir {
		t.Errorf("user cccd home %q, want %s", u.HomeDir, dataDir)
	}
	passwd, _ := os.ReadFile("/etc/passwd")
	if !regexp.MustCompile(`(?m)^cccd:[^\n]*:/usr/sbin/nologin$`).Match(passwd) {
		t.Errorf("user cccd can log in (shell is not /usr/sbin/nologin)")
	}
	if groups := userGroups(t, u); !contains(groups, "cccd") || !contains(groups, "dialout") {
		t.Errorf("user cccd is in groups %v, want cccd and dialout", groups)
	}

	checkMode(t, dataDir, fs.ModeDir|0o700, "cccd")
	checkMode(t, filepath.Join(dataDir, "cccd.db"), 0o600, "cccd")
	checkMode(t, filepath.Join(dataDir, "api-token"), 0o600, "cccd")
	tok, _ := os.ReadFile(filepath.Join(dataDir, "api-token"))
	if !regexp.MustCompile(`^[0-9a-f]{64}\n$`).Match(tok) {
		t.Errorf("api-token is not 32 random bytes in hex")
	}
	checkMode(t, binPath, 0o755, "root")
	checkMode(t, confDir, fs.ModeDir|0o755, "root")
	checkMode(t, confFile, 0o644, "root")
	for _, p := range []string{unitFile, polkitRule, udevRules, modprobe} {
		checkMode(t, p, 0o644, "root")
	}
	sameFile(t, polkitRule, filepath.Join(testenv.RepoRoot(t), "packaging", "linux", "60-cccd-pcsc.rules"))
	sameFile(t, unitFile, filepath.Join(testenv.RepoRoot(t), "packaging", "linux", "cccd.service"))

	// The config is the generated one: complete (print-config of it is
	// itself) and pointing at the service's data directory.
	cfg := readConfig(t)
	if cfg["data_dir"] != dataDir {
		t.Errorf("config data_dir %v, want %s", cfg["data_dir"], dataDir)
	}
	var printed map[string]any
	if err := json.Unmarshal([]byte(run(t, binPath, "serve", "--print-config", "--config", confFile)), &printed); err != nil {
		t.Fatalf("print-config: %v", err)
	}
	if !reflect.DeepEqual(printed, cfg) {
		t.Errorf("%s differs from `cccd serve --print-config` of itself:\n%v\nvs\n%v", confFile, cfg, printed)
	}
	conffiles, _ := exec.Command("dpkg-query", "-W", "-f=${Conffiles}", "cccd").Output()
	if !strings.Contains(string(conffiles), confFile) {
		t.Errorf("%s is not a conffile: %q", confFile, conffiles)
	}

	// Enabled for the next boot even though systemd does not run here.
	if dest, err := os.Readlink(wantsLink); err != nil || filepath.Base(dest) != "cccd.service" {
		t.Errorf("unit not enabled: %s -> %q (%v)", wantsLink, dest, err)
	}
}

// checkUnit runs systemd-analyze verify on the installed unit: it must
// load without a single complaint (unknown keys only warn, so stderr is
// checked too).
func checkUnit(t *testing.T) {
	t.Helper()
	cmd := exec.Command("systemd-analyze", "verify", unitFile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Errorf("systemd-analyze verify %s: %v\n%s", unitFile, err, stderr.String())
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, "cccd.service") {
			t.Errorf("systemd-analyze verify: %s", line)
		}
	}
	unit, _ := os.ReadFile(unitFile)
	for _, want := range []string{"Type=notify", "WatchdogSec=", "User=cccd", "StateDirectory=cccd", "After=pcscd.socket", "ProtectSystem=strict", "NoNewPrivileges=yes", "WantedBy=multi-user.target"} {
		if !bytes.Contains(unit, []byte("\n"+want)) {
			t.Errorf("unit lacks %q", want)
		}
	}
	// The exposure score systemd computes; logged as the figure to watch.
	if out, err := exec.Command("systemd-analyze", "security", "--offline=true", unitFile).CombinedOutput(); err == nil {
		if m := regexp.MustCompile(`Overall exposure level for cccd.service: ([0-9.]+)`).FindSubmatch(out); m != nil {
			t.Logf("systemd-analyze security: exposure %s (0 = locked down, 10 = none)", m[1])
		}
	}
}

// checkUdev makes udev parse every rules file, ours included: a bad key or
// operator is reported as "FILE:LINE ...".
func checkUdev(t *testing.T) {
	t.Helper()
	out, _ := exec.Command("udevadm", "test", "--action=add", "/sys/class/tty/tty0").CombinedOutput()
	real, _ := filepath.EvalSymlinks(udevRules)
	read := false
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "Reading rules file:") && strings.Contains(line, "60-cccd-readers.rules") {
			read = true
		}
		if strings.HasPrefix(line, udevRules+":") || strings.HasPrefix(line, real+":") || strings.HasPrefix(line, "/usr"+udevRules+":") {
			t.Errorf("udev: %s", line)
		}
	}
	if !read {
		t.Errorf("udevadm test did not read %s:\n%s", udevRules, out)
	}
}

// runInstalledAgent starts the installed agent as systemd would start the
// unit (its ExecStart, user, groups and environment, with a notify socket and
// a watchdog), waits for READY=1 and a watchdog ping, calls the API with the
// installed token, then stops it with SIGTERM and expects STOPPING=1 and a
// clean exit.
func runInstalledAgent(t *testing.T, version string) {
	t.Helper()
	unit := parseUnit(t, unitFile)
	u, err := user.Lookup(unit["User"][0])
	if err != nil {
		t.Fatal(err)
	}
	notify := newNotifySocket(t)
	port := freePort(t)
	argv := strings.Fields(unit["ExecStart"][0])
	argv = append(argv, "--listen", "127.0.0.1:"+strconv.Itoa(port))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = "/"
	cmd.Env = append(unit["Environment"], "NOTIFY_SOCKET="+notify.path, "WATCHDOG_USEC=1000000", "PATH=/usr/bin:/bin", "LANG=C.UTF-8")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: credential(t, u, unit["SupplementaryGroups"])}
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(25 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}
	if err := notify.waitFor("READY=1", 60*time.Second, exited); err != nil {
		stop()
		t.Fatalf("installed agent: %v\n%s", err, logs.String())
	}
	if err := notify.waitFor("WATCHDOG=1", 5*time.Second, exited); err != nil {
		stop()
		t.Fatalf("installed agent: %v\n%s", err, logs.String())
	}
	status := apiStatus(t, port)
	if status["version"] != version {
		t.Errorf("API status version %v, want %s", status["version"], version)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := notify.waitFor("STOPPING=1", 10*time.Second, nil); err != nil {
		t.Errorf("installed agent: %v", err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("installed agent exited with %v\n%s", err, logs.String())
		}
	case <-time.After(25 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Errorf("installed agent did not stop within TimeoutStopSec\n%s", logs.String())
	}
	if bytes.Contains(logs.Bytes(), []byte("panic")) {
		t.Errorf("agent log has a panic:\n%s", logs.String())
	}
}

// importRoster loads two synthetic roster records as the service user, the
// data the upgrade must keep.
func importRoster(t *testing.T) {
	t.Helper()
	now := time.Now()
	from, to := now.AddDate(0, -1, 0).Format("02/01/2006"), now.AddDate(0, 6, 0).Format("02/01/2006")
	csv := filepath.Join(tmpRoot, "roster.csv")
	os.WriteFile(csv, []byte("soCCCD,maThe,hoTen,gtTheTu,gtTheDen,maDKBD,trangThai\n"+
		"079090000001,GD4797900000001,Nguyen Van Thu,"+from+","+to+",79024,000\n"+
		"079090000002,GD4797900000002,Tran Thi Mau,"+from+","+to+",79024,000\n"), 0o644)
	asService(t, "roster", "import", csv)
	if n := rosterRecords(t); n != 2 {
		t.Fatalf("roster import: %d records", n)
	}
}

func rosterRecords(t *testing.T) int {
	t.Helper()
	var st struct {
		Records int `json:"records"`
	}
	out := asService(t, "roster", "status", "--json")
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("roster status: %v: %q", err, out)
	}
	return st.Records
}

// asService runs the installed cccd as the service user on the service's
// data, as an admin would with `runuser -u cccd -- cccd ...`.
func asService(t *testing.T, args ...string) string {
	t.Helper()
	full := append([]string{"-u", "cccd", "--", binPath, "--config", confFile, "--data", dataDir}, args...)
	return run(t, "runuser", full...)
}

func readConfig(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(confFile)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("%s: %v", confFile, err)
	}
	return c
}

func editConfig(t *testing.T, edit func(map[string]any)) {
	t.Helper()
	c := readConfig(t)
	edit(c)
	b, _ := json.MarshalIndent(c, "", "  ")
	if err := os.WriteFile(confFile, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func checkMode(t *testing.T, path string, mode fs.FileMode, owner string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	if got := fi.Mode() & (fs.ModeDir | fs.ModePerm); got != mode {
		t.Errorf("%s has mode %v, want %v", path, got, mode)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if u, err := user.LookupId(strconv.Itoa(int(st.Uid))); err != nil || u.Username != owner {
		t.Errorf("%s is owned by uid %d, want %s", path, st.Uid, owner)
	}
}

func sameFile(t *testing.T, installed, source string) {
	t.Helper()
	if fileSum(t, installed) != fileSum(t, source) {
		t.Errorf("%s differs from %s", installed, source)
	}
}

func fileSum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

func userGroups(t *testing.T, u *user.User) []string {
	t.Helper()
	ids, err := u.GroupIds()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, id := range ids {
		if g, err := user.LookupGroupId(id); err == nil {
			names = append(names, g.Name)
		}
	}
	return names
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// cccdProcesses lists the processes running as the user cccd.
func cccdProcesses() []int {
	u, err := user.Lookup("cccd")
	if err != nil {
		return nil
	}
	uid, _ := strconv.Atoi(u.Uid)
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if fi, err := os.Stat("/proc/" + e.Name()); err == nil && int(fi.Sys().(*syscall.Stat_t).Uid) == uid {
			pids = append(pids, pid)
		}
	}
	return pids
}
