package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cccd-agent/cccd/reader"
)

// Exit codes: stable, listed in docs/FORMATS.md (a test keeps them in step).
const (
	exitOK           = 0
	exitFailure      = 1
	exitUsage        = 2
	exitAccessDenied = 3
	exitVerification = 4
	exitNoCard       = 5
	exitRoster       = 6
)

// codedError carries the exit code a command chose for its error.
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

// withCode marks err with an exit code; nil stays nil.
func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &codedError{code: code, err: err}
}

// orCode marks err with code unless it carries one already (the agent
// client and openCacheRead choose theirs).
func orCode(code int, err error) error {
	var coded *codedError
	if errors.As(err, &coded) {
		return err
	}
	return withCode(code, err)
}

func usageError(err error) error { return withCode(exitUsage, err) }

func usagef(format string, a ...any) error { return usageError(fmt.Errorf(format, a...)) }

// exitCode maps an error to the process exit code: an explicit code first,
// then the sentinels of the packages below.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var coded *codedError
	if errors.As(err, &coded) {
		return coded.code
	}
	for _, c := range sentinelCodes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	if strings.HasPrefix(err.Error(), "unknown command") || strings.HasPrefix(err.Error(), "unknown flag") {
		return exitUsage
	}
	return exitFailure
}

// sentinelCodes lists package sentinels with their exit codes. Files of this
// package append to it in init when they bring a package in.
var sentinelCodes = []struct {
	err  error
	code int
}{
	{reader.ErrNoService, exitNoCard},
	{reader.ErrNoReader, exitNoCard},
	{reader.ErrNoCard, exitNoCard},
	{reader.ErrCardRemoved, exitNoCard},
	{reader.ErrReaderBusy, exitNoCard},
	{reader.ErrTimeout, exitNoCard},
}
