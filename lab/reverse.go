package lab

import (
	"context"
	"fmt"
	"strings"
)

// reverseProxyScenarios lists the reverse-proxy scenarios (Apache httpd mod_proxy_http, nginx)
// for the mod-proxy playbook.
func reverseProxyScenarios() []Scenario {
	var all []Scenario
	for _, f := range []func() []Scenario{connectScenarios, bodyScenarios, patternScenarios} {
		all = append(all, f()...)
	}
	return all
}

// revSpec is the set-up of a reverse-proxy scenario: one namespace holding the client, the
// proxy on port 8080 and the backend on port 9000 (each on 127.0.0.1 and ::1), so that the
// captures on its lo and any show both hops.
type revSpec struct {
	Proxy  string // "apache" or "nginx"
	Apache apacheConfig
	Nginx  nginxConfig
	// Backend holds the flags of lab/backend's server; nil runs no backend (nothing listens).
	Backend []string
	// SmallBuffers shrinks TCP socket buffers in the namespace so that a request body of a
	// few hundred KiB really streams instead of vanishing into the kernel's buffers.
	SmallBuffers bool
	// RoutedBackend puts the backend in a namespace of its own, on a subnet the proxy's
	// namespace has no route to (the routing mistake of network.path): routedHosts.
	RoutedBackend bool
	// NFT is an nftables ruleset loaded once the servers are up.
	NFT   string
	Notes []string
}

// smallBufferSysctls: 16 KiB at most per socket direction (net.core.rmem_max cannot be set
// inside a namespace; tcp_rmem and tcp_wmem bound autotuning, which is what matters here).
var smallBufferSysctls = []string{
	"net.ipv4.tcp_rmem=4096 8192 16384",
	"net.ipv4.tcp_wmem=4096 8192 16384",
}

func (s revSpec) programs() []Program {
	p := []Program{progIP}
	if s.Proxy == "nginx" {
		p = append(p, progNginx)
	} else {
		p = append(p, progApache)
	}
	if s.NFT != "" {
		p = append(p, progNFT)
	}
	return p
}

func (s revSpec) up(ctx context.Context, l *Lab) (Targets, error) {
	ns, err := l.Netns(ctx, "rp", "")
	if err != nil {
		return Targets{}, err
	}
	if s.SmallBuffers {
		for _, set := range smallBufferSysctls {
			if err := l.Sysctl(ctx, ns, set); err != nil {
				return Targets{}, err
			}
		}
	}
	var logs []string
	if s.Backend != nil {
		bns, hosts := ns, loopbackHosts
		if s.RoutedBackend {
			if bns, err = l.routedBackendNetns(ctx, ns); err != nil {
				return Targets{}, err
			}
			hosts = routedHosts
			s.Apache.Backends = hosts
		}
		if err := l.startBackends(ctx, bns, hosts, s.Backend...); err != nil {
			return Targets{}, err
		}
		logs = append(logs, l.LogPath("backend.log"))
	}
	if s.Proxy == "nginx" {
		err = l.startNginx(ctx, ns, s.Nginx)
		logs = append([]string{l.LogPath("nginx-error.log"), l.LogPath("nginx-access.log")}, logs...)
	} else {
		err = l.startApache(ctx, ns, s.Apache)
		logs = append([]string{l.LogPath("apache-error.log"), l.LogPath("apache-access.log")}, logs...)
	}
	if err != nil {
		return Targets{}, err
	}
	if s.NFT != "" {
		if err := l.NFT(ctx, ns, "firewall", s.NFT); err != nil {
			return Targets{}, err
		}
	}
	where := fmt.Sprintf("of the same address (127.0.0.1 or ::1), all inside namespace %s", ns)
	if s.RoutedBackend {
		where = fmt.Sprintf("at %s and %s in its own namespace; the proxy runs in namespace %s",
			routedHosts[0], routedHosts[1], ns)
	}
	notes := append([]string{fmt.Sprintf("The %s reverse proxy listens on port %d (127.0.0.1, ::1) and proxies to "+
		"the backend on port %d %s.", proxyName(s.Proxy), proxyPort, revBackendPort, where)}, s.Notes...)
	return Targets{
		Target:  fmt.Sprintf("http://%s/", hostPort("127.0.0.1", proxyPort)),
		Target6: fmt.Sprintf("http://%s/", hostPort("::1", proxyPort)),
		Netns:   ns,
		Ports:   []int{proxyPort, revBackendPort},
		Logs:    logs,
		Notes:   notes,
	}, nil
}

// routedHosts are the backend's addresses in its own namespace; the proxy's side of the link is
// on other subnets (routedProxyAddrs) and has no route to these.
var (
	routedHosts      = [2]string{"10.213.91.2", "fd00:213:91::2"}
	routedProxyAddrs = []string{"10.213.90.1/24", "fd00:213:90::1/64"}
)

// routedBackendNetns makes the backend's namespace and links it to the proxy's with a veth
// pair. The backend's side has a route back; the proxy's side has none to the backend's subnets.
func (l *Lab) routedBackendNetns(ctx context.Context, proxyNetns string) (string, error) {
	bns, err := l.Netns(ctx, "be", "")
	if err != nil {
		return "", err
	}
	if err := l.Veth(ctx, Link{Netns: proxyNetns, Name: "rp0", Addrs: routedProxyAddrs},
		Link{Netns: bns, Name: "be0", Addrs: []string{routedHosts[0] + "/24", routedHosts[1] + "/64"}}); err != nil {
		return "", err
	}
	for _, dst := range []string{"10.213.90.0/24", "fd00:213:90::/64"} {
		args := []string{"-n", bns, "route", "add", dst, "dev", "be0"}
		if strings.Contains(dst, ":") {
			args = []string{"-n", bns, "-6", "route", "add", dst, "dev", "be0"}
		}
		if err := run(ctx, "ip", args...); err != nil {
			return "", err
		}
	}
	return bns, nil
}

func proxyName(p string) string {
	if p == "nginx" {
		return "nginx"
	}
	return "Apache httpd (mod_proxy_http)"
}

// revScenario fills the parts every reverse-proxy scenario shares.
func revScenario(sc Scenario, spec revSpec) Scenario {
	sc.Playbook = "mod-proxy"
	if sc.Cause == "" {
		sc.Cause = strings.TrimSuffix(sc.Name, ".nginx")
	}
	sc.Programs = spec.programs()
	sc.NeedsRoot = true
	sc.Up = spec.up
	return sc
}

// proxyLogs names the error and access log a recording of proxy p holds.
func proxyLogs(p string) (errorLog, accessLog string) {
	if p == "nginx" {
		return "nginx-error.log", "nginx-access.log"
	}
	return "apache-error.log", "apache-access.log"
}
