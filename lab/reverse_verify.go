package lab

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// accessEntry is one request of a combined-format access log (Apache and nginx alike).
type accessEntry struct {
	Method, Path string
	Status       int
}

var accessLine = regexp.MustCompile(`"([A-Z]+) (\S+) HTTP/[0-9.]+" ([0-9]{3}) `)

// accessLog reads the requests of an access log in a recording.
func (r *Recording) accessLog(file string) ([]accessEntry, error) {
	s, err := r.readRec(file)
	if err != nil {
		return nil, err
	}
	var es []accessEntry
	for _, line := range strings.Split(s, "\n") {
		m := accessLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		st, _ := strconv.Atoi(m[3])
		es = append(es, accessEntry{Method: m[1], Path: m[2], Status: st})
	}
	if len(es) == 0 {
		return nil, fmt.Errorf("recording: %s has no requests", file)
	}
	return es, nil
}

// expectStatuses checks every request of an access log that match selects: want says whether
// its status is the one expected, and what was expected.
func (r *Recording) expectStatuses(file string, match func(accessEntry) bool, want func(int) bool, what string) error {
	es, err := r.accessLog(file)
	if err != nil {
		return err
	}
	n := 0
	for _, e := range es {
		if !match(e) {
			continue
		}
		n++
		if !want(e.Status) {
			return fmt.Errorf("recording: %s: %s %s answered %d, want %s", file, e.Method, e.Path, e.Status, what)
		}
	}
	if n == 0 {
		return fmt.Errorf("recording: %s has no request to check for %s", file, what)
	}
	return nil
}

// failureShare returns how many requests of an access log matching match failed (5xx) and
// how many there were.
func (r *Recording) failureShare(file string, match func(accessEntry) bool) (failed, total int, err error) {
	es, err := r.accessLog(file)
	if err != nil {
		return 0, 0, err
	}
	for _, e := range es {
		if match(e) {
			total++
			if e.Status >= 500 {
				failed++
			}
		}
	}
	return failed, total, nil
}

// expectLines checks that at least min lines of a recording's file hold every string in want.
func (r *Recording) expectLines(file string, min int, want ...string) error {
	s, err := r.readRec(file)
	if err != nil {
		return err
	}
	n := 0
	for _, line := range strings.Split(s, "\n") {
		all := true
		for _, w := range want {
			all = all && strings.Contains(line, w)
		}
		if all {
			n++
		}
	}
	if n < min {
		return fmt.Errorf("recording: %s has %d lines with %q, want at least %d", file, n, want, min)
	}
	return nil
}

func anyRequest(accessEntry) bool { return true }

func pathHas(sub string) func(accessEntry) bool {
	return func(e accessEntry) bool { return strings.Contains(e.Path, sub) }
}

func not(f func(accessEntry) bool) func(accessEntry) bool {
	return func(e accessEntry) bool { return !f(e) }
}

func methodIs(m string) func(accessEntry) bool {
	return func(e accessEntry) bool { return e.Method == m }
}

func statusIs(codes ...int) func(int) bool {
	return func(s int) bool {
		for _, c := range codes {
			if s == c {
				return true
			}
		}
		return false
	}
}

// controlGet shows the proxy and backend answer a plain GET of path through the proxy: the
// scenario's failure is down to its cause, not to a broken set-up. A few tries allow for a
// scenario whose failures are random.
func controlGet(path string) func(context.Context, *Lab) error {
	return func(ctx context.Context, l *Lab) error {
		tr := &http.Transport{
			DisableKeepAlives: true,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				return DialContext(ctx, l.Targets.Netns, network, addr)
			},
		}
		defer tr.CloseIdleConnections()
		c := &http.Client{Transport: tr, Timeout: httpTimeout}
		var last string
		for range 3 {
			res := doHTTP(ctx, c, strings.TrimSuffix(l.Targets.Target, "/"), httpRequest{Method: "GET", Path: path})
			if strings.HasPrefix(res.Status, "200") {
				return nil
			}
			last = res.outcome()
			if !sleepUntil(ctx, 200*time.Millisecond) {
				break
			}
		}
		return fmt.Errorf("GET %s through the proxy: %s", path, last)
	}
}
