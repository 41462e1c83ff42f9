package api

import (
	"encoding/json"
	"os"
)

var (
	osStat  = os.Stat
	osChmod = os.Chmod
)

var jsonUnmarshal = json.Unmarshal
