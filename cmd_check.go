package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/diagnose/probe"
	"github.com/hopscope/hopscope/knowledge"
)

// checkFlags are the command line of `hopscope check`, with curl's spellings where curl has one.
type checkFlags struct {
	asJSON                   bool
	report                   string
	target, proxy, proxyUser string
	connectHost, sni         string
	tlsMin, tlsMax           string
	timeout, connectTimeout  string
	cacert                   string
	insecure                 bool
	method, bodySize         string
	keepaliveIdle            time.Duration
	hop                      string
}

func newCheckCmd() *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check [--json] --target URL [--proxy URL] …",
		Short: "Run live checks against a target, directly or through a forward proxy",
		Long: `check probes a backend the way the gateway in front of it does and ranks the
suspected causes from what it finds. Directly it resolves the name, connects to
every address, times the TLS handshake and sends a request. With --proxy it
speaks CONNECT to the forward proxy by hand, shows the exact request and the
proxy's whole answer, and sends the CONNECT once with the target's name and
once with the proxy's own name (or the --connect-host the gateway sends) in the
Host header, side by side, and compares the answers. --body-size adds a large upload, and
--keepalive-idle the reuse of an idle connection. --hop says whose hop the
check stands for; it enters the evidence as the operator's statement.

Each phase has its own deadline (5 s for a lookup, a connect or a TLS handshake,
8 s for a proxy's answer, 10 s for the first byte), far below a gateway's 55 s,
and together they get 9 s up to the first byte, so the verdict comes within
10 s whichever phase stalls; --timeout and --connect-timeout set deadlines that
are kept as given. Credentials are redacted in everything shown.

Exit status: 0 when the checks ran, whatever they found; 2 for bad usage.`,
		Example: `  hopscope check --target https://backend.example:443/
  hopscope check --json --target https://backend:443 --proxy http://proxy:3128 --proxy-user gw:secret
  hopscope check --target https://backend --proxy http://proxy:3128 --connect-host proxy:3128
  hopscope check --target https://backend --tls-max 1.2 --sni api.example --timeout 3s
  hopscope check --target http://backend:8080/upload --body-size 4MB --keepalive-idle 5s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := f.options()
			if err != nil {
				return err
			}
			kb, err := knowledge.Default()
			if err != nil {
				return fmt.Errorf("knowledge: %w", err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			res, err := probe.Run(ctx, o, nil)
			if err != nil {
				return fmt.Errorf("check: %w", err)
			}
			sess := diagnose.NewSession(kb)
			for _, ev := range probe.Evidence(kb, res) {
				sess.Add(ev)
			}
			rep := sess.Report([]diagnose.Input{{Path: res.Target, Kind: "check", Warnings: []string{}}})
			rep.Checks = []any{res}
			if rep.Verdict == "" && checksPassed(sess.Ledger()) {
				rep.Verdict = "healthy"
			}
			if f.report != "" {
				if err := writeBundle(cmd, f.report, sess, rep.Inputs, "check", nil, rep.Checks); err != nil {
					return err
				}
			}
			if f.asJSON {
				return writeReportJSON(cmd.OutOrStdout(), rep)
			}
			writeCheckText(cmd.OutOrStdout(), res)
			writeReportText(cmd.OutOrStdout(), rep)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.asJSON, "json", false, "print one JSON object (see README: the contract)")
	fl.StringVar(&f.report, "report", "", "also write the must-gather bundle to this new folder, or to a .tar.gz")
	fl.StringVar(&f.target, "target", "", "the backend's URL, http:// or https:// (required)")
	fl.StringVarP(&f.proxy, "proxy", "x", "", "forward proxy URL, http://HOST:PORT, to reach the target through a CONNECT tunnel")
	fl.StringVarP(&f.proxyUser, "proxy-user", "U", "", "proxy credentials USER:PASSWORD, sent as Basic")
	fl.StringVar(&f.connectHost, "connect-host", "", "the Host header of the CONNECT, HOST:PORT, as the gateway sends it; the target's name is tried beside it (default: the target's and the proxy's name)")
	fl.StringVar(&f.tlsMin, "tls-min", "", "lowest TLS version to offer: 1.0, 1.1, 1.2 or 1.3")
	fl.StringVar(&f.tlsMax, "tls-max", "", "highest TLS version to offer: 1.0, 1.1, 1.2 or 1.3")
	fl.StringVar(&f.sni, "sni", "", "server name to send in the ClientHello (default: the target's host name)")
	fl.StringVar(&f.timeout, "timeout", "", "deadline for every phase, such as 3s (default: 5s per lookup, connect and handshake)")
	fl.StringVar(&f.connectTimeout, "connect-timeout", "", "deadline for each TCP connect, such as 2s or 2 (seconds)")
	fl.StringVar(&f.cacert, "cacert", "", "PEM file of CA certificates to verify the backend with (default: the system's)")
	fl.BoolVarP(&f.insecure, "insecure", "k", false, "do not fail on a certificate that does not verify (it is still shown)")
	fl.StringVarP(&f.method, "request", "X", "", "HTTP method of the request (default GET)")
	fl.StringVar(&f.bodySize, "body-size", "", "also upload a body of this size (such as 4MB) and see where the backend stops reading")
	fl.DurationVar(&f.keepaliveIdle, "keepalive-idle", 0, "also reuse an idle connection after this pause (such as 5s)")
	fl.StringVar(&f.hop, "hop", probe.HopGateway, "whose hop the check stands for: gateway (an API gateway, direct or through --proxy), forward-proxy (run on the proxy host) or reverse-proxy (Apache, nginx to their backend)")
	return cmd
}

// options turns the flags into probe options, or a one-line usage error.
func (f *checkFlags) options() (*probe.Options, error) {
	o := &probe.Options{SNI: f.sni, Insecure: f.insecure, Method: strings.ToUpper(f.method), KeepaliveIdle: f.keepaliveIdle, Hop: f.hop}
	if f.target == "" {
		return nil, errors.New("check: --target URL is required (such as --target https://backend:443/)")
	}
	var err error
	if o.Target, err = probe.ParseURL(f.target, "http"); err != nil {
		return nil, fmt.Errorf("check: --target: %w", err)
	}
	if f.proxy != "" {
		if o.Proxy, err = probe.ParseURL(f.proxy, "http"); err != nil {
			return nil, fmt.Errorf("check: --proxy: %w", err)
		}
		if u := o.Proxy.User; u != nil {
			o.ProxyUser = u.Username()
			o.ProxyPassword, _ = u.Password()
			o.Proxy.User = nil
		}
	}
	if f.proxyUser != "" {
		o.ProxyUser, o.ProxyPassword, _ = strings.Cut(f.proxyUser, ":")
	}
	if f.connectHost != "" {
		if err := probe.ParseHostPort(f.connectHost); err != nil {
			return nil, fmt.Errorf("check: --connect-host: %w", err)
		}
		o.ConnectHost = f.connectHost
	}
	if o.TLSMin, err = probe.ParseTLSVersion(f.tlsMin); err != nil {
		return nil, fmt.Errorf("check: --tls-min: %w", err)
	}
	if o.TLSMax, err = probe.ParseTLSVersion(f.tlsMax); err != nil {
		return nil, fmt.Errorf("check: --tls-max: %w", err)
	}
	if f.timeout != "" {
		d, err := probe.ParseSeconds(f.timeout)
		if err != nil {
			return nil, fmt.Errorf("check: --timeout: %w", err)
		}
		o.DNSTimeout, o.ConnectTimeout, o.TLSTimeout, o.ProxyTimeout, o.HTTPTimeout, o.StallTimeout = d, d, d, d, d, d
	}
	if f.connectTimeout != "" {
		if o.ConnectTimeout, err = probe.ParseSeconds(f.connectTimeout); err != nil {
			return nil, fmt.Errorf("check: --connect-timeout: %w", err)
		}
	}
	if f.cacert != "" {
		pem, err := os.ReadFile(f.cacert)
		if err != nil {
			return nil, fmt.Errorf("check: --cacert: %w", err)
		}
		o.Roots = x509.NewCertPool()
		if !o.Roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("check: --cacert %s: no PEM certificate in it", f.cacert)
		}
	}
	if f.bodySize != "" {
		if o.BodySize, err = probe.ParseSize(f.bodySize); err != nil {
			return nil, fmt.Errorf("check: --body-size: %w", err)
		}
	}
	if f.keepaliveIdle < 0 {
		return nil, errors.New("check: --keepalive-idle must not be negative")
	}
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	return o, nil
}

// checksPassed reports whether every check that ran gave what a working hop gives: at least one
// check's signal, and none that points at a fault (the --hop statement is the operator's, not a
// check's, and says nothing either way).
func checksPassed(ledger []diagnose.Evidence) bool {
	passed := false
	for _, ev := range ledger {
		switch {
		case strings.HasPrefix(ev.Signal, "hop."):
		case probe.Healthy(ev.Signal):
			passed = true
		default:
			return false
		}
	}
	return passed
}
