package logs

import (
	"bytes"
	"fmt"
	"math/bits"
	"sort"
)

// maxShapes bounds the distinct paths (and methods) counted; URLs with ids in them would
// otherwise grow without limit. Later shapes are pooled into one "other".
const maxShapes = 4096

// Correlation thresholds: the failures follow one request shape when that shape holds most of
// them, most requests of that shape fail, and the other requests mostly succeed.
const (
	corrCoverage = 0.8 // share of all failures the shape holds
	corrRate     = 0.5 // share of the shape's requests that fail
	corrRest     = 0.1 // highest failure share among the other requests
	corrOthers   = 3   // fewest other requests to compare against
)

type outcome struct {
	key           string // the key the counts are stored under
	total, failed int64
}

// shapeCounts counts requests and failures by path, by the path's first segment (ids further down
// a URL make every path unique), by method and by request size.
type shapeCounts struct {
	dims [3]map[string]*outcome
	// last holds, per dimension, the counts looked up last: consecutive requests mostly share a
	// method and often a path prefix, and a comparison is cheaper than a lookup.
	last [3]*outcome
	// sizes by power of two of the request length; index 64 holds unknown lengths.
	sizes [65]outcome
}

var dimNames = [3]string{"path", "path prefix", "method"}

func newShapeCounts() shapeCounts {
	return shapeCounts{dims: [3]map[string]*outcome{{}, {}, {}}}
}

func (c *shapeCounts) add(r *Record, failed bool) {
	c.count(0, r.Path, failed)
	if p := pathPrefix(r.Path); len(p) > 0 {
		c.count(1, p, failed)
	}
	c.count(2, r.Method, failed)
	b := 64
	if r.ReqBytes >= 0 {
		b = bits.Len64(uint64(r.ReqBytes))
	}
	c.sizes[b].total++
	if failed {
		c.sizes[b].failed++
	}
}

func (c *shapeCounts) count(dim int, key []byte, failed bool) {
	o := c.last[dim]
	if o == nil || o.key != string(key) {
		o = c.lookup(c.dims[dim], key)
		c.last[dim] = o
	}
	o.total++
	if failed {
		o.failed++
	}
}

// lookup returns the counts of a key, adding it (or pooling it into "(other)" past maxShapes).
func (c *shapeCounts) lookup(m map[string]*outcome, key []byte) *outcome {
	o, ok := m[string(key)]
	if !ok {
		k := string(key)
		if len(m) >= maxShapes {
			k = "(other)"
		}
		if o, ok = m[k]; !ok {
			o = &outcome{key: k}
			m[k] = o
		}
	}
	return o
}

// correlate finds the request shape the failures follow, if one does, and describes it.
// With retried set (the proxy is known to have retried requests on a new connection), a failure
// of only the non-idempotent methods is not taken as a request pattern: proxies retry GETs by
// themselves and never POSTs, so a stale connection fails exactly the POSTs.
func (c *shapeCounts) correlate(total, failed int64, retried bool) (string, bool) {
	type cand struct {
		dim, key string
		o        outcome
		score    float64
	}
	var best *cand
	try := func(dim, key string, o outcome) {
		others := total - o.total
		if o.failed < 2 || others < corrOthers || key == "(other)" || key == "" {
			return
		}
		if retried && dim == "method" && !idempotent(key) {
			return
		}
		coverage := float64(o.failed) / float64(failed)
		rate := float64(o.failed) / float64(o.total)
		rest := float64(failed-o.failed) / float64(others)
		if coverage < corrCoverage || rate < corrRate || rest > corrRest {
			return
		}
		score := coverage*rate - rest
		if best == nil || score > best.score {
			best = &cand{dim: dim, key: key, o: o, score: score}
		}
	}
	for i, m := range c.dims {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			try(dimNames[i], k, *m[k])
		}
	}
	for b, o := range c.sizes[:64] {
		if o.total > 0 {
			try("size", sizeLabel(b), o)
		}
	}
	if best == nil {
		return "", false
	}
	return fmt.Sprintf("failures follow the request %s %s: %d of its %d requests failed, %d of the %d others",
		best.dim, best.key, best.o.failed, best.o.total, failed-best.o.failed, total-best.o.total), true
}

// idempotent reports whether a proxy may retry a request of this method on another connection
// (RFC 9110, 9.2.2).
func idempotent(method string) bool {
	switch method {
	case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		return true
	}
	return false
}

// pathPrefix returns a path's first segment with its slash ("/report/" of "/report/7"), or nil
// when the path has only one segment.
func pathPrefix(p []byte) []byte {
	if len(p) < 2 || p[0] != '/' {
		return nil
	}
	i := bytes.IndexByte(p[1:], '/')
	if i < 0 || i+2 == len(p) {
		return nil
	}
	return p[:i+2]
}

// sizeLabel names a power-of-two size class.
func sizeLabel(b int) string {
	if b == 0 {
		return "0 bytes"
	}
	lo := uint64(1) << (b - 1)
	return fmt.Sprintf("%s–%s", humanBytes(lo), humanBytes(lo<<1))
}

func humanBytes(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
