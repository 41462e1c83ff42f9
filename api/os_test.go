package api

import "os"

var (
	osStat  = os.Stat
	osChmod = os.Chmod
)
