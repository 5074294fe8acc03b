package probe

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"time"
)

// DNSOutcome says how a name lookup ended.
type DNSOutcome string

// The ways a lookup ends.
const (
	DNSOK       DNSOutcome = "ok"       // at least one address came back
	DNSLiteral  DNSOutcome = "literal"  // the host is an IP address: nothing to look up
	DNSNXDomain DNSOutcome = "nxdomain" // the name does not exist (or has no address)
	DNSTimeout  DNSOutcome = "timeout"  // no answer from the resolver before the deadline
	DNSServFail DNSOutcome = "servfail" // the resolver answered with a failure (SERVFAIL, refused)
	DNSCanceled DNSOutcome = "canceled" // the caller gave up
	// DNSNotAllowed: the Guard refused the name before any query was sent (see Err).
	DNSNotAllowed DNSOutcome = "not-allowed"
)

// DNSResult is the outcome of resolving one host name.
type DNSResult struct {
	// Host is the name looked up.
	Host string `json:"host"`
	// Outcome says how the lookup ended.
	Outcome DNSOutcome `json:"outcome"`
	// Addrs are the addresses returned, in the resolver's order.
	Addrs []netip.Addr `json:"addrs,omitempty"`
	// Took is the time from asking to the answer (or to giving up).
	Took time.Duration `json:"took_ns"`
	// Err is the resolver's error, when there was one.
	Err string `json:"error,omitempty"`
}

// LookupHost resolves host within timeout. An IP literal is returned as is (outcome "literal").
func LookupHost(ctx context.Context, r *net.Resolver, host string, timeout time.Duration, now func() time.Time) *DNSResult {
	res := &DNSResult{Host: host}
	if a, err := netip.ParseAddr(host); err == nil {
		res.Outcome, res.Addrs = DNSLiteral, []netip.Addr{a.Unmap()}
		return res
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := now()
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	res.Took = now().Sub(start)
	if err != nil {
		res.Err = err.Error()
		res.Outcome = classifyDNS(ctx, err)
		return res
	}
	for _, a := range addrs {
		res.Addrs = append(res.Addrs, a.Unmap())
	}
	res.Outcome = DNSOK
	if len(res.Addrs) == 0 {
		res.Outcome = DNSNXDomain
	}
	return res
}

// classifyDNS tells a name that does not exist from a resolver that did not answer or failed.
func classifyDNS(ctx context.Context, err error) DNSOutcome {
	if errors.Is(err, context.Canceled) && ctx.Err() == context.Canceled {
		return DNSCanceled
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		switch {
		case de.IsNotFound:
			return DNSNXDomain
		case de.IsTimeout:
			return DNSTimeout
		}
		return DNSServFail
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return DNSTimeout
	}
	return DNSServFail
}
