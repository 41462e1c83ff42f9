package sync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cccd-agent/cccd/sync/feed"
)

// ErrUnavailable: the feed server could not be reached or answered with an
// HTTP error; the roster held is kept and the sync is retried later.
var ErrUnavailable = errors.New("roster feed unavailable")

// httpState is what the last successful sync learned about the manifest,
// kept in the cache meta for conditional GETs.
type httpState struct {
	URL          string `json:"url"`
	KeyID        string `json:"keyid"` // the pinned key that verified it
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	Version      uint64 `json:"version"`
}

// manifestResponse is a manifest GET's outcome: notModified, or the body.
type manifestResponse struct {
	notModified  bool
	body         []byte
	etag         string
	lastModified string
}

// getManifest fetches manifest.json, conditionally on prev when given.
func (s *Syncer) getManifest(ctx context.Context, prev *httpState) (*manifestResponse, error) {
	ctx, guard := newStallGuard(ctx, s.cfg.StallTimeout)
	defer guard.stop()
	req, err := s.newRequest(ctx, s.manifestURL.String())
	if err != nil {
		return nil, fmt.Errorf("roster feed: build request: %w", err)
	}
	if prev != nil {
		if prev.ETag != "" {
			req.Header.Set("If-None-Match", prev.ETag)
		}
		if prev.LastModified != "" {
			req.Header.Set("If-Modified-Since", prev.LastModified)
		}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnavailable, s.redactedURL(), transportReason(err))
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		return &manifestResponse{notModified: true}, nil
	case http.StatusOK:
	default:
		return nil, fmt.Errorf("%w: %s answered %s for the manifest", ErrUnavailable, s.redactedURL(), resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(&countingReader{r: guard.reader(resp.Body), n: &s.downloaded}, feed.MaxManifestSize+1))
	if guard.stalled() {
		err = fmt.Errorf("no data for %v", s.cfg.StallTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: reading the manifest: %v", ErrUnavailable, transportReason(err))
	}
	return &manifestResponse{body: body, etag: resp.Header.Get("ETag"), lastModified: resp.Header.Get("Last-Modified")}, nil
}

// fetchObject returns the path of a complete, hash-checked copy of ref under
// the work directory, downloading what is missing. An interrupted download
// is kept as <sha>.part and resumed with an HTTP Range request next time.
func (s *Syncer) fetchObject(ctx context.Context, ref feed.Object, label string) (string, error) {
	final := filepath.Join(s.cfg.WorkDir, ref.SHA256+".zst")
	if err := verifyFile(final, ref); err == nil {
		return final, nil
	}
	part := filepath.Join(s.cfg.WorkDir, ref.SHA256+".part")
	if err := s.download(ctx, ref, part, label); err != nil {
		return "", err
	}
	if err := verifyFile(part, ref); err != nil {
		os.Remove(part) // never resume from bytes that hash wrong
		return "", err
	}
	if err := os.Rename(part, final); err != nil {
		return "", fmt.Errorf("roster feed: keep downloaded object: %w", err)
	}
	return final, nil
}

// download brings part up to ref.Size bytes, resuming from what it holds.
func (s *Syncer) download(ctx context.Context, ref feed.Object, part, label string) error {
	f, err := os.OpenFile(part, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("roster feed: open partial download: %w", err)
	}
	defer f.Close()
	have, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("roster feed: partial download: %w", err)
	}
	if have > ref.Size {
		if err := f.Truncate(0); err != nil {
			return fmt.Errorf("roster feed: reset partial download: %w", err)
		}
		have = 0
	}
	if have == ref.Size {
		return nil
	}
	u := s.base.ResolveReference(&url.URL{Path: feed.ObjectPath(ref.SHA256)})
	ctx, guard := newStallGuard(ctx, s.cfg.StallTimeout)
	defer guard.stop()
	req, err := s.newRequest(ctx, u.String())
	if err != nil {
		return fmt.Errorf("roster feed: build request: %w", err)
	}
	if have > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(have, 10)+"-")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: object %.12s…: %v", ErrUnavailable, ref.SHA256, transportReason(err))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusPartialContent && have > 0 && rangeStart(resp.Header.Get("Content-Range")) == have:
		// resume: append
	case resp.StatusCode == http.StatusOK:
		// The server ignored the range (or none was asked): start over.
		if err := f.Truncate(0); err != nil {
			return fmt.Errorf("roster feed: reset partial download: %w", err)
		}
		have = 0
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable || resp.StatusCode == http.StatusPartialContent:
		// The server's idea of the object differs from ours: start over next time.
		f.Truncate(0)
		return fmt.Errorf("%w: object %.12s… answered %s to a resume; it will be fetched whole", ErrUnavailable, ref.SHA256, resp.Status)
	default:
		return fmt.Errorf("%w: %s answered %s for object %.12s…", ErrUnavailable, s.redactedURL(), resp.Status, ref.SHA256)
	}
	if _, err := f.Seek(have, io.SeekStart); err != nil {
		return fmt.Errorf("roster feed: partial download: %w", err)
	}
	var w io.Writer = f
	if s.cfg.Progress != nil {
		p := s.cfg.Progress(label, ref.Size, have)
		defer p.Close()
		w = io.MultiWriter(f, ignoreErrors{p})
	}
	// Read at most one byte beyond the expected size: a longer body is a
	// hash mismatch, not a reason to fill the disk.
	body := io.LimitReader(&countingReader{r: guard.reader(resp.Body), n: &s.downloaded}, ref.Size-have+1)
	_, copyErr := io.Copy(w, body)
	if guard.stalled() {
		copyErr = fmt.Errorf("no data for %v", s.cfg.StallTimeout)
	}
	if err := f.Sync(); err != nil && copyErr == nil {
		copyErr = err
	}
	if copyErr != nil {
		return fmt.Errorf("%w: object %.12s… interrupted (will resume): %v", ErrUnavailable, ref.SHA256, transportReason(copyErr))
	}
	return nil
}

