//go:build tools

// Package tools pins, through go.mod, the modules the project is built from at
// the versions checked in research/dependencies.md, before every package that
// uses them exists. It is never compiled into the binary.
package tools

import (
	_ "github.com/ProtonMail/go-crypto/brainpool"
	_ "github.com/ajroetker/go-jpeg2000"
	_ "github.com/chromedp/chromedp"
	_ "github.com/coder/websocket"
	_ "github.com/coreos/go-systemd/v22/daemon"
	_ "github.com/ebfe/scard"
	_ "github.com/go-ble/ble"
	_ "github.com/kardianos/service"
	_ "github.com/klauspost/compress/zstd"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/schollz/progressbar/v3"
	_ "go.bug.st/serial"
	_ "go.bug.st/serial/enumerator"
	_ "go.etcd.io/bbolt"
	_ "golang.org/x/crypto/cryptobyte"
	_ "golang.org/x/sys/windows/svc"
	_ "golang.org/x/term"
	_ "golang.org/x/text/unicode/norm"
)
