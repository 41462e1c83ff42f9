package packaging

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cccd-agent/cccd/internal/testenv"
)

// TestPolkitRule runs the polkit rule in a real JavaScript engine (headless
// Chromium) against a stand-in of polkit's API: it must parse, register one
// rule, allow the cccd user exactly the two pcscd actions, and stay silent
// (undefined: polkit's defaults apply) for everyone and everything else.
func TestPolkitRule(t *testing.T) {
	rule, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "packaging", "linux", "60-cccd-pcsc.rules"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := chromium(t)
	cases := []struct {
		Action string `json:"action"`
		User   string `json:"user"`
		want   string // "yes" or "" (no answer)
	}{
		{"org.debian.pcsc-lite.access_pcsc", "cccd", "yes"},
		{"org.debian.pcsc-lite.access_card", "cccd", "yes"},
		{"org.debian.pcsc-lite.access_pcsc", "nobody", ""},
		{"org.debian.pcsc-lite.access_card", "alice", ""},
		{"org.freedesktop.login1.reboot", "cccd", ""},
		{"org.freedesktop.udisks2.filesystem-mount", "cccd", ""},
		{"org.debian.pcsc-lite.access_pcsc", "cccd2", ""},
	}
	input, _ := json.Marshal(cases)
	// polkit calls each rule with (action, subject); action.id and
	// subject.user are what the rule may look at.
	script := `(function() {
  var rules = [];
  var polkit = {Result: {YES: "yes", NO: "no", AUTH_ADMIN: "auth_admin", AUTH_SELF: "auth_self"},
                addRule: function(f) { rules.push(f); }, addAdminRule: function() {}, log: function() {}};
` + string(rule) + `
  var cases = ` + string(input) + `;
  return JSON.stringify({rules: rules.length, answers: cases.map(function(c) {
    var r;
    for (var i = 0; i < rules.length && r === undefined; i++) {
      r = rules[i]({id: c.action, lookup: function() { return undefined; }},
                   {user: c.user, groups: [], local: false, active: false, isInGroup: function() { return false; }});
    }
    return r === undefined ? "" : r;
  })});
})()`
	step, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(step, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	out, err := chromedp.Run(step, chromedp.Evaluate[string](script))
	if err != nil {
		t.Fatalf("the rule does not run as JavaScript: %v", err)
	}
	var got struct {
		Rules   int      `json:"rules"`
		Answers []string `json:"answers"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Rules != 1 || len(got.Answers) != len(cases) {
		t.Errorf("the file registers %d rules (want 1) and gave %d answers (want %d)", got.Rules, len(got.Answers), len(cases))
	}
	for i, c := range cases {
		if i < len(got.Answers) && got.Answers[i] != c.want {
			t.Errorf("%s for user %s: rule answers %q, want %q", c.Action, c.User, got.Answers[i], c.want)
		}
	}
}

// TestMaintainerScripts checks the maintainer scripts with the shell dpkg
// uses (dash) and runs their argument parsing for every way dpkg and rpm
// call them, with systemctl, useradd and friends replaced by stubs that
// record their calls.
func TestMaintainerScripts(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(t), "packaging", "linux")
	dash := testenv.LookPath(t, "dash")
	for _, s := range []string{"preinstall.sh", "postinstall.sh", "preremove.sh", "postremove.sh"} {
		if out, err := exec.Command(dash, "-n", filepath.Join(dir, s)).CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", s, err, out)
		}
	}
	tests := []struct {
		script string
		args   []string
		exists bool     // the user cccd exists already
		want   []string // stub calls, in this order
		absent []string // calls that must not happen
	}{
		// deb fresh install: user made, data initialised, unit enabled.
		{"postinstall.sh", []string{"configure", ""}, false, []string{"groupadd --system cccd", "useradd --system", "runuser -u cccd -- /usr/bin/cccd serve --init", "systemctl enable cccd.service"}, nil},
		// deb upgrade: data migrated, enablement left as the admin set it.
		{"postinstall.sh", []string{"configure", "0.0.1"}, false, []string{"runuser -u cccd -- /usr/bin/cccd serve --init"}, []string{"systemctl enable"}},
		// rpm install ($1 = 1) and upgrade ($1 = 2).
		{"postinstall.sh", []string{"1"}, false, []string{"runuser", "systemctl enable cccd.service"}, nil},
		{"postinstall.sh", []string{"2"}, false, []string{"runuser"}, []string{"systemctl enable"}},
		// deb abort-upgrade: nothing to do.
		{"postinstall.sh", []string{"abort-upgrade", "0.0.1"}, false, nil, []string{"runuser", "useradd", "systemctl"}},
		// removal disables; an upgrade's prerm (deb "upgrade", rpm "1") does not.
		{"preremove.sh", []string{"remove"}, false, []string{"systemctl disable cccd.service"}, nil},
		{"preremove.sh", []string{"0"}, false, []string{"systemctl disable cccd.service"}, nil},
		{"preremove.sh", []string{"upgrade", "0.0.2"}, false, nil, []string{"systemctl"}},
		{"preremove.sh", []string{"1"}, false, nil, []string{"systemctl"}},
		// purge deletes the user; remove and rpm erase keep it.
		{"postremove.sh", []string{"purge"}, true, []string{"rm -rf /var/lib/cccd /etc/cccd", "userdel cccd", "groupdel cccd"}, nil},
		{"postremove.sh", []string{"remove"}, false, nil, []string{"userdel", "groupdel"}},
		{"postremove.sh", []string{"0"}, false, nil, []string{"userdel", "groupdel"}},
	}
	for _, tc := range tests {
		t.Run(tc.script+" "+strings.Join(tc.args, " "), func(t *testing.T) {
			calls := runWithStubs(t, dash, filepath.Join(dir, tc.script), tc.args, tc.exists)
			at := 0
			for _, w := range tc.want {
				found := false
				for at < len(calls) {
					at++
					if strings.HasPrefix(calls[at-1], w) {
						found = true
						break
					}
				}
				if !found {
					t.Errorf("no call %q (in order) among %q", w, calls)
				}
			}
			for _, a := range tc.absent {
				for _, c := range calls {
					if strings.HasPrefix(c, a) {
						t.Errorf("unexpected call %q", c)
					}
				}
			}
		})
	}
}

// runWithStubs runs script with PATH pointing at stubs of the commands it
// calls; each stub logs its command line. getent finds dialout, and the
// user and group cccd only when exists. rm is stubbed too, so purge deletes
// nothing. It returns the logged calls.
func runWithStubs(t *testing.T, shell, script string, args []string, exists bool) []string {
	t.Helper()
	bin := t.TempDir()
	logFile := filepath.Join(bin, "calls.log")
	stub := "#!/bin/sh\necho \"$(basename \"$0\") $*\" >>" + logFile + "\n"
	for _, name := range []string{"groupadd", "useradd", "userdel", "groupdel", "install", "chown", "runuser", "systemctl", "udevadm", "rm"} {
		os.WriteFile(filepath.Join(bin, name), []byte(stub), 0o755)
	}
	os.WriteFile(filepath.Join(bin, "getent"), []byte(stub+"[ \"$2\" = dialout ] || [ -n \"$STUB_CCCD_EXISTS\" ]\n"), 0o755)
	cmd := exec.Command(shell, append([]string{script}, args...)...)
	cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin"}
	if exists {
		cmd.Env = append(cmd.Env, "STUB_CCCD_EXISTS=1")
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(script), args, err, out)
	}
	b, _ := os.ReadFile(logFile)
	var calls []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l != "" && !strings.HasPrefix(l, "getent") {
			calls = append(calls, l)
		}
	}
	return calls
}

// chromium starts headless Chromium for one test.
func chromium(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(p); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		testenv.Missing(t, "chromium not installed (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}
