package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"
)

// TLSOutcome says how a TLS handshake ended.
type TLSOutcome string

// The ways a handshake ends.
const (
	TLSOK       TLSOutcome = "ok"       // the handshake completed and the certificate verified (or was not checked)
	TLSAlert    TLSOutcome = "alert"    // the server answered with a TLS alert
	TLSTimeout  TLSOutcome = "timeout"  // no answer (or an unfinished one) before the deadline
	TLSReset    TLSOutcome = "reset"    // the server reset the connection
	TLSClosed   TLSOutcome = "closed"   // the server closed the connection without an alert
	TLSNotTLS   TLSOutcome = "not-tls"  // the server answered with something that is not TLS
	TLSRejected TLSOutcome = "rejected" // the client refused what the server offered (version, cipher, parameters)
	TLSBadCert  TLSOutcome = "bad-cert" // the handshake completed but the certificate does not verify
	TLSCanceled TLSOutcome = "canceled" // the caller gave up
	// TLSIncomplete: the server began answering (some of its handshake arrived) but the handshake
	// was not complete before the deadline: a server too slow, or its larger segments lost.
	TLSIncomplete TLSOutcome = "incomplete"
	// TLSOversized: the server sent a handshake message (in practice its certificate chain) or a
	// record larger than a TLS client accepts.
	TLSOversized TLSOutcome = "oversized"
	TLSError     TLSOutcome = "error" // anything else (see Err)
)

// TCPState is the kernel's view of the connection when the handshake ended (Linux TCP_INFO).
type TCPState struct {
	// Unacked counts segments sent and not yet acknowledged by the peer.
	Unacked int `json:"unacked"`
	// Retransmits counts segments retransmitted over the connection's life.
	Retransmits int `json:"retransmits"`
	// BytesSent counts payload bytes sent, retransmissions included.
	BytesSent int64 `json:"bytes_sent"`
	// BytesAcked counts payload bytes the peer acknowledged.
	BytesAcked int64 `json:"bytes_acked"`
	// RTT is the smoothed round-trip time in microseconds.
	RTT int64 `json:"rtt_us"`
	// SendWindow is the receive window the peer last advertised, in bytes: zero means its
	// buffer is full because its program stopped reading.
	SendWindow int64 `json:"send_window"`
	// NotSent counts bytes written but not yet sent (held back by the peer's window).
	NotSent int64 `json:"not_sent"`
}

// TLSResult is the outcome of one TLS handshake.
type TLSResult struct {
	// SNI is the server name sent in the ClientHello (empty: none sent, for an IP address).
	SNI string `json:"sni"`
	// Offered is the range of versions offered, such as "TLS 1.2–TLS 1.3".
	Offered string `json:"offered"`
	// Outcome says how the handshake ended.
	Outcome TLSOutcome `json:"outcome"`
	// Took is the time from the first byte of the ClientHello to the end of the handshake.
	Took time.Duration `json:"took_ns"`
	// Version, Cipher and ALPN are what was negotiated, when the handshake completed.
	Version string `json:"version,omitempty"`
	Cipher  string `json:"cipher,omitempty"`
	ALPN    string `json:"alpn,omitempty"`
	// Alert is the alert the server sent, such as "handshake_failure (40)".
	Alert string `json:"alert,omitempty"`
	// Received counts the bytes the server sent during the handshake; FirstBytes quotes the
	// first of them when they were not TLS.
	Received   int64  `json:"received"`
	FirstBytes string `json:"first_bytes,omitempty"`
	// ClientHelloAcked says whether the server's TCP stack acknowledged the ClientHello, read
	// from the kernel when the handshake timed out, or was closed before the server sent a
	// byte, on a direct connection; nil when not known.
	ClientHelloAcked *bool `json:"clienthello_acked,omitempty"`
	// TCP is the kernel's view of the connection at the end, when it could be read.
	TCP *TCPState `json:"tcp,omitempty"`
	// Chain summarises the certificates the server sent, leaf first.
	Chain []CertSummary `json:"chain,omitempty"`
	// Verified says the chain verified for the SNI name; VerifyErr says why not.
	Verified  bool   `json:"verified"`
	VerifyErr string `json:"verify_error,omitempty"`
	// Err is the handshake's error, when it failed.
	Err string `json:"error,omitempty"`
}

