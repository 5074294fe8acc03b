package logs

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrLogFormat is returned for a log_format string hopscope cannot use.
var ErrLogFormat = errors.New("unusable log_format")

// logFormat reads access logs written in an nginx log_format the operator gives, such as
//
//	$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent $request_time "$upstream_addr" "$sent_http_x_apigee_fault_code"
//
// A variable's value runs up to the next piece of literal text, as nginx wrote it.
type logFormat struct {
	parts  []fmtPart
	stamps stampCache
}

type fmtPart struct {
	lit string // literal text, when v is varNone
	v   fmtVar // the variable
	end string // the literal that ends the variable ("" for the end of the line)
}

type fmtVar uint8

const (
	varNone fmtVar = iota
	varIgnored
	varClient
	varTimeLocal
	varTimeISO
	varMsec
	varRequest
	varMethod
	varURI
	varStatus
	varReqLength
	varReqTime
	varUpstream
	varFaultCode
	varFaultSource
	varMsgID
)

// compileLogFormat turns an nginx log_format string into a parser.
func compileLogFormat(s string) (*logFormat, error) {
	s = strings.TrimSpace(strings.Trim(strings.TrimSpace(s), "'"))
	var parts []fmtPart
	hasStatus := false
	for len(s) > 0 {
		i := strings.IndexByte(s, '$')
		if i != 0 {
			if i < 0 {
				i = len(s)
			}
			parts = append(parts, fmtPart{lit: s[:i]})
			s = s[i:]
			continue
		}
		name, n := varName(s[1:])
		if name == "" {
			return nil, fmt.Errorf("%w: a $ without a variable name at %q", ErrLogFormat, s)
		}
		if len(parts) > 0 && parts[len(parts)-1].lit == "" {
			return nil, fmt.Errorf("%w: $%s follows another variable with nothing between them", ErrLogFormat, name)
		}
		v := variable(name)
		hasStatus = hasStatus || v == varStatus
		parts = append(parts, fmtPart{v: v})
		s = s[1+n:]
	}
	if !hasStatus {
		return nil, fmt.Errorf("%w: it has no $status", ErrLogFormat)
	}
	for i := range parts {
		if parts[i].lit == "" && i+1 < len(parts) {
			parts[i].end = parts[i+1].lit
		}
	}
	return &logFormat{parts: parts}, nil
}

// varName reads "name" or "{name}" and says how many bytes it took.
func varName(s string) (string, int) {
	if strings.HasPrefix(s, "{") {
		if j := strings.IndexByte(s, '}'); j > 1 {
			return s[1:j], j + 1
		}
		return "", 0
	}
	j := 0
	for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
		j++
	}
	return s[:j], j
}

func variable(name string) fmtVar {
	switch name {
	case "remote_addr":
		return varClient
	case "time_local":
		return varTimeLocal
	case "time_iso8601":
		return varTimeISO
	case "msec":
		return varMsec
	case "request":
		return varRequest
	case "request_method":
		return varMethod
	case "request_uri", "uri":
		return varURI
	case "status":
		return varStatus
	case "request_length", "content_length", "http_content_length":
		return varReqLength
	case "request_time":
		return varReqTime
	case "upstream_addr":
		return varUpstream
	}
	switch n := strings.ToLower(name); {
	case strings.Contains(n, "fault_code"):
		return varFaultCode
	case strings.Contains(n, "fault_source"):
		return varFaultSource
	case strings.Contains(n, "message_id"), strings.Contains(n, "messageid"):
		return varMsgID
	}
	return varIgnored
}

func (p *logFormat) parse(line []byte, r *Record) bool {
	rest := line
	for _, part := range p.parts {
		if part.v == varNone {
			if !bytes.HasPrefix(rest, []byte(part.lit)) {
				return false
			}
			rest = rest[len(part.lit):]
			continue
		}
		val := rest
		if part.end != "" {
			i := bytes.Index(rest, []byte(part.end))
			if i < 0 {
				return false
			}
			val = rest[:i]
		}
		rest = rest[len(val):]
		if !p.set(part.v, val, r) {
			return false
		}
	}
	if r.Status == 0 {
		return false
	}
	r.Event = EventRequest
	return true
}

// set stores one variable's value; false when the value cannot be what the variable holds.
func (p *logFormat) set(v fmtVar, val []byte, r *Record) bool {
	dash := len(val) == 1 && val[0] == '-'
	switch v {
	case varClient:
		r.Client = val
	case varTimeLocal, varTimeISO, varMsec:
		t, ok, hit := p.stamps.get(val)
		if !hit {
			switch v {
			case varTimeLocal:
				t, ok = parseCLFTime(val)
			case varTimeISO:
				t, _, ok = parseDashedTime(val)
			default:
				t, ok = parseEpochTime(val)
			}
			p.stamps.put(val, t, ok)
		}
		if !ok {
			return false
		}
		r.Time = t
	case varRequest:
		r.Method, r.Path = splitRequest(val)
	case varMethod:
		r.Method = val
	case varURI:
		r.Path = upTo(val, "?")
	case varStatus:
		st := atoi(val)
		if st < 100 || st > 999 {
			return false
		}
		r.Status = int(st)
	case varReqLength:
		if n := atoi(val); n >= 0 {
			r.ReqBytes = n
		}
	case varReqTime:
		if d, ok := parseSeconds(val); ok {
			r.Duration = d
		}
	case varUpstream:
		if !dash {
			r.Backend = upTo(val, ", ")
		}
	case varFaultCode:
		if !dash {
			r.FaultCode = val
		}
	case varFaultSource:
		if !dash {
			r.FaultSource = val
		}
	case varMsgID:
		if !dash {
			r.MsgID = val
		}
	}
	return true
}

// parseSeconds reads nginx's "0.123" seconds.
func parseSeconds(b []byte) (time.Duration, bool) {
	i := 0
	var sec int64
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		sec = sec*10 + int64(b[i]-'0')
		i++
	}
	if i == 0 {
		return 0, false
	}
	ns, n := fraction(b, i)
	if i+n != len(b) {
		return 0, false
	}
	return time.Duration(sec)*time.Second + time.Duration(ns), true
}
