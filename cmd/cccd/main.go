// Command cccd reads Vietnamese chip ID cards (CCCD) at hospital reception,
// verifies them and checks health-insurance eligibility. This package only
// parses flags, calls the packages that do the work and prints.
package main

import (
	"fmt"
	"os"

	"github.com/cccd-agent/cccd/internal/errtext"
)

func main() {
	err := newRootCmd().Execute()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cccd: "+errtext.OneLine(err))
	}
	os.Exit(exitCode(err))
}
