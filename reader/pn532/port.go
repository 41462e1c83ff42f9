package pn532

import (
	"errors"
	"fmt"
	"time"

	"go.bug.st/serial"

	"github.com/cccd-agent/cccd/reader"
)

// Port is the part of a serial port the driver uses. go.bug.st/serial's
// serial.Port satisfies it; tests may substitute their own.
type Port interface {
	Read(p []byte) (int, error)
	Write(p []byte) (int, error)
	// SetReadTimeout bounds each Read; a Read that times out returns (0, nil).
	SetReadTimeout(d time.Duration) error
	ResetInputBuffer() error
	Close() error
}

// DefaultBaudRate is the PN532 HSU default (libnfc PN532_UART_DEFAULT_SPEED).
const DefaultBaudRate = 115200

// OpenSerial opens path at baud 8N1 with go.bug.st/serial. A missing device
// maps to reader.ErrNoReader and a port held by another program to
// reader.ErrReaderBusy.
func OpenSerial(path string, baud int) (Port, error) {
	p, err := serial.Open(path, &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
	if err != nil {
		return nil, portOpenError(path, err)
	}
	return p, nil
}

func portOpenError(path string, err error) error {
	var pe *serial.PortError
	if errors.As(err, &pe) {
		switch pe.Code() {
		case serial.PortBusy:
			return fmt.Errorf("%w: %s is open in another program; close it and retry", reader.ErrReaderBusy, path)
		case serial.PermissionDenied:
			return fmt.Errorf("%w: no permission to open %s; add the user to the dialout group", reader.ErrNoReader, path)
		}
	}
	return fmt.Errorf("%w: cannot open %s (%v); check the cable and the port name", reader.ErrNoReader, path, err)
}

// errPortDead marks errors after which the port must be closed and reopened.
var errPortDead = errors.New("pn532: port unusable")

// deadPortError is a read or write failure of an open port: the reader was
// unplugged or the port closed under us. It unwraps to reader.ErrNoReader
// and errPortDead.
type deadPortError struct{ msg string }

func (e *deadPortError) Error() string   { return e.msg }
func (e *deadPortError) Unwrap() []error { return []error{reader.ErrNoReader, errPortDead} }

func portError(path, op string, err error) error {
	return &deadPortError{msg: fmt.Sprintf("pn532: %s on %s failed (%v); the reader was unplugged or the port closed, plug it back in and retry", op, path, err)}
}
