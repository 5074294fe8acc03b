package lab

import (
	"fmt"
	"net/url"
)

// authority returns the host:port of a URL, with the scheme's default port when it has none.
func authority(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("lab: bad URL %q", raw)
	}
	if u.Port() != "" {
		return u.Host, nil
	}
	switch u.Scheme {
	case "https":
		return hostPort(u.Hostname(), 443), nil
	default:
		return hostPort(u.Hostname(), 80), nil
	}
}
