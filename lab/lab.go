// Package lab stands up, on one Linux machine as root, the failures of hopscope's cause catalogue
// with the real software users run (squid, tinyproxy, Privoxy, Apache httpd, nginx, openssl
// s_server, nftables inside network namespaces), and records what they look like with tcpdump.
//
// A Scenario describes one broken set-up: which cause it reproduces, which programs it needs and
// how to bring it up. Start brings a scenario up and returns a Lab with the Targets to point
// hopscope's checks at; Lab.Close (or Down from another process) removes everything it made:
// processes, network namespaces with their firewall rules, and the state directory. Record runs
// the failing traffic once, bounded in count and time, while tcpdump records.
//
// Traffic stays on loopback (127.0.0.0/8, ::1) or inside network namespaces the lab creates.
//
// Using a scenario from another package's test:
//
//	l, err := lab.Start(ctx, "tunnel.forbidden.acl") // needs root and the scenario's programs
//	if err != nil { … }
//	defer l.Close()
//	// l.Targets.Target, .Proxy, .ProxyUser, .ProxyPassword, .ConnectHost, .Logs …
//	// When l.Targets.Netns is set, dial from inside it: lab.DialContext(ctx, l.Targets.Netns, …).
//
// Adding scenarios: write a file with a function returning []Scenario and add it to the list
// in All (registry.go). Up starts daemons with Lab.Spawn (foreground, own config written with
// Lab.Config, logs under Lab.LogPath), makes namespaces with Lab.Netns, Lab.Veth, Lab.Route,
// Lab.Sysctl and firewall rules with Lab.NFT; everything it makes is recorded in the state
// directory as it is made, so a failed Up, Close and `lab down` remove it. Traffic runs the
// failing client once, bounded; Verify checks a Recording (see verify.go for helpers).
package lab

import (
	"context"
	"time"
)

// Scenario is one reproducible failure from the cause catalogue. Scenarios are plain values
// listed by All; each file of scenarios contributes a function returning its []Scenario.
type Scenario struct {
	// Name is unique and what `hopscope lab up NAME` takes, e.g. "tunnel.forbidden.acl" or
	// "tunnel.forbidden.acl.tinyproxy" for a variant of the same cause.
	Name string
	// Cause is the catalogue cause id the scenario reproduces (knowledge/data/playbooks).
	Cause string
	// Playbook is the id of the playbook holding Cause.
	Playbook string
	// Title is a one-line description for `lab list`.
	Title string
	// Story says what is broken and how it shows, for truth.yaml and for trainees.
	Story string
	// Programs are the executables the scenario runs, with the Debian package of each.
	Programs []Program
	// NeedsRoot is true when the scenario creates namespaces, firewall rules or captures.
	NeedsRoot bool
	// Up starts the servers inside l (l.Daemon, l.Netns, …) and returns where they are.
	// It must not wait for the failing traffic; that is Traffic's job.
	Up func(ctx context.Context, l *Lab) (Targets, error)
	// Traffic runs the failing client traffic once against a Lab that is up, bounded in count
	// and time, and returns what the client saw as text (redacted by the caller). v6 asks for
	// the IPv6 variant; Traffic is called with v6 only when Targets.Target6 or Proxy6 is set.
	Traffic func(ctx context.Context, l *Lab, v6 bool) (string, error)
	// Control, when set, shows the set-up is otherwise healthy, so the failure is down to the
	// cause (the right password is accepted, the backend answers directly). Record runs it
	// before recording.
	Control func(ctx context.Context, l *Lab) error
	// Verify checks that a recording shows the failure the cause describes (the proxy's status
	// in client.txt, a log line, retransmissions in the capture) and says what is missing.
	Verify func(rec *Recording) error
}

// Program is an executable a scenario needs and the Debian package that provides it.
type Program struct {
	Name string // as found on PATH or in /usr/sbin, e.g. "squid"
	Apt  string // the package to apt-get install, e.g. "squid"
}

// Targets says what to point hopscope's checks at for a scenario that is up, and which logs to
// read. Empty fields do not apply to the scenario.
type Targets struct {
	// Target is the URL the gateway would call, e.g. "https://127.0.0.1:18443/".
	Target string `json:"target,omitempty"`
	// Target6 is the same target over IPv6, when the scenario serves it.
	Target6 string `json:"target6,omitempty"`
	// Proxy is the forward proxy URL, without credentials, e.g. "http://127.0.0.1:13128".
	Proxy string `json:"proxy,omitempty"`
	// Proxy6 is the same proxy over IPv6.
	Proxy6 string `json:"proxy6,omitempty"`
	// ProxyUser and ProxyPassword are the proxy credentials the scenario expects (a trainee
	// checks with them to show the 407 goes away); the wrong ones are in Notes if any.
	ProxyUser     string `json:"proxy_user,omitempty"`
	ProxyPassword string `json:"proxy_password,omitempty"`
	// ConnectHost is the authority to put in CONNECT (host:port), when it differs from Target's.
	ConnectHost string `json:"connect_host,omitempty"`
	// HostHeader is the Host header a broken client sends with CONNECT, when the cause is in it.
	HostHeader string `json:"host_header,omitempty"`
	// TLSMax is the highest TLS version the failing client offers ("1.2"), when the cause
	// depends on it: check with `--tls-max` set to it.
	TLSMax string `json:"tls_max,omitempty"`
	// Netns is the network namespace the client must run in to reach the targets ("" = host):
	// `ip netns exec NETNS hopscope check …`, or InNetns from Go.
	Netns string `json:"netns,omitempty"`
	// Ports are the TCP and UDP ports the scenario's traffic uses: recordings on the host
	// filter on them (inside the lab's own namespace everything is recorded).
	Ports []int `json:"ports,omitempty"`
	// Capture lists the interfaces Record captures on, in Netns ("" = lo and any).
	Capture []string `json:"capture,omitempty"`
	// Logs are the servers' log files, absolute paths inside the lab's state directory.
	Logs []string `json:"logs,omitempty"`
	// Notes are extra lines for the operator (what fails, how to see it).
	Notes []string `json:"notes,omitempty"`
}

// Bounds that keep every lab operation finite.
const (
	// startTimeout bounds how long a daemon may take to listen: squid needs about two seconds
	// here, the rest well under one.
	startTimeout = 15 * time.Second
	// stopTimeout is how long a daemon gets between SIGTERM and SIGKILL.
	stopTimeout = 3 * time.Second
	// commandTimeout bounds one helper command (ip, nft, editcap).
	commandTimeout = 10 * time.Second
)
