package probe

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hopscope/hopscope/diagnose"
)

// The readers below take what an operator types (on the command line or in a form) and say in
// one line what is wrong with it. Their spellings follow curl's where curl has one.

// ParseURL reads a URL, adding def:// when the scheme is missing, as curl does.
func ParseURL(s, def string) (*url.URL, error) {
	if !strings.Contains(s, "://") {
		s = def + "://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, errors.New(diagnose.Redact(err.Error()))
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("%q has no host", diagnose.Redact(u.Redacted()))
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%q: port %q out of range", diagnose.Redact(u.Redacted()), p)
		}
	}
	return u, nil
}

// ParseHostPort checks a HOST:PORT authority, such as a CONNECT Host header.
func ParseHostPort(s string) error {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return fmt.Errorf("%q: want HOST:PORT", s)
	}
	if p, err := strconv.Atoi(s[i+1:]); err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("%q: want HOST:PORT with a port from 1 to 65535", s)
	}
	return nil
}

// ParseTLSVersion reads "1.2", "TLSv1.2" or "tls1.2"; empty is zero (the default).
func ParseTLSVersion(s string) (uint16, error) {
	if s == "" {
		return 0, nil
	}
	v := strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(s), "tls"), "v")
	switch v {
	case "1.0", "1":
		return tls.VersionTLS10, nil
	case "1.1":
		return tls.VersionTLS11, nil
	case "1.2":
		return tls.VersionTLS12, nil
	case "1.3":
		return tls.VersionTLS13, nil
	}
	return 0, fmt.Errorf("unknown TLS version %q (want 1.0, 1.1, 1.2 or 1.3)", s)
}

// ParseSeconds reads a Go duration ("3s", "500ms") or, as curl does, a number of seconds.
func ParseSeconds(s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f <= 0 || f > 3600 {
			return 0, fmt.Errorf("%q: want between 0 and 3600 seconds", s)
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 || d > time.Hour {
		return 0, fmt.Errorf("%q: want a duration such as 3s or 500ms", s)
	}
	return d, nil
}

// ParseSize reads "4MB", "4M", "4MiB", "512k", "512kB" or a number of bytes. Units are binary.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(strings.ToLower(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"gib", 1 << 30}, {"gb", 1 << 30}, {"g", 1 << 30}, {"mib", 1 << 20}, {"mb", 1 << 20}, {"m", 1 << 20},
		{"kib", 1 << 10}, {"kb", 1 << 10}, {"k", 1 << 10}, {"b", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n <= 0 || n*float64(mult) > 1<<34 {
		return 0, fmt.Errorf("%q: want a size such as 4MB, 512k or 100000 (at most 16 GB)", s)
	}
	return int64(n * float64(mult)), nil
}
