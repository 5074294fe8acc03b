package lab

import (
	"context"
	"fmt"
)

// Addresses inside the lab's own namespaces: 10.213.N.0/24 and fd00:213:N::/64 for link N.
// They never leave the namespaces, whatever the host's own networks are.

// v4 returns 10.213.link.host.
func v4(link, host int) string { return fmt.Sprintf("10.213.%d.%d", link, host) }

// v6 returns fd00:213:link::host.
func v6(link, host int) string { return fmt.Sprintf("fd00:213:%d::%d", link, host) }

// joinNetns links namespaces a and b with veth "eth0" in a (host 2 on link N) and ifB in b
// (host 1 on link N when b routes for a, else host 2 with a as host 1 — see the callers).
func (l *Lab) joinNetns(ctx context.Context, a, ifA string, hostA int, b, ifB string, hostB, link int) error {
	return l.Veth(ctx,
		Link{Netns: a, Name: ifA, Addrs: []string{v4(link, hostA) + "/24", v6(link, hostA) + "/64"}},
		Link{Netns: b, Name: ifB, Addrs: []string{v4(link, hostB) + "/24", v6(link, hostB) + "/64"}})
}

// defaultVia routes everything from ns through host gw of link.
func (l *Lab) defaultVia(ctx context.Context, ns string, link, gw int) error {
	if err := l.Route(ctx, ns, "default", v4(link, gw)); err != nil {
		return err
	}
	return run(ctx, "ip", "-n", ns, "-6", "route", "add", "default", "via", v6(link, gw))
}

// routedPath makes client — router — server namespaces: client eth0 10.213.1.2 (fd00:213:1::2),
// router 10.213.1.1 / 10.213.2.1, server eth0 10.213.2.2 (fd00:213:2::2). The router forwards;
// firewall rules go into its forward chain.
func (l *Lab) routedPath(ctx context.Context) (client, router, server string, err error) {
	if client, err = l.Netns(ctx, "cli", ""); err != nil {
		return
	}
	if router, err = l.Netns(ctx, "rtr", ""); err != nil {
		return
	}
	if server, err = l.Netns(ctx, "srv", ""); err != nil {
		return
	}
	if err = l.joinNetns(ctx, client, "eth0", 2, router, "cli0", 1, 1); err != nil {
		return
	}
	if err = l.joinNetns(ctx, server, "eth0", 2, router, "srv0", 1, 2); err != nil {
		return
	}
	for _, s := range []string{"net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"} {
		if err = l.Sysctl(ctx, router, s); err != nil {
			return
		}
	}
	if err = l.defaultVia(ctx, client, 1, 1); err != nil {
		return
	}
	err = l.defaultVia(ctx, server, 2, 1)
	return
}

// directPath makes two namespaces on one link: a eth0 10.213.1.1 (fd00:213:1::1) and b eth0
// 10.213.1.2 (fd00:213:1::2).
func (l *Lab) directPath(ctx context.Context, aSuffix, bSuffix string) (a, b string, err error) {
	if a, err = l.Netns(ctx, aSuffix, ""); err != nil {
		return
	}
	if b, err = l.Netns(ctx, bSuffix, ""); err != nil {
		return
	}
	err = l.joinNetns(ctx, a, "eth0", 1, b, "eth0", 2, 1)
	return
}
