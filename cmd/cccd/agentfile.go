package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/cccd-agent/cccd/internal/fsutil"
)

// agentFileName is where a running agent says where it listens
// (DATA_DIR/agent.json, mode 0600): CLI commands find it there whatever the
// configuration or `cccd demo --listen` said. It is removed at shutdown; a
// stale one (after a crash) points at nothing and is treated as absent.
const agentFileName = "agent.json"

type agentFile struct {
	URL     string    `json:"url"` // the console URL, e.g. http://127.0.0.1:7400/
	PID     int       `json:"pid"`
	Version string    `json:"version"`
	Started time.Time `json:"started"`
}

func writeAgentFile(dir string, f agentFile) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return fsutil.WriteFile(filepath.Join(dir, agentFileName), append(b, '\n'), 0o600)
}

func readAgentFile(dir string) (agentFile, bool) {
	b, err := os.ReadFile(filepath.Join(dir, agentFileName))
	if err != nil {
		return agentFile{}, false
	}
	var f agentFile
	if json.Unmarshal(b, &f) != nil || f.URL == "" {
		return agentFile{}, false
	}
	return f, true
}

func removeAgentFile(dir string) { os.Remove(filepath.Join(dir, agentFileName)) }
