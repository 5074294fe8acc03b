package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// httpTimeout bounds one request through the reverse proxy; the slowest failure the scenarios
// make (a connect timeout followed by a read timeout) ends well inside it.
const httpTimeout = 12 * time.Second

// httpRequest is one request of a scenario's traffic, started At after the pass begins whether
// or not the earlier ones have ended (clients of a busy site do not wait for each other).
type httpRequest struct {
	At     time.Duration
	Method string
	Path   string
	Body   int64 // bytes of body to upload; 0 sends none
}

// httpResult is what the client saw for one request.
type httpResult struct {
	httpRequest
	Status  string // "502 Bad Gateway", or "" when no answer came
	Err     error
	Took    time.Duration
	Headers string // the response head, for the transcript
	Excerpt string // the start of the response body
}

func (r httpResult) outcome() string {
	if r.Status != "" {
		return "answered " + r.Status
	}
	return "no answer: " + r.Err.Error()
}

// httpTraffic returns a Traffic that sends plan through the reverse proxy (Targets.Target, or
// Target6 for the IPv6 pass) from inside the scenario's namespace, one connection per request.
func httpTraffic(plan []httpRequest) func(context.Context, *Lab, bool) (string, error) {
	return func(ctx context.Context, l *Lab, v6 bool) (string, error) {
		base := l.Targets.Target
		if v6 {
			base = l.Targets.Target6
		}
		base = strings.TrimSuffix(base, "/")
		tr := &http.Transport{
			DisableKeepAlives: true,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				return DialContext(ctx, l.Targets.Netns, network, addr)
			},
		}
		defer tr.CloseIdleConnections()
		client := &http.Client{Transport: tr, Timeout: httpTimeout}
		results := make([]httpResult, len(plan))
		start := time.Now()
		var wg sync.WaitGroup
		for i, req := range plan {
			if wait := req.At - time.Since(start); wait > 0 && !sleepUntil(ctx, wait) {
				break
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = doHTTP(ctx, client, base, req)
			}()
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return "", err
		}
		return httpTranscript(base, results), nil
	}
}

func sleepUntil(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// doHTTP sends one request and reads the answer, if any.
func doHTTP(ctx context.Context, c *http.Client, base string, r httpRequest) httpResult {
	res := httpResult{httpRequest: r}
	var body io.Reader
	if r.Body > 0 {
		body = io.LimitReader(zeroReader{}, r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, base+r.Path, body)
	if err != nil {
		res.Err = err
		return res
	}
	req.ContentLength = r.Body
	req.Header.Set("User-Agent", "hopscope-lab")
	if r.Body > 0 {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		res.Took, res.Err = time.Since(start), unwrapURLError(err)
		return res
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, bodyShown))
	res.Took, res.Status = time.Since(start), resp.Status
	var h strings.Builder
	fmt.Fprintf(&h, "< %s %s\n", resp.Proto, resp.Status)
	keys := make([]string, 0, len(resp.Header))
	for k := range resp.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range resp.Header[k] {
			fmt.Fprintf(&h, "< %s: %s\n", k, v)
		}
	}
	res.Headers, res.Excerpt = h.String(), strings.TrimSpace(string(b))
	return res
}

// unwrapURLError drops net/http's `Post "http://…":` prefix: the transcript names the request.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// httpTranscript writes client.txt's part for one pass: one line per request in start order,
// the first failure in full, and a count of each outcome.
func httpTranscript(base string, results []httpResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d requests to %s, one connection each\n", len(results), base)
	counts := map[string]int{}
	var order []string
	var firstFail *httpResult
	for i, r := range results {
		size := ""
		if r.Body > 0 {
			size = fmt.Sprintf(" (%d-byte body)", r.Body)
		}
		fmt.Fprintf(&b, "+%5.2fs %s %s%s → %s after %s\n", r.At.Seconds(), r.Method, r.Path, size, r.outcome(),
			r.Took.Round(time.Millisecond))
		o := r.outcome()
		if counts[o] == 0 {
			order = append(order, o)
		}
		counts[o]++
		if firstFail == nil && !strings.HasPrefix(r.Status, "2") {
			firstFail = &results[i]
		}
	}
	if firstFail != nil {
		fmt.Fprintf(&b, "\n## first failure: %s %s\n", firstFail.Method, firstFail.Path)
		if firstFail.Status == "" {
			fmt.Fprintf(&b, "* %v\n", firstFail.Err)
		} else {
			b.WriteString(firstFail.Headers)
			if firstFail.Excerpt != "" {
				fmt.Fprintf(&b, "<\n%s\n", firstFail.Excerpt)
			}
		}
	}
	fmt.Fprintf(&b, "\n## %d attempts\n", len(results))
	for _, o := range order {
		fmt.Fprintf(&b, "%d × %s\n", counts[o], o)
	}
	return b.String()
}

// zeroReader is an endless request body, paced at about 4 MB/s (8 KiB every 2 ms): as fast as
// a client on a good link, slow enough that tcpdump keeps every packet of a loopback upload on
// a busy two-core machine.
type zeroReader struct{}

const (
	uploadChunk = 8 << 10
	uploadPause = 2 * time.Millisecond
)

func (zeroReader) Read(p []byte) (int, error) {
	time.Sleep(uploadPause)
	p = p[:min(len(p), uploadChunk)]
	clear(p)
	return len(p), nil
}

// Plans: helpers that lay out requests in time.

// every returns n requests for path(i), one each interval, starting at from.
func every(n int, from, interval time.Duration, method string, body int64, path func(i int) string) []httpRequest {
	rs := make([]httpRequest, n)
	for i := range rs {
		rs[i] = httpRequest{At: from + time.Duration(i)*interval, Method: method, Path: path(i), Body: body}
	}
	return rs
}

// merge joins plans and orders them by start time.
func merge(plans ...[]httpRequest) []httpRequest {
	var all []httpRequest
	for _, p := range plans {
		all = append(all, p...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].At < all[j].At })
	return all
}

func numbered(prefix string) func(int) string {
	return func(i int) string { return fmt.Sprintf("%s%d", prefix, i+1) }
}
