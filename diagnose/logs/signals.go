package logs

import (
	"bytes"
	"time"
)

// The signals a line can show. They are static slices so that mapping a line to its signals
// allocates nothing.
var (
	sigConnRefused     = []string{"log.proxy.connect-refused", "log.proxy.connect-failed"}
	sigConnTimeout     = []string{"log.proxy.connect-timeout", "log.proxy.connect-failed"}
	sigConnUnreachable = []string{"log.proxy.connect-unreachable", "log.proxy.connect-failed"}
	sigConnFailed      = []string{"log.proxy.connect-failed"}
	sigConnBusy        = []string{"log.proxy.connect-busy", "log.proxy.connect-failed"}
	sigDisabled        = []string{"log.proxy.backend-disabled"}
	sigBodyReset       = []string{"log.proxy.pass-body-failed", "log.proxy.pass-body-reset"}
	sigBodyTimeout     = []string{"log.proxy.pass-body-failed", "log.proxy.pass-body-timeout"}
	sigBodyFailed      = []string{"log.proxy.pass-body-failed"}
	sigStatusLine      = []string{"log.proxy.status-line-error"}
	sigReadTimeout     = []string{"log.proxy.read-timeout"}
	// A request without a body cannot have stalled on its body.
	sigReadTimeoutBodiless = []string{"log.proxy.read-timeout", "log.proxy.read-timeout-bodiless"}
	// Apache's AH01102 with a timeout says both: no status line came, because of a timeout.
	sigStatusTimeout = []string{"log.proxy.read-timeout", "log.proxy.status-line-error"}
	sigTLSTimeout    = []string{"log.proxy.tls-handshake-timeout"}
	sigTLSFailed     = []string{"log.proxy.tls-handshake-failed"}
	sigMPHandshake   = []string{"mp.log.handshake-timeout"}
	sigMPHandshake55 = []string{"mp.log.handshake-timeout", "gateway.timeout.55s"}

	sigFaultTunnel     = []string{"gateway.fault.tunnel-failed"}
	sigFaultBadGateway = []string{"gateway.fault.bad-gateway"}
	sigFaultSource     = []string{"gateway.fault-source.target"}
	sigFaultTunnelSrc  = []string{"gateway.fault.tunnel-failed", "gateway.fault-source.target"}
	sigFaultBadGwSrc   = []string{"gateway.fault.bad-gateway", "gateway.fault-source.target"}

	sigSquidDenied = []string{"proxy.connect.status.403", "proxy.error.access-denied"}
	sigSquidAuth   = []string{"proxy.connect.status.407", "proxy.error.auth-required"}
	sigSquid404    = []string{"proxy.connect.status.404"}
	sigSquid500    = []string{"proxy.connect.status.500"}
	sigSquid502    = []string{"proxy.connect.status.502"}
	sigSquid503    = []string{"proxy.connect.status.503"}
	sigSquid503Ref = []string{"proxy.connect.status.503", "proxy.error.connect-refused"}
	sigSquid503TO  = []string{"proxy.connect.status.503", "proxy.error.connect-timeout"}
	sigSquid504    = []string{"proxy.connect.status.504"}
	sigSquid403    = []string{"proxy.connect.status.403"}
)

// How long a failed squid CONNECT took tells a refusal from a timeout. A refusal takes one round
// trip (well under squidRefusedWithin on any sane path); squid's connect_timeout cannot usefully
// be set below a second.
const (
	squidRefusedWithin = 200 * time.Millisecond
	squidTimeoutAfter  = time.Second
)

// lineSignals returns the signals one parsed line shows, or nil.
func lineSignals(f Format, r *Record) []string {
	switch r.Event {
	case EventConnectRefused:
		return sigConnRefused
	case EventConnectTimeout:
		return sigConnTimeout
	case EventConnectUnreachable:
		return sigConnUnreachable
	case EventConnectFailed:
		return sigConnFailed
	case EventConnectBusy:
		return sigConnBusy
	case EventWorkerDisabled:
		return sigDisabled
	case EventPassBodyReset:
		return sigBodyReset
	case EventPassBodyTimeout:
		return sigBodyTimeout
	case EventPassBodyFailed:
		return sigBodyFailed
	case EventStatusLine:
		return sigStatusLine
	case EventReadTimeout:
		if f == ApacheError && has(r.Text, "status line") {
			return sigStatusTimeout
		}
		if m := string(r.Method); m == "GET" || m == "HEAD" {
			return sigReadTimeoutBodiless
		}
		return sigReadTimeout
	case EventTLSTimeout:
		return sigTLSTimeout
	case EventTLSFailed:
		return sigTLSFailed
	case EventMPHandshakeTimeout:
		// The gateway's default I/O timeout is 55 s; the recognizer for pasted lines reads an
		// age between 54 and 70 s the same way.
		if r.Age >= 54*time.Second && r.Age < 70*time.Second {
			return sigMPHandshake55
		}
		return sigMPHandshake
	case EventRequest:
		if f == SquidAccess {
			return squidSignals(r)
		}
		return faultSignals(r)
	}
	return nil
}

