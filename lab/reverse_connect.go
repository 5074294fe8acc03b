package lab

import (
	"fmt"
	"time"
)

// apacheConnectParams are the ProxyPass parameters of the connect scenarios: short timeouts so
// a run ends in seconds (Apache's defaults are 60 s and more).
const apacheConnectParams = "connectiontimeout=2 timeout=3"

// connectScenarios are the mod-proxy causes where the proxy's connect to the backend fails:
// nothing listens, the listen queue overflows, the path drops or rejects, a rare reset.
func connectScenarios() []Scenario {
	steady := every(10, 0, 150*time.Millisecond, "GET", 0, numbered("/api/orders/"))
	return []Scenario{
		revScenario(Scenario{
			Name:  "backend.down",
			Title: "Apache httpd proxies to a port where nothing listens: every connect is refused, 503",
			Story: "Apache httpd's ProxyPass points at port 9000, where no backend runs. Each request's connect " +
				"is refused by the backend host's kernel (RST), Apache logs AH00957 (111)Connection refused and " +
				"AH01114 for every request and answers 503.",
			Traffic: httpTraffic(steady),
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectStatuses("apache-access.log", anyRequest, statusIs(503), "503"),
					rec.expectLines("apache-error.log", 20, "(111)Connection refused: AH00957: http: attempt to connect to"),
					rec.expectLines("apache-error.log", 20, "AH01114: HTTP: failed to make connection to backend"),
					rec.expectPackets("lo.pcap", "tcp.srcport == 9000 && tcp.flags.reset == 1", 10),
					rec.expectPackets("lo-v6.pcap", "tcp.srcport == 9000 && tcp.flags.reset == 1", 10),
				)
			},
		}, revSpec{Apache: apacheConfig{Params: apacheConnectParams},
			Notes: []string{"Nothing listens on port 9000: every request gets 503."}}),

		revScenario(Scenario{
			Name:  "backend.down.nginx",
			Title: "nginx proxies to a port where nothing listens: every connect is refused, 502",
			Story: "nginx's upstream is port 9000, where no backend runs. Each connect is refused (RST); nginx " +
				"logs `connect() failed (111: Connection refused) while connecting to upstream` and answers 502 " +
				"(Apache would answer 503).",
			Traffic: httpTraffic(steady),
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectStatuses("nginx-access.log", anyRequest, statusIs(502), "502"),
					rec.expectLines("nginx-error.log", 20, "connect() failed (111: Connection refused) while connecting to upstream"),
					rec.expectPackets("lo.pcap", "tcp.srcport == 9000 && tcp.flags.reset == 1", 10),
				)
			},
		}, revSpec{Proxy: "nginx", Notes: []string{"Nothing listens on port 9000: every request gets 502."}}),

		revScenario(Scenario{
			Name:  "backend.overloaded",
			Title: "a backend with a listen backlog of 1 and slow accepts: bursts fail in part, calm requests pass",
			Story: "The backend listens with a backlog of 1 and accepts one connection about every 200 ms. Bursts " +
				"of 12 simultaneous requests overflow its listen queue: the kernel drops SYNs and handshake ACKs, " +
				"so Apache logs a mix of connect timeouts (AH00957 (70007), 503) and read timeouts (AH01102, 502) " +
				"while the requests between bursts succeed. The exact mix changes from run to run.",
			Traffic: httpTraffic(overloadPlan(3200 * time.Millisecond)),
			Control: controlGet("/calm/0"),
			Verify:  verifyOverloaded("apache-error.log", "apache-access.log", "AH00957", "AH01102"),
		}, revSpec{
			Apache:  apacheConfig{Params: "connectiontimeout=1 timeout=2"},
			Backend: overloadedBackend,
			Notes:   []string{"Send bursts of 10 or more simultaneous requests to see connects time out."},
		}),

		revScenario(Scenario{
			Name:  "backend.overloaded.nginx",
			Title: "nginx in front of a backend with a listen backlog of 1 and slow accepts: bursts fail in part",
			Story: "The backend listens with a backlog of 1 and accepts one connection about every 200 ms. Bursts " +
				"of 12 simultaneous requests overflow its listen queue; nginx logs `upstream timed out (110: " +
				"Connection timed out) while connecting to upstream` or `… while reading response header` (504) " +
				"for part of each burst, while the requests between bursts succeed.",
			Traffic: httpTraffic(overloadPlan(3200 * time.Millisecond)),
			Control: controlGet("/calm/0"),
			Verify:  verifyOverloaded("nginx-error.log", "nginx-access.log", "upstream timed out (110: Connection timed out)"),
		}, revSpec{Proxy: "nginx", Nginx: nginxConfig{ConnectTimeout: "1s", ReadTimeout: "2s"}, Backend: overloadedBackend}),

		revScenario(Scenario{
			Name:  "network.path",
			Title: "a firewall drops every SYN from Apache httpd to the backend: connect timeouts, 503",
			Story: "The backend runs and listens, but an nftables rule on the path drops every new connection to " +
				"port 9000. Apache's SYNs are retransmitted and never answered; after connectiontimeout (2 s) it " +
				"logs AH00957 (70007)The timeout specified has expired and answers 503.",
			Traffic: httpTraffic(every(8, 0, 250*time.Millisecond, "GET", 0, numbered("/api/orders/"))),
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectStatuses("apache-access.log", anyRequest, statusIs(503), "503"),
					rec.expectLines("apache-error.log", 16, "(70007)The timeout specified has expired: AH00957"),
					rec.expectPackets("lo.pcap", "tcp.dstport == 9000 && tcp.flags.syn == 1", 12),
					rec.expectNoPackets("lo.pcap", "tcp.srcport == 9000"),
					rec.expectNoPackets("lo-v6.pcap", "tcp.srcport == 9000"),
				)
			},
		}, revSpec{
			Apache:  apacheConfig{Params: apacheConnectParams},
			Backend: []string{"--mode", "ok"},
			NFT:     firewall("A firewall on the path drops every new connection to the backend.", "tcp dport 9000 ct state new drop"),
		}),

		revScenario(Scenario{
			Name:  "network.path.route",
			Cause: "network.path",
			Title: "the proxy host has no route to the backend's subnet: Network is unreachable, 503",
			Story: "The backend runs in its own namespace on 10.213.91.2 and fd00:213:91::2, linked to the proxy's " +
				"namespace, but the proxy's side has no route to those subnets (a static route lost in a " +
				"change). Apache httpd's connect fails at once with AH00957 (101)Network is unreachable and " +
				"AH01114, and it answers 503; no packet leaves for the backend.",
			Traffic: httpTraffic(every(8, 0, 150*time.Millisecond, "GET", 0, numbered("/api/orders/"))),
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectStatuses("apache-access.log", anyRequest, statusIs(503), "503"),
					rec.expectLines("apache-error.log", 16, "(101)Network is unreachable: AH00957: http: attempt to connect to"),
					rec.expectNoPackets("any.pcapng", "tcp.port == 9000"),
				)
			},
		}, revSpec{
			Apache:        apacheConfig{Params: apacheConnectParams},
			Backend:       []string{"--mode", "ok"},
			RoutedBackend: true,
			Notes: []string{"The fix: ip -n NAMESPACE route add 10.213.91.0/24 dev rp0 (and fd00:213:91::/64 with -6); " +
				"then requests succeed."},
		}),

		revScenario(Scenario{
			Name:  "network.path.nginx",
			Title: "a router answers host unreachable for the backend: nginx logs No route to host, 502",
			Story: "The backend runs and listens, but a filter on the path rejects connections to port 9000 with " +
				"ICMP host unreachable. nginx logs `connect() failed (113: No route to host) while connecting to " +
				"upstream` and answers 502; nothing ever reaches the backend.",
			Traffic: httpTraffic(every(8, 0, 150*time.Millisecond, "GET", 0, numbered("/api/orders/"))),
			Verify: func(rec *Recording) error {
				return firstErr(
					rec.expectStatuses("nginx-access.log", anyRequest, statusIs(502), "502"),
					rec.expectLines("nginx-error.log", 16, "connect() failed (113: No route to host) while connecting to upstream"),
					rec.expectPackets("lo.pcap", "icmp.type == 3", 8),
					rec.expectPackets("lo-v6.pcap", "icmpv6.type == 1", 8),
				)
			},
		}, revSpec{
			Proxy:   "nginx",
			Backend: []string{"--mode", "ok"},
			NFT: firewall("A router on the path answers host unreachable for the backend.",
				"tcp dport 9000 ct state new reject with icmpx type host-unreachable"),
		}),

		revScenario(Scenario{
			Name:  "network.sporadic",
			Title: "a flaky path resets about 1 in 8 new connections to the backend: rare isolated 503s",
			Story: "Apache httpd opens a new backend connection per request (disablereuse=On). An nftables rule " +
				"answers about one SYN in eight with a reset (numgen random), like a flaky device on the path: " +
				"isolated requests fail with AH00957 (111)Connection refused and 503 while the ones around them " +
				"succeed; which ones changes from run to run.",
			Traffic: httpTraffic(merge(
				every(20, 0, 200*time.Millisecond, "GET", 0, numbered("/api/orders/")),
				every(20, 100*time.Millisecond, 200*time.Millisecond, "GET", 0, numbered("/api/customers/")))),
			Control: controlGet("/api/orders/0"),
			Verify: func(rec *Recording) error {
				failed, total, err := rec.failureShare("apache-access.log", anyRequest)
				if err != nil {
					return err
				}
				if failed == 0 || failed*10 > total*3 {
					return fmt.Errorf("recording: %d of %d requests failed, want a few (about 1 in 8)", failed, total)
				}
				return firstErr(
					rec.expectStatuses("apache-access.log", anyRequest, statusIs(200, 503), "200 or 503"),
					rec.expectLines("apache-error.log", failed, "(111)Connection refused: AH00957"),
				)
			},
		}, revSpec{
			Apache:  apacheConfig{Params: apacheConnectParams + " disablereuse=On"},
			Backend: []string{"--mode", "ok"},
			NFT: firewall("A flaky path: about one new connection in eight to the backend is reset.",
				"tcp dport 9000 tcp flags & (syn | ack) == syn numgen random mod 8 == 0 reject with tcp reset"),
		}),
	}
}

