package logs

import (
	"bytes"
	"fmt"
)

// Options tune reading.
type Options struct {
	// LogFormat is an nginx log_format string for access logs in a custom format.
	LogFormat string
}

// parser reads one line of one format into r (already reset); false when the line is not in
// the format.
type parser interface {
	parse(line []byte, r *Record) bool
}

// newParser returns the parser of a format.
func newParser(f Format, opts Options) (parser, error) {
	switch f {
	case ApacheError:
		return &apacheError{}, nil
	case NginxError:
		return &nginxError{}, nil
	case Access, RouterAccess:
		return &access{}, nil
	case CustomAccess:
		return compileLogFormat(opts.LogFormat)
	case SquidAccess:
		return &squidAccess{}, nil
	case MPSystem:
		return &mpSystem{}, nil
	}
	return nil, fmt.Errorf("unknown log format %q", f)
}

// detectLines is how many non-empty lines of the head detection looks at.
const detectLines = 64

// Detect names the format of a log from its first bytes: the format that reads most of its first
// lines, provided it reads at least half of them (a pasted error with a log line in it stays text).
// A custom log_format in opts is tried first.
func Detect(head []byte, opts Options) (Format, bool) {
	candidates := []Format{ApacheError, NginxError, SquidAccess, MPSystem, RouterAccess}
	if opts.LogFormat != "" {
		if _, err := compileLogFormat(opts.LogFormat); err == nil {
			candidates = append([]Format{CustomAccess}, candidates...)
		}
	}
	var lines [][]byte
	for len(head) > 0 && len(lines) < detectLines {
		i := bytes.IndexByte(head, '\n')
		var line []byte
		if i < 0 {
			line, head = head, nil
		} else {
			line, head = head[:i], head[i+1:]
		}
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) > 0 {
			lines = append(lines, line)
		}
	}
	if len(lines) == 0 {
		return "", false
	}
	best, bestN := Format(""), 0
	var rec Record
	for _, f := range candidates {
		p, err := newParser(f, opts)
		if err != nil {
			continue
		}
		n, faults, ids := 0, 0, 0
		for i, line := range lines {
			rec.reset(int64(i+1), line)
			if p.parse(line, &rec) {
				n++
				if len(rec.FaultCode) > 0 {
					faults++
				}
				if len(rec.MsgID) > 0 {
					ids++
				}
			}
		}
		if f == MPSystem && ids == 0 {
			continue
		}
		if f == RouterAccess && faults == 0 {
			f = Access
		}
		if n > bestN {
			best, bestN = f, n
		}
	}
	if bestN == 0 || 2*bestN < len(lines) {
		return "", false
	}
	return best, true
}

// CheckLogFormat reports why an nginx log_format string cannot be used, or nil.
func CheckLogFormat(s string) error {
	_, err := compileLogFormat(s)
	return err
}
