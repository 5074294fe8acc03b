package checks

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"

	"github.com/hopscope/hopscope/diagnose/probe"
)

// field is one line of the target form.
type field struct {
	label string
	hint  string
	input textinput.Model
}

// The form's fields, in the order shown.
const (
	fieldTarget = iota
	fieldProxy
	fieldCredentials
	fieldConnectHost
	fieldTLSMin
	fieldTLSMax
	fieldCount
)

// Defaults for the checks the suggestion runs that need a size or a pause, as checks.yaml shows
// them: a body big enough to stream past socket buffers, a pause longer than common keep-alive
// timeouts of 5 s or less.
const (
	suggestedBodySize = 4 << 20
	suggestedIdle     = 6 * time.Second
)

func newForm() []field {
	mk := func(label, hint string) field {
		in := textinput.New()
		in.Prompt = ""
		in.Placeholder = hint
		in.CharLimit = 512
		return field{label: label, hint: hint, input: in}
	}
	f := make([]field, fieldCount)
	f[fieldTarget] = mk("target", "https://backend:443/")
	f[fieldProxy] = mk("proxy", "http://proxy:3128 (empty: direct)")
	f[fieldCredentials] = mk("proxy user", "USER:PASSWORD (empty: none)")
	f[fieldCredentials].input.EchoMode = textinput.EchoPassword
	f[fieldConnectHost] = mk("CONNECT Host", "HOST:PORT the gateway sends (empty: try both names)")
	f[fieldTLSMin] = mk("TLS min", "1.2")
	f[fieldTLSMax] = mk("TLS max", "1.3")
	return f
}

// options reads the form into probe options, or says in one line what is wrong.
func options(f []field) (*probe.Options, error) {
	val := func(i int) string { return strings.TrimSpace(f[i].input.Value()) }
	o := &probe.Options{Hop: probe.HopGateway}
	if val(fieldTarget) == "" {
		return nil, errors.New("checks: type the target's URL first (enter on the target line)")
	}
	var err error
	if o.Target, err = probe.ParseURL(val(fieldTarget), "https"); err != nil {
		return nil, fmt.Errorf("checks: target: %w", err)
	}
	if v := val(fieldProxy); v != "" {
		if o.Proxy, err = probe.ParseURL(v, "http"); err != nil {
			return nil, fmt.Errorf("checks: proxy: %w", err)
		}
		if u := o.Proxy.User; u != nil {
			o.ProxyUser = u.Username()
			o.ProxyPassword, _ = u.Password()
			o.Proxy.User = nil
		}
	}
	if v := f[fieldCredentials].input.Value(); v != "" {
		o.ProxyUser, o.ProxyPassword, _ = strings.Cut(v, ":")
	}
	if v := val(fieldConnectHost); v != "" {
		if err := probe.ParseHostPort(v); err != nil {
			return nil, fmt.Errorf("checks: CONNECT Host: %w", err)
		}
		o.ConnectHost = v
	}
	if o.TLSMin, err = probe.ParseTLSVersion(val(fieldTLSMin)); err != nil {
		return nil, fmt.Errorf("checks: TLS min: %w", err)
	}
	if o.TLSMax, err = probe.ParseTLSVersion(val(fieldTLSMax)); err != nil {
		return nil, fmt.Errorf("checks: TLS max: %w", err)
	}
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("checks: %w", err)
	}
	return o, nil
}
