package lab

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"strings"
)

// FreePort returns a TCP port free on both 127.0.0.1 and ::1 on the host, for a server to listen
// on. Another program may take it before the server does; Spawn's Ready check then fails.
func FreePort() (int, error) {
	for range 20 {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("lab: free port: %w", err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln6, err6 := net.Listen("tcp6", hostPort("::1", port))
		ln.Close()
		if err6 == nil {
			ln6.Close()
			return port, nil
		}
	}
	return 0, errors.New("lab: no port free on both 127.0.0.1 and ::1")
}

// squidConfig holds what differs between the squid scenarios.
type squidConfig struct {
	Netns  string
	Listen []string // host:port addresses for http_port
	Extra  string   // directives placed before the http_access rules
	Access string   // the http_access rules, ending with the final deny
}

// startSquid writes config/squid.conf and runs `squid -N -f` in the foreground. Logs go to
// log/access.log and log/cache.log; squid drops root to the proxy user.
func (l *Lab) startSquid(ctx context.Context, c squidConfig) (*Process, error) {
	var b strings.Builder
	for _, a := range c.Listen {
		fmt.Fprintf(&b, "http_port %s\n", a)
	}
	fmt.Fprintf(&b, `pid_filename %[1]s
cache_log %[2]s
access_log stdio:%[3]s squid
cache deny all
cache_mem 8 MB
coredump_dir %[4]s
netdb_filename none
pinger_enable off
shutdown_lifetime 0 seconds
logfile_rotate 0
visible_hostname hopscope-lab-squid
`, l.LogPath("squid.pid"), l.LogPath("cache.log"), l.LogPath("access.log"), l.LogPath(""))
	b.WriteString(c.Extra)
	b.WriteString(c.Access)
	conf, err := l.Config("squid.conf", b.String())
	if err != nil {
		return nil, err
	}
	return l.Spawn(ctx, Daemon{Name: "squid", Argv: []string{"squid", "-N", "-f", conf}, Netns: c.Netns, Ready: c.Listen[0]})
}

// startTLSServer runs one `openssl s_server` per address (host:port; s_server takes a single
// -accept, and binding the wildcard would expose the lab beyond loopback) with a fresh
// self-signed certificate. extra adds s_server options such as "-tls1_3". A completed handshake
// is answered with a status page (-www). Processes are named name, name-2, ….
func (l *Lab) startTLSServer(ctx context.Context, name, netns string, addrs []string, extra ...string) ([]*Process, error) {
	cert, key := l.LogPath(name+".crt"), l.LogPath(name+".key")
	if err := run(ctx, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
		"-nodes", "-days", "2", "-subj", "/CN=backend.lab.test", "-keyout", key, "-out", cert); err != nil {
		return nil, err
	}
	var ps []*Process
	for i, a := range addrs {
		n := name
		if i > 0 {
			n = fmt.Sprintf("%s-%d", name, i+1)
		}
		argv := append([]string{"openssl", "s_server", "-accept", a, "-cert", cert, "-key", key, "-www", "-naccept", "1000"}, extra...)
		p, err := l.Spawn(ctx, Daemon{Name: n, Argv: argv, Netns: netns, Ready: a})
		if err != nil {
			return ps, err
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// labDNSAddr is the loopback address of a scenario's own DNS server: 127.213.H.53, H from the
// scenario's state directory, so that two scenarios up at once (or one under two state roots)
// do not collide on port 53.
func (l *Lab) labDNSAddr() string {
	h := fnv.New32a()
	h.Write([]byte(l.Dir))
	return fmt.Sprintf("127.213.%d.53", h.Sum32()%250+1)
}

// startDNS runs dnsmasq on labDNSAddr:53 answering NXDOMAIN for every name under lab.invalid
// (and nothing else: it has no upstream), logging each query to log/dns.log.
func (l *Lab) startDNS(ctx context.Context) (string, error) {
	addr := l.labDNSAddr()
	_, err := l.Spawn(ctx, Daemon{Name: "dnsmasq", Argv: []string{"dnsmasq", "--keep-in-foreground",
		"--no-resolv", "--no-hosts", "--no-poll", "--bind-interfaces", "--listen-address=" + addr, "--port=53",
		"--address=/lab.invalid/", "--log-queries", "--log-facility=" + l.LogPath("dns.log"), "--pid-file=",
		"--user=nobody"}, Ready: hostPort(addr, 53)})
	return addr, err
}

// localResolver returns /etc files that send a program's name lookups to the lab's DNS only.
func localResolver(dns string) map[string]string {
	return map[string]string{
		"resolv.conf":   "nameserver " + dns + "\noptions timeout:1 attempts:1\n",
		"nsswitch.conf": "hosts: files dns\n",
	}
}

// tinyproxyConfig holds what differs between the tinyproxy scenarios.
type tinyproxyConfig struct {
	Port  int
	Extra string            // directives such as "ConnectPort 443"
	Etc   map[string]string // /etc overrides (Daemon.Etc)
}

// startTinyproxy runs `tinyproxy -d -c` once per loopback address (tinyproxy listens on one
// address or on all), logging to log/tinyproxy.log and log/tinyproxy-v6.log.
func (l *Lab) startTinyproxy(ctx context.Context, c tinyproxyConfig) error {
	for i, host := range []string{"127.0.0.1", "::1"} {
		name := "tinyproxy"
		if i > 0 {
			name = "tinyproxy-v6"
		}
		conf, err := l.Config(name+".conf", fmt.Sprintf(`User nobody
Group nogroup
Port %d
Listen %s
Timeout 10
LogFile "%s"
LogLevel Info
MaxClients 20
Allow 127.0.0.1
Allow ::1
%s`, c.Port, host, l.LogPath(name+".log"), c.Extra))
		if err != nil {
			return err
		}
		if _, err := l.Spawn(ctx, Daemon{Name: name, Argv: []string{"tinyproxy", "-d", "-c", conf},
			Etc: c.Etc, Ready: hostPort(host, c.Port)}); err != nil {
			return err
		}
	}
	return nil
}
