package api

import (
	"embed"
	"io/fs"
)

//go:embed console
var consoleFiles embed.FS

// Console returns the embedded reception console (index.html, app.js, style.css).
func Console() fs.FS {
	sub, err := fs.Sub(consoleFiles, "console")
	if err != nil {
		panic(err) // the directory is embedded at build time; absence is a build bug
	}
	return sub
}
