package lab

import (
	"context"
	"fmt"
)

// backendName is the target's name in the DNS scenarios: under .invalid (RFC 6761), and the
// lab's own DNS server answers NXDOMAIN for it, so the result never depends on the machine.
const backendName = "backend.lab.invalid"

// dnsScenarios are tunnel.unavailable.dns with squid and with tinyproxy.
func dnsScenarios() []Scenario {
	story := "The gateway asks the proxy for a tunnel to " + backendName + ". The proxy's resolver " +
		"is the lab's dnsmasq, which answers NXDOMAIN (dns.log has each query). "
	return []Scenario{
		{
			Name: "tunnel.unavailable.dns", Cause: "tunnel.unavailable.dns", Playbook: "proxy-tunnel",
			Title: "squid cannot resolve the CONNECT target (NXDOMAIN) and answers 500",
			Story: story + "squid 5.7 answers 500 Internal Server Error with X-Squid-Error: " +
				"ERR_CANNOT_FORWARD (not the playbook's 503 ERR_DNS_FAIL), and its default logs say nothing " +
				"about DNS.",
			Programs: []Program{progSquid, progDnsmasq}, NeedsRoot: true,
			Up:      upSquidDNS,
			Traffic: connectTraffic(connectPlan{N: 6}),
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectOutcome("answered 500"),
					rec.expectContains([]string{"client.txt"}, "X-Squid-Error: ERR_CANNOT_FORWARD"),
					rec.expectContains([]string{"dns.log"}, "query[A] "+backendName, "config "+backendName+" is NXDOMAIN"),
					rec.expectPackets("lo.pcap", "dns.flags.rcode == 3", 1),
				)
			},
		},
		{
			Name: "tunnel.unavailable.dns.tinyproxy", Cause: "tunnel.unavailable.dns", Playbook: "proxy-tunnel",
			Title: "tinyproxy cannot resolve the CONNECT target (NXDOMAIN) and answers 500 Unable to connect",
			Story: story + "tinyproxy answers 500 Unable to connect and logs \"Could not retrieve address " +
				"info\" for the name.",
			Programs: []Program{progTiny, progDnsmasq}, NeedsRoot: true,
			Up:      upTinyproxyDNS,
			Traffic: connectTraffic(connectPlan{N: 6}),
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectOutcome("answered 500"),
					rec.expectContains([]string{"client.txt"}, "Unable to connect"),
					rec.expectContains([]string{"tinyproxy.log", "tinyproxy-v6.log"}, "Could not retrieve address info"),
					rec.expectContains([]string{"dns.log"}, backendName+" is NXDOMAIN"),
					rec.expectPackets("lo.pcap", "dns.flags.rcode == 3", 1),
				)
			},
		},
	}
}

func dnsTargets(l *Lab, proxy int, note string) Targets {
	return Targets{
		Target:  fmt.Sprintf("https://%s/", hostPort(backendName, 443)),
		Target6: fmt.Sprintf("https://%s/", hostPort(backendName, 443)),
		Proxy:   "http://" + hostPort("127.0.0.1", proxy),
		Proxy6:  "http://" + hostPort("::1", proxy),
		Ports:   []int{proxy, 53},
		Notes:   []string{note},
	}
}

func upSquidDNS(ctx context.Context, l *Lab) (Targets, error) {
	dns, err := l.startDNS(ctx)
	if err != nil {
		return Targets{}, err
	}
	pp, err := FreePort()
	if err != nil {
		return Targets{}, err
	}
	if _, err := l.startSquid(ctx, squidConfig{
		Listen: loopbacks(pp),
		Extra:  "dns_nameservers " + dns + "\nhosts_file none\nnegative_dns_ttl 1 second\n",
		Access: squidOpen,
	}); err != nil {
		return Targets{}, err
	}
	t := dnsTargets(l, pp, "squid's resolver is the lab's dnsmasq at "+dns+", which answers NXDOMAIN for "+backendName+".")
	t.Logs = []string{l.LogPath("access.log"), l.LogPath("cache.log"), l.LogPath("dns.log")}
	return t, nil
}

func upTinyproxyDNS(ctx context.Context, l *Lab) (Targets, error) {
	dns, err := l.startDNS(ctx)
	if err != nil {
		return Targets{}, err
	}
	pp, err := FreePort()
	if err != nil {
		return Targets{}, err
	}
	if err := l.startTinyproxy(ctx, tinyproxyConfig{Port: pp, Etc: localResolver(dns)}); err != nil {
		return Targets{}, err
	}
	t := dnsTargets(l, pp, "tinyproxy resolves through the lab's dnsmasq at "+dns+" (its own /etc/resolv.conf), which answers NXDOMAIN.")
	t.Logs = []string{l.LogPath("tinyproxy.log"), l.LogPath("tinyproxy-v6.log"), l.LogPath("dns.log")}
	return t, nil
}
