package lab

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// connectPlan is the failing traffic of a forward-proxy scenario: N CONNECTs to the target
// through the proxy, one every 100 ms.
type connectPlan struct {
	N int
	// HostIsProxy sends a Host header naming the proxy (host:port) instead of the target.
	HostIsProxy bool
	// HostFromTargets sends Targets.HostHeader, the proxy's name as the gateway is configured
	// with it, over IPv4 and IPv6 alike.
	HostFromTargets bool
	// Parallel starts the attempts 100 ms apart without waiting for each to end (for
	// failures that take seconds each).
	Parallel bool
	// Timeout bounds each attempt (0 = clientTimeout).
	Timeout time.Duration
	// Creds gives the credentials of attempt i; nil sends Targets' (none when empty).
	Creds func(i int, t Targets) (user, password string)
}

// connectTraffic returns a Traffic that runs the plan.
func connectTraffic(p connectPlan) func(context.Context, *Lab, bool) (string, error) {
	return func(ctx context.Context, l *Lab, v6 bool) (string, error) {
		t := l.Targets
		target, proxy := t.Target, t.Proxy
		if v6 {
			target, proxy = t.Target6, t.Proxy6
		}
		pa, err := authority(proxy)
		if err != nil {
			return "", err
		}
		ta := t.ConnectHost
		if ta == "" || v6 {
			if ta, err = authority(target); err != nil {
				return "", err
			}
		}
		hh := ""
		switch {
		case p.HostFromTargets:
			hh = t.HostHeader
		case p.HostIsProxy:
			hh = pa
		}
		type result struct {
			text   string
			status int
		}
		results := make([]chan result, p.N)
		for i := range p.N {
			if i > 0 {
				select {
				case <-ctx.Done():
					return "", ctx.Err()
				case <-time.After(100 * time.Millisecond):
				}
			}
			user, pass := t.ProxyUser, t.ProxyPassword
			if p.Creds != nil {
				user, pass = p.Creds(i, t)
			}
			a := connectAttempt{Netns: t.Netns, Proxy: pa, Authority: ta, Host: hh, User: user, Password: pass, Timeout: p.Timeout}
			results[i] = make(chan result, 1)
			do := func() { text, status := a.do(ctx); results[i] <- result{text, status} }
			if !p.Parallel {
				do()
				continue
			}
			go do()
		}
		var tr transcript
		for _, ch := range results {
			r := <-ch // each attempt ends by its timeout
			outcome := "no answer from the proxy"
			if r.status != 0 {
				outcome = fmt.Sprintf("CONNECT %s answered %d", ta, r.status)
			}
			tr.add("CONNECT "+ta+" via "+pa, r.text, outcome)
		}
		return tr.String(), nil
	}
}

// controlTLS checks that the target completes a TLS handshake when dialled directly.
func controlTLS(ctx context.Context, l *Lab) error {
	a, err := authority(l.Targets.Target)
	if err != nil {
		return err
	}
	if text, ok := (tlsAttempt{Netns: l.Targets.Netns, Addr: a}).do(ctx); !ok {
		return fmt.Errorf("the backend does not answer directly: %s", text)
	}
	return nil
}

// controlConnect checks that a CONNECT with the Targets' credentials and a Host header naming
// the target is answered 200.
func controlConnect(ctx context.Context, l *Lab) error {
	t := l.Targets
	pa, err := authority(t.Proxy)
	if err != nil {
		return err
	}
	ta := t.ConnectHost
	if ta == "" {
		if ta, err = authority(t.Target); err != nil {
			return err
		}
	}
	a := connectAttempt{Netns: t.Netns, Proxy: pa, Authority: ta, User: t.ProxyUser, Password: t.ProxyPassword}
	if text, status := a.do(ctx); status != 200 {
		return fmt.Errorf("a well-formed CONNECT was not accepted: %s", text)
	}
	return nil
}

// tlsPlan is the failing traffic of a TLS scenario: N connects and handshakes to the target,
// started 100 ms apart and run at once (each may take its whole Timeout).
type tlsPlan struct {
	N          int
	MaxVersion uint16
	Timeout    time.Duration
}

// tlsTraffic returns a Traffic that runs the plan against Target (Target6 for IPv6).
func tlsTraffic(p tlsPlan) func(context.Context, *Lab, bool) (string, error) {
	return func(ctx context.Context, l *Lab, v6 bool) (string, error) {
		target := l.Targets.Target
		if v6 {
			target = l.Targets.Target6
		}
		addr, err := authority(target)
		if err != nil {
			return "", err
		}
		type result struct {
			text string
			ok   bool
		}
		results := make([]chan result, p.N)
		for i := range p.N {
			if i > 0 {
				select {
				case <-ctx.Done():
					return "", ctx.Err()
				case <-time.After(100 * time.Millisecond):
				}
			}
			a := tlsAttempt{Netns: l.Targets.Netns, Addr: addr, ServerName: "backend.lab.test", MaxVersion: p.MaxVersion, Timeout: p.Timeout}
			results[i] = make(chan result, 1)
			go func() { text, ok := a.do(ctx); results[i] <- result{text, ok} }()
		}
		var tr transcript
		for _, ch := range results {
			r := <-ch // each attempt ends by its Timeout
			tr.add("TLS to "+addr, r.text, tlsOutcome(r.text, r.ok))
		}
		return tr.String(), nil
	}
}

// tlsOutcome sums up a TLS attempt's transcript in a few words for the summary.
func tlsOutcome(text string, ok bool) string {
	switch {
	case ok:
		return "TLS handshake completed"
	case strings.Contains(text, "* TCP connect to") && strings.Contains(text, "refused"):
		return "TCP connect refused"
	case strings.Contains(text, "* TCP connect to"):
		return "TCP connect timed out"
	case strings.Contains(text, "timeout") || strings.Contains(text, "deadline exceeded"):
		return "TLS handshake timed out"
	default:
		return "TLS handshake failed (alert or error)"
	}
}
