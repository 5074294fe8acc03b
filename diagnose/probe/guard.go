package probe

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// ErrNotAllowed is wrapped by every refusal of a Guard: the checks sent nothing to that address.
var ErrNotAllowed = errors.New("not among the targets these checks may reach")

// Guard limits where the checks may connect, for a hopscope that others drive (serve): without
// one, the checks pane is a port scanner from wherever hopscope runs. Methods may be called
// concurrently; an error wrapping ErrNotAllowed says why not, for the operator.
type Guard interface {
	// AllowLookup is asked before the name host is looked up to reach port on it (an IP literal
	// is never looked up). A name that could not be allowed whatever it resolves to is refused
	// here, so that no query leaves for it.
	AllowLookup(host string, port int) error
	// AllowDial is asked before every TCP connection the checks open, with the address about to
	// be dialled and the name it was resolved from (an IP literal is its own name).
	AllowDial(host string, addr netip.AddrPort) error
	// AllowTunnel is asked before a forward proxy is asked to reach host:port on the checks'
	// behalf: the target of every CONNECT sent, and the Host header given for it (a proxy may
	// route by it). The proxy resolves a name itself, so the checks cannot know which address
	// it will reach.
	AllowTunnel(host string, port int) error
}

// AllowList is a Guard from a list of networks, addresses and host names, each with an optional
// port. An address is allowed when a network or address entry holds it, or when it was resolved
// here from a name entry; a port in the entry must match. Through a proxy, which resolves names
// on its own, a name is allowed only when an entry names it. The empty list allows nothing.
type AllowList struct {
	prefixes []prefixEntry
	names    []nameEntry
}

type prefixEntry struct {
	p    netip.Prefix
	port int // 0: any
}

type nameEntry struct {
	name string
	port int // 0: any
}

// ParseAllowList reads a comma-separated list: CIDR networks (10.0.0.0/8, fd00::/8), addresses
// with or without a port (10.0.0.5, 10.0.0.5:8443, [::1]:9000), host names with or without a port
// (backend.internal, proxy.corp:3128). An empty string gives the empty list.
func ParseAllowList(s string) (*AllowList, error) {
	l := &AllowList{}
	for _, e := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		if err := l.add(e); err != nil {
			return nil, fmt.Errorf("allowed target %q: %w", e, err)
		}
	}
	return l, nil
}

func (l *AllowList) add(e string) error {
	if strings.Contains(e, "/") {
		p, err := netip.ParsePrefix(e)
		if err != nil {
			return errors.New("not a network (want CIDR such as 10.0.0.0/8, without a port)")
		}
		l.prefixes = append(l.prefixes, prefixEntry{p: p.Masked()})
		return nil
	}
	if a, err := netip.ParseAddr(strings.Trim(e, "[]")); err == nil {
		l.prefixes = append(l.prefixes, prefixEntry{p: netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())})
		return nil
	}
	if ap, err := netip.ParseAddrPort(e); err == nil {
		if ap.Port() == 0 {
			return errors.New("port 0")
		}
		a := ap.Addr().Unmap()
		l.prefixes = append(l.prefixes, prefixEntry{p: netip.PrefixFrom(a, a.BitLen()), port: int(ap.Port())})
		return nil
	}
	host, port := e, 0
	if h, p, err := net.SplitHostPort(e); err == nil {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return errors.New("the port must be a number from 1 to 65535")
		}
		host, port = h, n
	}
	if !validName(host) {
		return errors.New("not a network, an address or a host name")
	}
	if numericName(host) {
		return errors.New("an address in a short, decimal, octal or hex spelling; write it dotted (127.0.0.1) or as a network")
	}
	l.names = append(l.names, nameEntry{name: normName(host), port: port})
	return nil
}

func validName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return false
		}
	}
	return true
}

// numericName reports whether h ends in a label that is a number (2130706433, 127.1, 0x7f.1,
// 0177.0.0.1): the resolver and proxies read such a name as an IPv4 address (inet_aton), so an
// entry spelt so would allow an address it does not show. No top-level domain is a number.
func numericName(h string) bool {
	h = strings.TrimSuffix(h, ".")
	last := h[strings.LastIndexByte(h, '.')+1:]
	if len(last) > 2 && (last[:2] == "0x" || last[:2] == "0X") {
		last = last[2:]
		return strings.Trim(last, "0123456789abcdefABCDEF") == "" && last != ""
	}
	return last != "" && strings.Trim(last, "0123456789") == ""
}

