// Package sshpolicy holds what `hopscope serve` decides about the people who connect: which keys
// an authorized_keys file lets in and on what terms, how many sessions may be open, and how large
// a terminal may be. It speaks the SSH wire format through golang.org/x/crypto/ssh only; the
// server itself is wired in package main.
package sshpolicy

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// Key is one usable line of an authorized_keys file with the options serve honours.
type Key struct {
	// Line is the line number in the file, for the log.
	Line int
	// Key is the public key.
	Key gossh.PublicKey
	// From holds the from="…" patterns the client's address must match; empty: any address.
	From []string
	// Expiry is when the key stops being accepted (expiry-time="…"); zero: never.
	Expiry time.Time
	// NoPTY says the key may not open a terminal (no-pty, or restrict without pty).
	NoPTY bool
	// Refused, when set, says why this line never lets its key in (an option serve does not
	// implement, such as command= or cert-authority): refusing is safer than ignoring it.
	Refused string
}

// Decision is the verdict on a key offered by a client.
type Decision struct {
	// OK says the key may log in.
	OK bool
	// Line is the authorized_keys line that decided (0: the key is in no line).
	Line int
	// NoPTY says the session may not open a terminal.
	NoPTY bool
	// Reason says why the key was refused, for the log.
	Reason string
}

// ParseAuthorizedKeys reads an authorized_keys file in OpenSSH's format. A line that cannot be
// read is skipped with a warning; the lines after it still count.
func ParseAuthorizedKeys(data []byte) (keys []Key, warnings []string) {
	for i, raw := range bytes.Split(data, []byte("\n")) {
		n := i + 1
		line := bytes.TrimSpace(raw)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		pub, _, opts, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("line %d: not a public key (%v); skipped", n, err))
			continue
		}
		k := Key{Line: n, Key: pub}
		pty := false
		for _, o := range opts {
			name, value, hasValue := strings.Cut(o, "=")
			name = strings.ToLower(name)
			if hasValue {
				value = unquote(value)
			}
			switch name {
			case "from":
				k.From = strings.Split(value, ",")
				if !validPatterns(k.From) {
					k.Refused = fmt.Sprintf("from=%q is not a list of address patterns", value)
				}
			case "expiry-time":
				t, err := parseExpiry(value)
				if err != nil {
					k.Refused = fmt.Sprintf("expiry-time=%q: %v", value, err)
				}
				k.Expiry = t
			case "no-pty":
				k.NoPTY = true
			case "restrict":
				// Forwarding, agent and X11 are refused to every key already; of what restrict
				// takes away, only the terminal remains to take (unless pty gives it back).
				k.NoPTY = true
			case "pty":
				pty = true
			case "no-port-forwarding", "no-agent-forwarding", "no-x11-forwarding", "no-user-rc",
				"port-forwarding", "agent-forwarding", "x11-forwarding", "user-rc",
				"permitopen", "permitlisten", "environment", "no-touch-required":
				// Forwarding and the environment are never granted by serve: these change nothing.
			case "cert-authority":
				k.Refused = "a cert-authority line signs certificates, which serve does not accept; the key itself may not log in"
			case "command":
				k.Refused = "command= limits the key to one command, and serve runs only its screen"
			default:
				k.Refused = fmt.Sprintf("option %q is not implemented by serve", name)
			}
		}
		if pty {
			k.NoPTY = false
		}
		if k.Refused != "" {
			warnings = append(warnings, fmt.Sprintf("line %d: %s; the key is refused", n, k.Refused))
		}
		keys = append(keys, k)
	}
	return keys, warnings
}

// unquote takes the quotes off an option's value; a \" inside stands for a quote.
func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	return strings.ReplaceAll(v, `\"`, `"`)
}

// parseExpiry reads YYYYMMDD[HHMM[SS]], in local time unless it ends in Z (as sshd does).
func parseExpiry(v string) (time.Time, error) {
	loc := time.Local
	if strings.HasSuffix(v, "Z") || strings.HasSuffix(v, "z") {
		v, loc = v[:len(v)-1], time.UTC
	}
	layouts := map[int]string{8: "20060102", 12: "200601021504", 14: "20060102150405"}
	layout, ok := layouts[len(v)]
	if !ok {
		return time.Time{}, fmt.Errorf("want YYYYMMDD[HHMM[SS]][Z]")
	}
	return time.ParseInLocation(layout, v, loc)
}

