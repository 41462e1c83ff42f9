package api

import (
	"encoding/json"
	"os"
	"time"
)

var (
	osStat  = os.Stat
	osChmod = os.Chmod
)

var jsonUnmarshal = json.Unmarshal

func testNow() time.Time { return time.Now().Add(time.Hour) }