func normName(h string) string { return strings.TrimSuffix(strings.ToLower(h), ".") }

// Empty says the list allows nothing.
func (l *AllowList) Empty() bool { return len(l.prefixes) == 0 && len(l.names) == 0 }

// String lists the entries as they would be given.
func (l *AllowList) String() string {
	var out []string
	for _, p := range l.prefixes {
		switch {
		case !p.p.IsSingleIP():
			out = append(out, p.p.String())
		case p.port != 0:
			out = append(out, netip.AddrPortFrom(p.p.Addr(), uint16(p.port)).String())
		default:
			out = append(out, p.p.Addr().String())
		}
	}
	for _, n := range l.names {
		out = append(out, withPort(n.name, n.port))
	}
	return strings.Join(out, ",")
}

func withPort(s string, port int) string {
	if port == 0 {
		return s
	}
	return s + ":" + strconv.Itoa(port)
}

func (l *AllowList) addrAllowed(a netip.AddrPort) bool {
	// A network holds no zoned address (fe80::1%eth0): the zone says which link, not which
	// address, so it is dropped before the comparison.
	ip := a.Addr().Unmap().WithZone("")
	for _, p := range l.prefixes {
		if (p.port == 0 || p.port == int(a.Port())) && p.p.Contains(ip) {
			return true
		}
	}
	return false
}

func (l *AllowList) nameAllowed(host string, port int) bool {
	h := normName(host)
	for _, n := range l.names {
		if n.name == h && (n.port == 0 || n.port == port) {
			return true
		}
	}
	return false
}

// refusal says what was refused, why when there is more to say, and that nothing at all is
// allowed when the list is empty.
func (l *AllowList) refusal(what, why string) error {
	if l.Empty() {
		return fmt.Errorf("%s: %w (no target is allowed here)", what, ErrNotAllowed)
	}
	if why != "" {
		return fmt.Errorf("%s: %w (%s)", what, ErrNotAllowed, why)
	}
	return fmt.Errorf("%s: %w", what, ErrNotAllowed)
}

// AllowLookup implements Guard. A name is looked up when an entry names it, or when the list
// holds a network or address for that port that its addresses may fall in (each address is then
// asked of AllowDial).
func (l *AllowList) AllowLookup(host string, port int) error {
	if _, err := netip.ParseAddr(host); err == nil || l.nameAllowed(host, port) {
		return nil
	}
	for _, p := range l.prefixes {
		if p.port == 0 || p.port == port {
			return nil
		}
	}
	return l.refusal(net.JoinHostPort(host, strconv.Itoa(port)), "a name not in the list; it was not looked up")
}

// AllowDial implements Guard.
func (l *AllowList) AllowDial(host string, addr netip.AddrPort) error {
	if l.addrAllowed(addr) || l.nameAllowed(host, int(addr.Port())) {
		return nil
	}
	if a, err := netip.ParseAddr(host); err == nil && a.Unmap() == addr.Addr().Unmap() {
		return l.refusal(addr.String(), "")
	}
	return l.refusal(fmt.Sprintf("%s (an address of %s)", addr, host), "")
}

// AllowTunnel implements Guard. An address is allowed as AllowDial allows it; a name only when
// an entry names it: the addresses it has here need not be those the proxy gets (split DNS, a
// record changed in between), so checking them would not bound what the proxy reaches.
func (l *AllowList) AllowTunnel(host string, port int) error {
	what := net.JoinHostPort(host, strconv.Itoa(port))
	if port < 1 || port > 65535 {
		return l.refusal(what, "no such port")
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return l.AllowDial(host, netip.AddrPortFrom(a, uint16(port)))
	}
	if l.nameAllowed(host, port) {
		return nil
	}
	return l.refusal(what, "a name sent to a proxy must be in the list itself")
}

// Refusals lists what the Guard refused in one check's result (as CheckDone hands it over):
// each refused address or tunnel target, with the reason.
func Refusals(result any) []string {
	var out []string
	tcp := func(r *TCPResult) {
		if r == nil {
			return
		}
		for _, a := range r.Attempts {
			if a.Outcome == TCPNotAllowed {
				out = append(out, a.Err)
			}
		}
	}
	switch r := result.(type) {
	case *DNSResult:
		if r != nil && r.Outcome == DNSNotAllowed {
			out = append(out, r.Err)
		}
	case *TCPResult:
		tcp(r)
	case *ConnectResult:
		if r.NotAllowed != "" {
			out = append(out, r.NotAllowed)
		}
		tcp(r.TCP)
	}
	return out
}