// verifyFile checks a file's size and SHA-256 against ref.
func verifyFile(path string, ref feed.Object) error {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return fmt.Errorf("roster feed: open object: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("roster feed: read object: %w", err)
	}
	if n != ref.Size || hex.EncodeToString(h.Sum(nil)) != ref.SHA256 {
		return fmt.Errorf("%w: object %.12s… (%d bytes, want %d); the feed server holds a corrupt or tampered copy",
			feed.ErrHashMismatch, ref.SHA256, n, ref.Size)
	}
	return nil
}

// rangeStart parses the first byte position of "bytes a-b/n"; -1 if absent.
func rangeStart(cr string) int64 {
	rest, ok := strings.CutPrefix(cr, "bytes ")
	if !ok {
		return -1
	}
	a, _, ok := strings.Cut(rest, "-")
	if !ok {
		return -1
	}
	n, err := strconv.ParseInt(a, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// transportReason drops the URL from net/http errors (which may carry
// credentials in a query string) and keeps the cause.
func transportReason(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// countingReader adds the bytes read to *n.
type countingReader struct {
	r io.Reader
	n *int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}

// ignoreErrors keeps a failing progress display from failing a download.
type ignoreErrors struct{ w io.Writer }

func (i ignoreErrors) Write(p []byte) (int, error) {
	i.w.Write(p)
	return len(p), nil
}

// stallGuard cancels a transfer that receives nothing for a while: the
// daemon's context lives for days, and a dead TCP peer must not hold the
// sync loop (the download resumes on the next attempt).
type stallGuard struct {
	timer   *time.Timer
	d       time.Duration
	cancel  context.CancelFunc
	expired atomic.Bool
}

func newStallGuard(ctx context.Context, d time.Duration) (context.Context, *stallGuard) {
	ctx, cancel := context.WithCancel(ctx)
	g := &stallGuard{d: d, cancel: cancel}
	g.timer = time.AfterFunc(d, func() {
		g.expired.Store(true)
		cancel()
	})
	return ctx, g
}

// reader returns r with every read pushing the deadline back.
func (g *stallGuard) reader(r io.Reader) io.Reader { return stallReader{r: r, g: g} }

func (g *stallGuard) stalled() bool { return g.expired.Load() }

func (g *stallGuard) stop() {
	g.timer.Stop()
	g.cancel()
}

type stallReader struct {
	r io.Reader
	g *stallGuard
}

func (s stallReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 {
		s.g.timer.Reset(s.g.d)
	}
	return n, err
}

// newRequest is a GET of the feed with its configured Authorization.
func (s *Syncer) newRequest(ctx context.Context, url string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err == nil && s.cfg.Authorization != "" {
		req.Header.Set("Authorization", s.cfg.Authorization)
	}
	return req, err
}
