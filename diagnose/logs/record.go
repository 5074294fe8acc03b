// Package logs reads the server logs of an incident (Apache httpd and nginx error and access logs,
// a gateway router's access log with fault codes, a message processor's system log, squid's access
// log), detects each one's format from its content, and turns what they show into evidence: the
// errors per backend over time, the pattern of the failures (all failing, in bursts, sporadic, one
// kind of request), and the lines that belong to the same request across logs.
//
// Reading streams line by line through one reused buffer; a parsed line is a Record whose byte
// fields point into that buffer and are valid only until the next line is read.
package logs

import "time"

// Format names a log format hopscope can read.
type Format string

// The formats. Apache and nginx write the same common and combined access formats, so one reader
// serves both.
const (
	ApacheError  Format = "apache-error"  // Apache httpd ErrorLog, 2.2 and 2.4 style
	NginxError   Format = "nginx-error"   // nginx error_log
	Access       Format = "access"        // common or combined access log (Apache, nginx)
	RouterAccess Format = "router-access" // a gateway router's nginx access log with fault code and source
	CustomAccess Format = "custom-access" // an access log in an nginx log_format given by the operator
	SquidAccess  Format = "squid-access"  // squid's native access.log
	MPSystem     Format = "mp-system"     // a gateway message processor's system.log
)

// Event is what one line says happened.
type Event uint8

// The events. EventNone is a line that was understood but says nothing about a failure (a notice,
// a start-up message).
const (
	EventNone               Event = iota
	EventConnectRefused           // the backend refused the connection
	EventConnectTimeout           // the connection to the backend timed out
	EventConnectUnreachable       // no route to the backend
	EventConnectFailed            // a failed connection with no reason given on the line
	EventWorkerDisabled           // the proxy refuses to try the backend after earlier failures
	EventPassBodyReset            // the backend closed or reset the connection during the body
	EventPassBodyTimeout          // sending the body timed out: the backend stopped reading
	EventPassBodyFailed           // sending the body failed with no reason on the line
	EventStatusLine               // the backend closed before answering (status line, premature close)
	EventReadTimeout              // the backend did not answer in time
	EventTLSTimeout               // the TLS handshake with the backend timed out
	EventTLSFailed                // the TLS handshake with the backend failed
	EventMPHandshakeTimeout       // the message processor's handshake with the target timed out
	EventConnectBusy              // the backend's accept queue was full (EAGAIN on the connect)
	EventRequest                  // an access-log entry: one request and its status (the last)
)

var eventNames = [...]string{
	EventNone:               "none",
	EventConnectRefused:     "connect refused",
	EventConnectTimeout:     "connect timeout",
	EventConnectUnreachable: "no route to backend",
	EventConnectFailed:      "connect failed",
	EventWorkerDisabled:     "backend disabled after errors",
	EventPassBodyReset:      "body cut by backend",
	EventPassBodyTimeout:    "body send timed out",
	EventPassBodyFailed:     "pass body failed",
	EventStatusLine:         "closed before answering",
	EventReadTimeout:        "response timeout",
	EventTLSTimeout:         "TLS handshake timeout",
	EventTLSFailed:          "TLS handshake failed",
	EventMPHandshakeTimeout: "handshake timeout",
	EventConnectBusy:        "backend accept queue full",
	EventRequest:            "request",
}

// String names the event for people.
func (e Event) String() string {
	if int(e) < len(eventNames) {
		return eventNames[e]
	}
	return "event?"
}

// IsFailure reports whether the event is a failure on the way to a backend.
func (e Event) IsFailure() bool { return e != EventNone && e != EventRequest }

// Record is one parsed line. Byte fields point into the reader's buffer: copy what must outlive
// the next line. Unknown numbers are -1.
type Record struct {
	// Line is the 1-based line number in its file.
	Line int64
	// Time is the line's time; zero when the line has none.
	Time time.Time
	// Event is what the line says happened.
	Event Event
	// Companion marks a second line about a failure already reported on the line before it
	// (Apache's AH01114 after AH00957, AH01097 after AH01084, AH00898 after AH01102): counted
	// once, not twice.
	Companion bool
	// Backend is the backend (host:port, an upstream URL's host, a CONNECT target).
	Backend []byte
	// Client is the peer that sent the request (address without port).
	Client []byte
	// Method and Path are the request's; Path without its query string.
	Method, Path []byte
	// Status is the HTTP status sent to the client (access logs).
	Status int
	// ReqBytes is the request's length in bytes when the log has it; -1 otherwise.
	ReqBytes int64
	// Duration is how long the request took when the log has it; -1 otherwise.
	Duration time.Duration
	// MsgID is the gateway's message id for the request.
	MsgID []byte
	// FaultCode and FaultSource are a gateway's fault fields (router access logs).
	FaultCode, FaultSource []byte
	// Result and Hier are squid's result code (TCP_DENIED) and hierarchy code (HIER_DIRECT).
	Result, Hier []byte
	// Age is the connection's age on a message processor's handshake-timeout line; -1 otherwise.
	Age time.Duration
	// Text is the whole line without its line ending.
	Text []byte
}

// reset clears r for the next line, keeping nothing that points into the previous one.
func (r *Record) reset(line int64, text []byte) {
	*r = Record{Line: line, Text: text, ReqBytes: -1, Duration: -1, Age: -1}
}

// A cleaner is a parser that knows which fields of a Record it writes. A record it filled is made
// ready for its next line by clearing those fields alone: a Record is some 300 bytes, and writing
// all of them for every line was a tenth of the time per line. Every field the parser may write,
// on a line it takes or on one it refuses, must be cleared (TestCleanIsReset holds it to that).
type cleaner interface {
	clean(r *Record)
}

// reuse makes r ready for the next line: cleaned by c when ready says r was reset once and
// written since only by c's parser, reset otherwise (no cleaner, or a record of another format).
func (r *Record) reuse(line int64, text []byte, c cleaner, ready bool) {
	if c == nil || !ready {
		r.reset(line, text)
		return
	}
	c.clean(r)
	r.Line, r.Text = line, text
}

// IsFailedRequest reports whether an access-log entry is a request the proxy failed to serve
// because of the hop behind it: 502, 503 or 504, or a gateway fault blamed on the target.
func (r *Record) IsFailedRequest() bool {
	if r.Event != EventRequest {
		return false
	}
	switch r.Status {
	case 502, 503, 504:
		return true
	}
	return len(r.FaultCode) > 1 && string(r.FaultSource) == "target"
}
