package probe

import "strings"

// ProxyReason is what a proxy says went wrong with a CONNECT, read from its answer.
type ProxyReason string

// The reasons a proxy gives.
const (
	ReasonAccessDenied   ProxyReason = "access-denied"   // a rule forbids the tunnel
	ReasonAuthRequired   ProxyReason = "auth-required"   // credentials missing or wrong
	ReasonDNS            ProxyReason = "dns"             // the proxy could not resolve the backend
	ReasonCannotForward  ProxyReason = "cannot-forward"  // the proxy could not forward (squid's catch-all, tinyproxy)
	ReasonConnectRefused ProxyReason = "connect-refused" // the backend refused the proxy's connection
	ReasonConnectTimeout ProxyReason = "connect-timeout" // the proxy's connection to the backend timed out
)

// reasonTell is one way a proxy names a reason: a header (by lower-case name) whose value holds
// a word, or (header "") a phrase in the body.
type reasonTell struct {
	header, contains string
	reason           ProxyReason
}

// tells is checked in order; the first match wins. Sources: squid's X-Squid-Error codes
// (errno 110 ETIMEDOUT, 111 ECONNREFUSED), RFC 9209 Proxy-Status error types, Privoxy's and
// tinyproxy's error templates as shipped by Debian.
var tells = []reasonTell{
	{"x-squid-error", "ERR_CACHE_ACCESS_DENIED", ReasonAuthRequired},
	{"x-squid-error", "ERR_ACCESS_DENIED", ReasonAccessDenied},
	{"x-squid-error", "ERR_DNS_FAIL", ReasonDNS},
	{"x-squid-error", "ERR_CONNECT_FAIL 111", ReasonConnectRefused},
	{"x-squid-error", "ERR_CONNECT_FAIL 110", ReasonConnectTimeout},
	{"x-squid-error", "ERR_READ_TIMEOUT", ReasonConnectTimeout},
	{"x-squid-error", "ERR_CANNOT_FORWARD", ReasonCannotForward},
	{"proxy-status", "dns_error", ReasonDNS},
	{"proxy-status", "dns_timeout", ReasonDNS},
	{"proxy-status", "destination_not_found", ReasonDNS},
	{"proxy-status", "connection_refused", ReasonConnectRefused},
	{"proxy-status", "connection_timeout", ReasonConnectTimeout},
	{"proxy-status", "http_request_denied", ReasonAccessDenied},
	{"proxy-authenticate", "", ReasonAuthRequired},
	{"", "No such domain", ReasonDNS},
	{"", "could not be resolved", ReasonDNS},
	{"", "DNS lookup failure", ReasonDNS},
	{"", "Connect failed", ReasonConnectRefused},
	{"", "Connection refused", ReasonConnectRefused},
	{"", "Connection timeout", ReasonConnectTimeout},
	{"", "timed out", ReasonConnectTimeout},
	{"", "Request blocked", ReasonAccessDenied},
	{"", "Access denied", ReasonAccessDenied},
	{"", "Access violation", ReasonAccessDenied},
	{"", "Unable to connect", ReasonCannotForward},
}

// readProxyReason finds the reason in the answer's headers ("Name: value" lines) and body (with
// the status line, where tinyproxy puts its reason), and quotes where it was said.
func readProxyReason(headers []string, body string) (ProxyReason, string) {
	for _, t := range tells {
		if t.header == "" {
			if strings.Contains(body, t.contains) {
				return t.reason, "body: " + t.contains
			}
			continue
		}
		for _, hl := range headers {
			k, v, ok := strings.Cut(hl, ":")
			if !ok || !strings.EqualFold(strings.TrimSpace(k), t.header) {
				continue
			}
			if strings.Contains(v, t.contains) {
				return t.reason, hl
			}
		}
	}
	return "", ""
}
