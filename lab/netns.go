package lab

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Netns creates a network namespace for this lab with its loopback up and records it for
// teardown. The name is "hs" plus a short hash of the scenario's state directory plus suffix
// (e.g. "hs3fa2-cli"), kept short because interface names derive from it; hashing the directory
// keeps apart the same scenario up under two state roots at once (two packages' tests).
// resolvConf, when not empty, becomes the namespace's /etc/resolv.conf for programs run with
// `ip netns exec` (so name resolution inside is local and deterministic).
func (l *Lab) Netns(ctx context.Context, suffix, resolvConf string) (string, error) {
	name := netnsPrefix(l.Dir) + suffix
	// Recorded first: a half-made namespace is still removed by teardown.
	l.st.Namespaces = append(l.st.Namespaces, name)
	if err := l.save(); err != nil {
		return "", err
	}
	if err := run(ctx, "ip", "netns", "add", name); err != nil {
		// Not ours (it existed already): teardown must not delete it.
		l.st.Namespaces = l.st.Namespaces[:len(l.st.Namespaces)-1]
		_ = l.save()
		return "", err
	}
	if err := run(ctx, "ip", "-n", name, "link", "set", "lo", "up"); err != nil {
		return "", err
	}
	if resolvConf != "" {
		dir := filepath.Join("/etc/netns", name)
		l.st.EtcNetns = append(l.st.EtcNetns, dir)
		if err := l.save(); err != nil {
			return "", err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", fmt.Errorf("lab: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, "resolv.conf"), []byte(resolvConf), 0o644); err != nil {
			return "", fmt.Errorf("lab: %w", err)
		}
	}
	return name, nil
}

// Link is one end of a veth pair: its namespace, interface name and addresses (CIDR).
type Link struct {
	Netns string
	Name  string
	Addrs []string
}

// Veth connects two of the lab's namespaces with a veth pair, sets the addresses (use only
// addresses inside the lab's own namespaces, such as 10.213.x.y/24 and fd00:213::x/64) and
// brings both ends up. IPv6 duplicate address detection is turned off so addresses work at once.
func (l *Lab) Veth(ctx context.Context, a, b Link) error {
	if err := run(ctx, "ip", "-n", a.Netns, "link", "add", a.Name, "type", "veth", "peer", "name", b.Name, "netns", b.Netns); err != nil {
		return err
	}
	for _, end := range []Link{a, b} {
		_ = run(ctx, "ip", "netns", "exec", end.Netns, "sysctl", "-qw", "net.ipv6.conf."+end.Name+".accept_dad=0")
		for _, addr := range end.Addrs {
			args := []string{"-n", end.Netns, "addr", "add", addr, "dev", end.Name}
			if strings.Contains(addr, ":") {
				args = []string{"-n", end.Netns, "-6", "addr", "add", addr, "dev", end.Name, "nodad"}
			}
			if err := run(ctx, "ip", args...); err != nil {
				return err
			}
		}
		if err := run(ctx, "ip", "-n", end.Netns, "link", "set", end.Name, "up"); err != nil {
			return err
		}
	}
	return nil
}

// Route adds a route inside a namespace, e.g. Route(ctx, ns, "10.213.2.0/24", "10.213.1.1").
func (l *Lab) Route(ctx context.Context, netns, dst, via string) error {
	args := []string{"-n", netns, "route", "add", dst, "via", via}
	if strings.Contains(dst, ":") {
		args = []string{"-n", netns, "-6", "route", "add", dst, "via", via}
	}
	return run(ctx, "ip", args...)
}

// Sysctl sets a sysctl inside a namespace, e.g. "net.ipv4.ip_forward=1".
func (l *Lab) Sysctl(ctx context.Context, netns, setting string) error {
	return run(ctx, "ip", "netns", "exec", netns, "sysctl", "-qw", setting)
}

// NFT loads an nftables ruleset inside a namespace; it goes away with the namespace. The
// ruleset is also written to config/NAME.nft so recordings carry it.
func (l *Lab) NFT(ctx context.Context, netns, name, ruleset string) error {
	p, err := l.Config(name+".nft", ruleset)
	if err != nil {
		return err
	}
	return run(ctx, "ip", "netns", "exec", netns, "nft", "-f", p)
}

// netnsPrefix is the start of every namespace name of a scenario's state directory, e.g. "hs3fa2-".
func netnsPrefix(dir string) string {
	h := fnv.New32a()
	h.Write([]byte(dir))
	return fmt.Sprintf("hs%04x-", h.Sum32()&0xffff)
}

func deleteNetns(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	if _, err := os.Stat(filepath.Join("/run/netns", name)); err != nil {
		return nil
	}
	return run(ctx, "ip", "netns", "delete", name)
}

// run runs a helper command with commandTimeout and returns its output in the error.
func run(ctx context.Context, name string, args ...string) error {
	_, err := output(ctx, name, args...)
	return err
}

func output(ctx context.Context, name string, args ...string) (string, error) {
	path, err := LookPath(name)
	if err != nil {
		return "", fmt.Errorf("lab: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("lab: %s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}