// overloadedBackend accepts one connection about every 200 ms from a queue of one or two.
var overloadedBackend = []string{"--mode", "overloaded", "--backlog", "1", "--accept-delay", "150ms", "--work", "50ms"}

// overloadPlan is two bursts of 12 simultaneous requests, each followed by three calm ones
// once the burst has run its course (settle: the proxy's connect plus read timeout).
func overloadPlan(settle time.Duration) []httpRequest {
	var plan []httpRequest
	at := time.Duration(0)
	for b, name := range []string{"a", "b"} {
		plan = append(plan, every(12, at, 10*time.Millisecond, "GET", 0, numbered(fmt.Sprintf("/burst-%s/", name)))...)
		at += settle
		plan = append(plan, every(3, at, 300*time.Millisecond, "GET", 0, numbered(fmt.Sprintf("/calm/%d-", b+1)))...)
		at += time.Second
	}
	return plan
}

// verifyOverloaded checks the clustered pattern: part of each burst failed, with one of the
// proxy's timeout lines, and the calm requests between bursts (nearly) all succeeded.
func verifyOverloaded(errorLog, accessLog string, lines ...string) func(*Recording) error {
	return func(rec *Recording) error {
		failed, total, err := rec.failureShare(accessLog, pathHas("/burst-"))
		if err != nil {
			return err
		}
		if failed < 4 || failed == total {
			return fmt.Errorf("recording: %d of %d burst requests failed, want some but not all", failed, total)
		}
		calmFailed, calm, err := rec.failureShare(accessLog, pathHas("/calm/"))
		if err != nil {
			return err
		}
		if calmFailed > 1 {
			return fmt.Errorf("recording: %d of %d calm requests failed, want at most one", calmFailed, calm)
		}
		var firstMiss error
		for _, l := range lines {
			err := rec.expectLines(errorLog, 1, l)
			if err == nil {
				return nil
			}
			if firstMiss == nil {
				firstMiss = err
			}
		}
		return firstMiss
	}
}

// firewall returns an nftables ruleset with one input rule (on loopback, a packet passes the
// capture on its way out and meets the input hook on its way back in, so the capture shows it).
func firewall(comment, rule string) string {
	return fmt.Sprintf(`# %s
table inet hopscope_lab {
    chain input {
        type filter hook input priority filter; policy accept;
        %s
    }
}
`, comment, rule)
}