// faultSignals maps a router access line's fault code and source.
func faultSignals(r *Record) []string {
	if len(r.FaultCode) < 2 {
		return nil
	}
	target := string(r.FaultSource) == "target"
	switch {
	case bytes.Equal(r.FaultCode, []byte("protocol.http.ProxyTunnelCreationFailed")):
		if target {
			return sigFaultTunnelSrc
		}
		return sigFaultTunnel
	case bytes.HasPrefix(r.FaultCode, []byte("messaging.adaptors.http.")) && bytes.HasSuffix(r.FaultCode, []byte(".BadGateway")):
		if target {
			return sigFaultBadGwSrc
		}
		return sigFaultBadGateway
	case target:
		return sigFaultSource
	}
	return nil
}

// squidSignals maps a squid CONNECT that failed to the status the client got. A tunnel that was
// made is not a line signal: one allowed CONNECT says nothing about the one that was refused.
func squidSignals(r *Record) []string {
	if string(r.Method) != "CONNECT" {
		return nil
	}
	denied := string(r.Result) == "TCP_DENIED"
	switch r.Status {
	case 403:
		if denied {
			return sigSquidDenied
		}
		return sigSquid403
	case 407:
		return sigSquidAuth
	case 404:
		return sigSquid404
	case 500:
		return sigSquid500
	case 502:
		return sigSquid502
	case 503:
		// squid's access log does not say why the connect failed, but how long it took does:
		// a refusal comes back at once, a timeout after squid's connect_timeout (seconds).
		if string(r.Hier) == "HIER_DIRECT" {
			switch {
			case r.Duration >= squidTimeoutAfter:
				return sigSquid503TO
			case r.Duration >= 0 && r.Duration < squidRefusedWithin:
				return sigSquid503Ref
			}
		}
		return sigSquid503
	case 504:
		return sigSquid504
	}
	return nil
}

// says is what a line showing a signal means, put before the quoted line in evidence.
var says = map[string]string{
	"log.proxy.connect-refused":       "the backend refused the proxy's connection",
	"log.proxy.connect-timeout":       "the proxy's connection to the backend timed out",
	"log.proxy.connect-unreachable":   "the proxy has no route to the backend",
	"log.proxy.connect-busy":          "the backend's accept queue was full",
	"log.proxy.connect-failed":        "the proxy could not connect to the backend",
	"log.proxy.backend-disabled":      "the proxy stopped trying the backend after errors",
	"log.proxy.pass-body-failed":      "sending the request body to the backend failed",
	"log.proxy.pass-body-reset":       "the backend closed or reset the connection during the body",
	"log.proxy.pass-body-timeout":     "the backend stopped reading the body until the proxy timed out",
	"log.proxy.status-line-error":     "the backend closed the connection without answering",
	"log.proxy.read-timeout":          "the proxy gave up waiting for the backend's answer",
	"log.proxy.tls-handshake-timeout": "the TLS handshake with the backend timed out",
	"log.proxy.tls-handshake-failed":  "the TLS handshake with the backend failed",
	"mp.log.handshake-timeout":        "the message processor's TLS handshake with the target timed out",
	"gateway.timeout.55s":             "the connection was about 55 s old, the gateway's default timeout",
	"gateway.fault.tunnel-failed":     "the gateway could not get a tunnel from its forward proxy",
	"gateway.fault.bad-gateway":       "the gateway got no usable answer from the target (502)",
	"gateway.fault-source.target":     "the gateway blames the target side",
	"proxy.error.access-denied":       "squid denied the CONNECT by rule (TCP_DENIED)",
	"proxy.error.auth-required":       "squid wants proxy credentials (TCP_DENIED/407)",
}

// meaning returns what a line showing sig means.
func meaning(sig string, e Event) string {
	if s, ok := says[sig]; ok {
		return s
	}
	if len(sig) > len("proxy.connect.status.") && sig[:len("proxy.connect.status.")] == "proxy.connect.status." {
		return "squid answered the CONNECT with " + sig[len("proxy.connect.status."):]
	}
	return e.String()
}
