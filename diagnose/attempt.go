package diagnose

import (
	"fmt"
	"strconv"
	"time"
)

// An incident, as an engineer reads it, is a few failing requests among many that work, spread
// over the hops of a path. Sources report each request or connection they saw as an Attempt on
// one Hop; the session groups them, ranks each failing hop's causes from its failing attempts,
// and uses the attempts that worked on the same hop as the control group.

// Phase is the step at which an attempt failed.
type Phase string

// The phases, in the order a request goes through them.
const (
	PhaseDNS      Phase = "dns"      // the name asked for did not resolve
	PhaseTCP      Phase = "tcp"      // the connection could not be opened
	PhaseTLS      Phase = "tls"      // the TLS handshake did not complete
	PhaseConnect  Phase = "connect"  // a forward proxy refused or failed the CONNECT tunnel
	PhaseRequest  Phase = "request"  // the request was written and never answered
	PhaseBody     Phase = "body"     // the request body was cut off or stopped being read
	PhaseResponse Phase = "response" // an error status came back
)

// HopRole says where a hop sits on the path, judged from what its attempts did rather than from
// port numbers.
type HopRole string

// The roles a hop can have.
const (
	// HopDirect is a client talking straight to its server, nothing seen around it.
	HopDirect HopRole = "direct"
	// HopForwardProxy is a client (a gateway) asking a forward proxy for CONNECT tunnels, or
	// trying to reach a proxy's port.
	HopForwardProxy HopRole = "forward-proxy"
	// HopProxyTarget is a forward proxy's own connection to the target of a CONNECT.
	HopProxyTarget HopRole = "proxy-target"
	// HopFront is a client's connection into a proxy or gateway that opened connections of its
	// own while the request waited.
	HopFront HopRole = "front"
	// HopBackend is a connection a proxy or gateway opened to its backend while a client's
	// request waited. What it carried decides which of the next two it is.
	HopBackend HopRole = "backend"
	// HopReverseProxy is a reverse proxy's plain HTTP connection to its backend (Apache
	// mod_proxy_http, nginx proxy_pass).
	HopReverseProxy HopRole = "reverse-proxy-backend"
	// HopGateway is a TLS connection opened for a request that came in as plain HTTP: a gateway
	// or TLS-originating proxy speaking HTTPS to its backend.
	HopGateway HopRole = "gateway-backend"
	// HopCheck is a live check hopscope ran.
	HopCheck HopRole = "check"
)

// HopKey identifies a hop: who is spoken to, in what role, and for a tunnel, to where.
type HopKey struct {
	Role HopRole `json:"role"`
	// Server is the address and port connected to ("10.0.0.2:3128").
	Server string `json:"server"`
	// Target is the CONNECT target asked of a forward proxy ("backend.example:443"), if any.
	Target string `json:"target,omitempty"`
}

// String reads like "forward-proxy 10.0.0.2:3128 → backend:443" or "direct 10.0.0.3:443".
func (k HopKey) String() string {
	if k.Target != "" {
		return fmt.Sprintf("%s %s → %s", k.Role, k.Server, k.Target)
	}
	return fmt.Sprintf("%s %s", k.Role, k.Server)
}

// Attempt is one request or connection across one hop, as one input saw it.
type Attempt struct {
	// Key is the same for the same attempt seen in several inputs (a connection in two
	// captures has the same endpoints and initial sequence number); 0 when it cannot be told.
	Key uint64
	Hop HopKey
	// Client is the address the attempt came from.
	Client string
	// Kind is the kind of source that saw it.
	Kind SourceKind
	// Path names the input it was seen in and Packet the packet that shows it best (the
	// failure's, or the first), or for a log its line; Source, when set, names the place
	// instead ("check tls").
	Path   string
	Packet int64
	Source string
	// At is when it started.
	At time.Time
	// Failed tells a failing attempt from one that worked; Phase is where it failed.
	Failed bool
	Phase  Phase
	// Signals are the knowledge signals the attempt shows, from the first phase to the last.
	Signals []string
	// Trouble lists, for an attempt that worked, the signals of trouble it still showed on the
	// way (a SYN answered only when sent again): evidence about its hop although it worked.
	Trouble []string
	// Failure is the signal that shows the failure, the one Detail describes.
	Failure string
	// Detail is a short description of the failure ("" for an attempt that worked).
	Detail   string
	Features Features
	// Upstream is, for a connection a proxy or gateway opened to serve a request, the hop that
	// request came in on: a failure here is part of a failure there.
	Upstream HopKey
	// Wire is what the input saw on the wire, to tell which side of a hop lost segments when
	// the same connection was captured at both ends.
	Wire Wire
}

// Where names where the attempt was seen: "capture.pcap#41", or for a log line "error.log:120".
func (a *Attempt) Where() string {
	if a.Source != "" || a.Path == "" {
		return a.Source
	}
	if a.Kind == FromLog {
		return a.Path + ":" + strconv.FormatInt(a.Packet, 10)
	}
	return a.Path + "#" + strconv.FormatInt(a.Packet, 10)
}

// KeyString writes an attempt key as it appears in evidence ("" for none).
func KeyString(k uint64) string {
	if k == 0 {
		return ""
	}
	return strconv.FormatUint(k, 16)
}

// Features are the facts about an attempt that may tell failing attempts from working ones.
// Empty fields were not seen.
type Features struct {
	// Host is the Host header sent (for a CONNECT: whether it named the target is HostNamesTarget).
	Host            string `json:"host,omitempty"`
	HostNamesTarget bool   `json:"host_names_target,omitempty"`
	// SNI is the server name in the ClientHello; TLSOffered the highest version it offered.
	SNI        string `json:"sni,omitempty"`
	TLSOffered string `json:"tls_offered,omitempty"`
	Method     string `json:"method,omitempty"`
	Path       string `json:"path,omitempty"`
	// BodySize is the request body's declared size in bytes (-1 chunked, 0 none).
	BodySize int64 `json:"body_size,omitempty"`
	// Reused is set when the request went on a connection that had carried one before, after
	// Idle without traffic.
	Reused bool          `json:"reused,omitempty"`
	Idle   time.Duration `json:"idle,omitempty"`
}

// Wire counts what one capture saw of a connection, client to server first.
type Wire struct {
	Input   string
	SYNs    int
	SYNACK  bool
	Bytes   [2]int64 // payload, retransmissions excluded
	Retrans [2]int
}