// Handshake runs a TLS client handshake over conn within timeout. It returns the result and, when
// the handshake completed, the TLS connection; conn is left open either way for the caller to
// close. direct says conn is a TCP connection to the backend itself (not a tunnel), so the
// kernel's view of it speaks of the backend.
func Handshake(ctx context.Context, conn net.Conn, o *Options, direct bool) (*TLSResult, *tls.Conn) {
	sni := o.SNI
	if sni == "" {
		sni = o.Target.Hostname()
	}
	res := &TLSResult{Offered: offered(o.TLSMin, o.TLSMax)}
	if net.ParseIP(sni) == nil {
		res.SNI = sni
	}
	sc := &sniffConn{Conn: conn}
	cfg := &tls.Config{
		ServerName: res.SNI,
		MinVersion: o.TLSMin,
		MaxVersion: o.TLSMax,
		NextProtos: []string{"http/1.1"},
		// The chain is verified below, after the handshake, so that a bad certificate is reported
		// with the chain that caused it rather than as a bare handshake error.
		InsecureSkipVerify: true,
	}
	tc := tls.Client(sc, cfg)
	// A deadline on the connection rather than on the context: crypto/tls closes the connection
	// when the context expires, and the kernel's view of it is needed after a timeout.
	timeout := orDefault(o.TLSTimeout, DefaultTLSTimeout)
	start := o.now()
	_ = conn.SetDeadline(start.Add(timeout))
	err := tc.HandshakeContext(ctx)
	var verr error
	if err == nil {
		// Verification counts in the handshake's time, as it does for curl and for a gateway.
		verr = verifyChain(tc.ConnectionState().PeerCertificates, sni, o.Roots, o.now())
	}
	res.Took = o.now().Sub(start)
	_ = conn.SetDeadline(time.Time{})
	in, first, alerts, notTLS := sc.seen()
	res.Received = in
	if direct {
		if st, ok := tcpState(conn); ok {
			res.TCP = &st
		}
	}
	if err == nil {
		cs := tc.ConnectionState()
		res.Version, res.Cipher, res.ALPN = tls.VersionName(cs.Version), tls.CipherSuiteName(cs.CipherSuite), cs.NegotiatedProtocol
		res.Chain = summarize(cs.PeerCertificates)
		res.Verified = verr == nil
		res.Outcome = TLSOK
		if verr != nil {
			res.VerifyErr = verr.Error()
			if !o.Insecure {
				res.Outcome = TLSBadCert
			}
		}
		return res, tc
	}
	res.Err = err.Error()
	res.Outcome = classifyHandshake(ctx, err, in, alerts, notTLS)
	switch res.Outcome {
	case TLSAlert:
		res.Alert = remoteAlert(err, alerts)
	case TLSNotTLS:
		res.FirstBytes = quoteBytes(first)
	case TLSTimeout, TLSClosed:
		// A server that gives up on a silent connection closes it: whether it ever received the
		// ClientHello is the kernel's to say, as for a timeout. (After a reset the kernel has
		// dropped what it was sending, so it can no longer say.)
		if res.TCP != nil && res.TCP.BytesSent > 0 && (res.Outcome == TLSTimeout || in == 0) {
			// Every segment sent (the ClientHello and its retransmissions) acknowledged or not.
			acked := res.TCP.Unacked == 0
			res.ClientHelloAcked = &acked
		}
	}
	return res, nil
}

// classifyHandshake tells the ways a handshake fails apart, by what the server sent first and
// by the error beneath crypto/tls's.
func classifyHandshake(ctx context.Context, err error, in int64, alerts [][2]byte, notTLS bool) TLSOutcome {
	var oe *net.OpError
	switch {
	case len(alerts) > 0:
		return TLSAlert
	case oversized(err):
		return TLSOversized
	case notTLS:
		return TLSNotTLS
	case errors.As(err, &oe) && oe.Op == "remote error":
		return TLSAlert // an encrypted alert (TLS 1.3, after the ServerHello)
	case errors.Is(err, syscall.ECONNRESET):
		return TLSReset
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		if in > 0 {
			// Something came back: the server answered, too slowly or in part, which is not
			// the silence a dropped or unanswered ClientHello gives.
			return TLSIncomplete
		}
		return TLSTimeout
	case ctx.Err() != nil:
		return TLSCanceled
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return TLSClosed
	case in > 0 && strings.HasPrefix(err.Error(), "tls: "):
		return TLSRejected
	}
	return TLSError
}

// oversized reports whether crypto/tls gave up on a handshake message or a record larger than it
// accepts (a certificate message past 256 kB, a record past 16 kB and its expansion). crypto/tls
// exports no error for these, so its messages are matched.
func oversized(err error) bool {
	m := err.Error()
	return strings.Contains(m, "tls: handshake message of length") || strings.Contains(m, "tls: oversized record")
}

// remoteAlert names the alert the server sent: a plaintext one seen on the wire, else the one in
// crypto/tls's "remote error" (an encrypted alert).
func remoteAlert(err error, alerts [][2]byte) string {
	for _, a := range alerts {
		if a[0] == 2 { // fatal
			return alertName(a[1])
		}
	}
	if len(alerts) > 0 {
		return alertName(alerts[0][1])
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return strings.TrimPrefix(oe.Err.Error(), "tls: ")
	}
	return ""
}

// offered writes the version range offered.
func offered(lo, hi uint16) string {
	name := func(v uint16, def string) string {
		if v == 0 {
			return def
		}
		return tls.VersionName(v)
	}
	return name(lo, "TLS 1.2") + "–" + name(hi, "TLS 1.3")
}

// quoteBytes shows bytes that are not TLS: as text when printable (a plain HTTP answer), else hex.
func quoteBytes(b []byte) string {
	printable := true
	for _, c := range b {
		if (c < 0x20 || c > 0x7e) && c != '\r' && c != '\n' {
			printable = false
			break
		}
	}
	if printable {
		return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(string(b))
	}
	const hexd = "0123456789abcdef"
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteByte(hexd[c>>4])
		sb.WriteByte(hexd[c&15])
	}
	return sb.String()
}
