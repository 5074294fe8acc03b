package probe

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hopscope/hopscope/diagnose"
)

// A check run is attempts on one hop, the check's: each TCP connect, CONNECT, TLS handshake and
// request is one attempt, failing when its check showed a signal of trouble. Through a forward
// proxy the hop is the proxy's to the target; direct, the target's. A run repeated (the checks
// pane runs them again) adds its attempts to the same hop, so that the runs that worked are the
// control group of those that failed.

// CheckHop is the hop a check run stands for: target is the backend's URL, proxy the forward
// proxy's ("" for none). Hosts are named as given (a run tries every address of a name; the
// name is the hop).
func CheckHop(target, proxy string) diagnose.HopKey {
	t := hostPortOfURL(target)
	if p := hostPortOfURL(proxy); p != "" {
		return diagnose.HopKey{Role: diagnose.HopCheck, Server: p, Target: t}
	}
	return diagnose.HopKey{Role: diagnose.HopCheck, Server: t}
}

// hostPortOfURL returns a URL's host:port, the scheme's port when none is given; "" when it does
// not parse.
func hostPortOfURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// CheckAttempts returns the attempts one check made on hop, from its result and the evidence it
// gave (CheckEvidence), at the time the evidence is stamped with.
func CheckAttempts(hop diagnose.HopKey, check string, result any, evs []diagnose.Evidence, at time.Time) []diagnose.Attempt {
	base := diagnose.Attempt{Hop: hop, Kind: diagnose.FromCheck, Source: Source(check), At: at}
	var out []diagnose.Attempt
	// one is an attempt whose outcome is the check's evidence as a whole.
	one := func(phase diagnose.Phase, f diagnose.Features) {
		a := base
		a.Features = f
		troubled(&a, evs, phase)
		out = append(out, a)
	}
	switch r := result.(type) {
	case *DNSResult:
		if r != nil {
			one(diagnose.PhaseDNS, diagnose.Features{})
		}
	case *TCPResult:
		if r == nil {
			break
		}
		for _, t := range r.Attempts {
			if t.Outcome == TCPNotAllowed || t.Outcome == TCPCanceled {
				continue // nothing was sent, or the operator gave up: no outcome of the hop
			}
			a := base
			if sig := tcpSignal(t.Outcome); t.Outcome != TCPConnected && sig != "" {
				a.Failed, a.Phase, a.Signals, a.Failure = true, diagnose.PhaseTCP, []string{sig}, sig
				a.Detail = t.Remote + ": " + t.Err
			}
			out = append(out, a)
		}
	case *ConnectResult:
		if r == nil {
			break
		}
		if r.TCP != nil {
			out = append(out, CheckAttempts(hop, CheckTCP, r.TCP, nil, at)...)
			for i := range out {
				out[i].Source = base.Source
				if out[i].Failed {
					// The proxy's port, not the target's: what the connect check said of it.
					troubled(&out[i], evs, diagnose.PhaseTCP)
				}
			}
		}
		if r.DNS != nil && len(r.DNS.Addrs) == 0 {
			one(diagnose.PhaseDNS, diagnose.Features{})
			break
		}
		for _, p := range r.Attempts {
			a := base
			a.Features = diagnose.Features{Method: "CONNECT", Host: p.HostHeader, HostNamesTarget: strings.EqualFold(p.HostHeader, r.Target)}
			if !p.Accepted() {
				a.Failed, a.Phase, a.Detail = true, diagnose.PhaseConnect, strings.TrimSpace(p.StatusLine+" "+p.Err)
				a.Signals = connectSignals(&p)
				if len(a.Signals) > 0 {
					a.Failure = a.Signals[0]
				}
			}
			out = append(out, a)
		}
	case *TLSResult:
		if r != nil {
			one(diagnose.PhaseTLS, diagnose.Features{SNI: r.SNI, TLSOffered: r.Offered})
		}
	case *HTTPResult:
		if r != nil {
			method, path := requestLine(r.Request)
			one(diagnose.PhaseResponse, diagnose.Features{Method: method, Path: path})
		}
	case *BodyResult:
		if r != nil {
			one(diagnose.PhaseBody, diagnose.Features{Method: "POST", BodySize: r.Size})
		}
	case *KeepaliveResult:
		if r != nil {
			one(diagnose.PhaseRequest, diagnose.Features{Method: "GET", Reused: true, Idle: r.Idle})
		}
	}
	return out
}

// troubled marks an attempt failed in phase when its check's evidence shows trouble: every
// signal that is not one of a check that passed is the attempt's, the first the failure.
func troubled(a *diagnose.Attempt, evs []diagnose.Evidence, phase diagnose.Phase) {
	for _, ev := range evs {
		if Healthy(ev.Signal) {
			continue
		}
		if !a.Failed {
			a.Failed, a.Phase, a.Failure, a.Detail = true, phase, ev.Signal, ev.Detail
		}
		a.Signals = append(a.Signals, ev.Signal)
	}
}

// connectSignals are the signals of one refused or failed CONNECT, read from its own answer.
func connectSignals(p *ProxyAttempt) []string {
	switch p.Outcome {
	case ProxyAnswered:
		out := []string{"proxy.connect.status." + strconv.Itoa(p.Status)}
		if p.Reason != "" {
			out = append(out, "proxy.error."+string(p.Reason))
		}
		return out
	case ProxyNoAnswer:
		return []string{"proxy.connect.no-answer"}
	case ProxyClosed, ProxyReset:
		return []string{"proxy.connect.closed"}
	}
	return nil
}

func tcpSignal(o TCPOutcome) string {
	return map[TCPOutcome]string{TCPConnected: "tcp.connect.ok", TCPRefused: "tcp.connect.refused",
		TCPTimeout: "tcp.connect.timeout", TCPUnreachable: "tcp.connect.unreachable"}[o]
}

// requestLine reads the method and path off a request's first line.
func requestLine(req string) (method, path string) {
	line, _, _ := strings.Cut(req, "\n")
	f := strings.Fields(line)
	if len(f) < 2 {
		return "", ""
	}
	path, _, _ = strings.Cut(f[1], "?")
	return f[0], path
}

// WithAttempts hands a check's attempts to its first piece of evidence, so that a session adding
// the evidence takes the attempts with it. A check with no evidence keeps its attempts out: it
// found nothing to say of its hop.
func WithAttempts(evs []diagnose.Evidence, atts []diagnose.Attempt) []diagnose.Evidence {
	if len(evs) > 0 && len(atts) > 0 {
		evs[0].Attempts = append(evs[0].Attempts, atts...)
	}
	return evs
}
