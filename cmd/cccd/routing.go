package main

import (
	"io"

	"github.com/cccd-agent/cccd/reader"
	"github.com/cccd-agent/cccd/reader/ble"
	"github.com/cccd-agent/cccd/reader/pcsc"
	"github.com/cccd-agent/cccd/reader/pn532"
	"github.com/cccd-agent/cccd/reader/qr"
	"github.com/cccd-agent/cccd/reader/sim"
)

// routeOptions say which backends a router serves beyond its fixed readers.
type routeOptions struct {
	pn532OnDemand bool // open "pn532:PATH" names as they come (the CLI)
	pcsc          bool // every unprefixed name is a PC/SC reader
}

// readerRouter is the one place reader names are routed, for the agent and
// the CLI alike: fixed readers by their name, each backend's prefix for its
// own names, and PC/SC for the rest (its names come from the driver).
func readerRouter(fixed []reader.Reader, o routeOptions) *reader.Router {
	r := reader.NewRouter()
	for _, rd := range fixed {
		r.Add(rd)
	}
	r.Prefix(sim.SlotPrefix, nil)
	r.Prefix(ble.NamePrefix, nil)
	r.Prefix(qr.NamePrefix, nil) // scanners are not readers
	var openPN532 reader.OpenFunc
	if o.pn532OnDemand {
		openPN532 = func(name string) (reader.Reader, error) {
			path, _ := pn532.ParseName(name)
			pr, err := pn532.New(pn532.Config{Path: path})
			if err != nil {
				return nil, err
			}
			return pr, nil
		}
	}
	r.Prefix(pn532.NamePrefix, openPN532)
	if o.pcsc {
		r.Other(func(name string) (reader.Reader, error) { return pcsc.NewReader(name, pcsc.Options{}), nil })
	}
	return r
}

// openCLIReader opens the reader a command names with --reader; the second
// value releases it (the CLI's readers are its own, made for this command).
func openCLIReader(name string) (reader.Reader, func(), error) {
	r, err := readerRouter(nil, routeOptions{pn532OnDemand: true, pcsc: true}).Open(name)
	if err != nil {
		return nil, nil, err
	}
	release := func() {}
	if c, ok := r.(io.Closer); ok {
		release = func() { c.Close() }
	}
	return r, release, nil
}