func validPatterns(ps []string) bool {
	for _, p := range ps {
		p = strings.TrimPrefix(p, "!")
		if p == "" {
			return false
		}
		if strings.Contains(p, "/") {
			if _, err := netip.ParsePrefix(p); err != nil {
				return false
			}
		}
	}
	return true
}

// matchFrom applies a from= pattern list to the client's address as sshd does without DNS: a
// negated pattern that matches refuses, else any pattern that matches allows. Patterns are
// addresses with * and ? wildcards, or CIDR networks.
func matchFrom(patterns []string, ip netip.Addr) bool {
	s := ip.String()
	allowed := false
	for _, p := range patterns {
		neg := strings.HasPrefix(p, "!")
		p = strings.ToLower(strings.TrimPrefix(p, "!"))
		var hit bool
		if strings.Contains(p, "/") {
			pre, err := netip.ParsePrefix(p)
			hit = err == nil && pre.Contains(ip)
		} else {
			hit, _ = path.Match(p, s)
		}
		if hit && neg {
			return false
		}
		allowed = allowed || hit
	}
	return allowed
}

// Authorize decides on a key offered from remote at now. The first line with this key whose
// options let it in decides; when none does, the first refusal is the reason.
func Authorize(keys []Key, key gossh.PublicKey, remote net.Addr, now time.Time) Decision {
	wire := key.Marshal()
	var refused *Decision
	for _, k := range keys {
		if !bytes.Equal(k.Key.Marshal(), wire) {
			continue
		}
		reason := k.Refused
		switch {
		case reason != "":
		case !k.Expiry.IsZero() && now.After(k.Expiry):
			reason = "the key expired at " + k.Expiry.Format(time.RFC3339) + " (expiry-time)"
		case len(k.From) > 0:
			ip, ok := remoteIP(remote)
			if !ok || !matchFrom(k.From, ip) {
				reason = fmt.Sprintf("the client's address %s is not in from=%q", remote, strings.Join(k.From, ","))
			}
		}
		if reason == "" {
			return Decision{OK: true, Line: k.Line, NoPTY: k.NoPTY}
		}
		if refused == nil {
			refused = &Decision{Line: k.Line, Reason: reason}
		}
	}
	if refused != nil {
		return *refused
	}
	return Decision{Reason: "the key is not in authorized_keys"}
}

func remoteIP(a net.Addr) (netip.Addr, bool) {
	if ta, ok := a.(*net.TCPAddr); ok {
		ip, ok := netip.AddrFromSlice(ta.IP)
		return ip.Unmap(), ok
	}
	ap, err := netip.ParseAddrPort(a.String())
	return ap.Addr().Unmap(), err == nil
}

// KeyFile is an authorized_keys file read again whenever it changes, so that a key added or
// removed takes effect at the next login, as with sshd.
type KeyFile struct {
	path string
	// warn receives each warning when the file is (re)read.
	warn func(string)

	mu      sync.Mutex
	modTime time.Time
	size    int64
	keys    []Key
}

// OpenKeyFile reads the file once; warn (may be nil) hears about every line skipped or refused.
func OpenKeyFile(p string, warn func(string)) (*KeyFile, error) {
	f := &KeyFile{path: p, warn: warn}
	if _, err := f.Keys(); err != nil {
		return nil, err
	}
	return f, nil
}

// Keys returns the file's keys, reading it again when its size or time changed. When it cannot
// be read any more, no key is let in.
func (f *KeyFile) Keys() ([]Key, error) {
	st, err := os.Stat(f.path)
	if err != nil {
		return nil, fmt.Errorf("authorized keys: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.keys != nil && st.ModTime().Equal(f.modTime) && st.Size() == f.size {
		return f.keys, nil
	}
	data, err := os.ReadFile(f.path)
	if err != nil {
		return nil, fmt.Errorf("authorized keys: %w", err)
	}
	keys, warnings := ParseAuthorizedKeys(data)
	if f.warn != nil {
		for _, w := range warnings {
			f.warn(w)
		}
	}
	f.keys, f.modTime, f.size = keys, st.ModTime(), st.Size()
	if f.keys == nil {
		f.keys = []Key{}
	}
	return f.keys, nil
}
