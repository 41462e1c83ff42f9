package vicc

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/cccd-agent/cccd/internal/testenv"
)

//go:embed npa.py
var npaScript []byte

// DefaultOpenPACE is where `make test-deps` (scripts/build-openpace-python.sh)
// builds OpenPACE's Python bindings; CCCD_OPENPACE overrides it.
const DefaultOpenPACE = "/var/tmp/cccd-openpace"

// OpenPACEDir returns the directory of OpenPACE's Python bindings (eac.py,
// _eac*.so, chat.py), or reports them missing: a failure under `make test`,
// a skip otherwise.
func OpenPACEDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("CCCD_OPENPACE")
	if dir == "" {
		dir = DefaultOpenPACE
	}
	so, _ := filepath.Glob(filepath.Join(dir, "_eac*.so"))
	if _, err := os.Stat(filepath.Join(dir, "eac.py")); err != nil || len(so) == 0 {
		testenv.Missing(t, "OpenPACE Python bindings not built in "+dir+" (make test-deps)")
	}
	return dir
}

// PACE protocol OIDs of the nPA emulator's PACEInfo (BSI TR-03110 /
// ICAO 9303-11 9.2.3): id-PACE-<mapping>-<cipher>.
const (
	PACEDHGMAES128    = "0.4.0.127.0.7.2.2.4.1.2"
	PACEECDHGM3DES    = "0.4.0.127.0.7.2.2.4.2.1"
	PACEECDHGMAES128  = "0.4.0.127.0.7.2.2.4.2.2"
	PACEECDHGMAES192  = "0.4.0.127.0.7.2.2.4.2.3"
	PACEECDHGMAES256  = "0.4.0.127.0.7.2.2.4.2.4"
	PACEECDHIMAES128  = "0.4.0.127.0.7.2.2.4.4.2"
	PACEECDHCAMAES128 = "0.4.0.127.0.7.2.2.4.6.2"
)

// NPAOptions tune the nPA emulator.
type NPAOptions struct {
	// CAN is the card's CAN (default 222222, the library's).
	CAN string
	// PACEOID and ParameterID replace the card's one PACEInfo in both
	// EF.CardAccess and EF.CardSecurity (default ECDH-GM AES-128, 13).
	PACEOID     string
	ParameterID int
	// Trace makes the library log every APDU to the test log.
	Trace bool
}

// StartNPA launches vsmartcard's German eID (nPA) emulator, with PACE by
// OpenPACE, on the vpcd port through npa.py and returns once pcscd reports
// the card present. It stops when the test ends. The caller holds
// testenv.LockVPCD.
func StartNPA(t testing.TB, port int, opts NPAOptions) *Emulator {
	t.Helper()
	name := checkEnv(t, port)
	op := OpenPACEDir(t)
	if opts.CAN == "" {
		opts.CAN = "222222"
	}
	if opts.PACEOID == "" {
		opts.PACEOID, opts.ParameterID = PACEECDHGMAES128, 13
	}
	py := writeScripts(t)
	args := []string{py["npa.py"], "--port", fmt.Sprint(port), "--openpace", op, "--can", opts.CAN,
		"--pace-oid", opts.PACEOID, "--pace-param", fmt.Sprint(opts.ParameterID)}
	if opts.Trace {
		args = append(args, "--trace")
	}
	return launch(t, port, name, args)
}
