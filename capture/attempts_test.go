package capture

import (
	"bytes"
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/hopscope/hopscope/capture/internal/synth"
	"github.com/hopscope/hopscope/diagnose"
)

// analyzeAttempts reads a capture and returns its findings and the attempts it reported.
func analyzeAttempts(t *testing.T, b []byte) ([]diagnose.Evidence, []diagnose.Attempt) {
	t.Helper()
	var evs []diagnose.Evidence
	var atts []diagnose.Attempt
	_, err := Analyze(context.Background(), bytes.NewReader(b), Options{Name: "x.pcap", Trace: &Trace{
		Evidence: func(ev diagnose.Evidence) { evs = append(evs, ev) },
		Attempt:  func(a diagnose.Attempt) { a.Signals = slices.Clone(a.Signals); atts = append(atts, a) },
	}})
	if err != nil {
		t.Fatal(err)
	}
	return evs, atts
}

// A refused CONNECT whose Host names the proxy beside an accepted one naming the target: two
// attempts on one hop, one failed in the CONNECT phase, each with its Host header.
func TestConnectAttempts(t *testing.T) {
	var buf bytes.Buffer
	w, _ := synth.NewWriter(&buf, layers.LinkTypeEthernet, false)
	proxy := netip.MustParseAddrPort("127.0.0.1:8118")
	for i, c := range []struct{ host, answer string }{
		{"backend.example:443", "HTTP/1.1 200 Connection established\r\n\r\n"},
		{"127.0.0.1:8118", "HTTP/1.1 403 Request blocked by Privoxy\r\nContent-Length: 0\r\n\r\n"},
	} {
		conn := w.NewConn(t0.Add(time.Duration(i)*100*ms), netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(41000+i)), proxy)
		conn.Handshake(0, ms)
		conn.Data(2*ms, true, []byte("CONNECT backend.example:443 HTTP/1.1\r\nHost: "+c.host+"\r\n\r\n"))
		conn.Data(5*ms, false, []byte(c.answer))
		conn.FIN(6*ms, false)
		conn.FIN(7*ms, true)
	}
	evs, atts := analyzeAttempts(t, buf.Bytes())
	if len(atts) != 2 {
		t.Fatalf("%d attempts, want 2: %+v", len(atts), atts)
	}
	hop := diagnose.HopKey{Role: diagnose.HopForwardProxy, Server: "127.0.0.1:8118", Target: "backend.example:443"}
	ok, refused := atts[0], atts[1]
	if ok.Hop != hop || refused.Hop != hop {
		t.Errorf("hops %v and %v, want both %v", ok.Hop, refused.Hop, hop)
	}
	if ok.Failed || !ok.Features.HostNamesTarget || !slices.Contains(ok.Signals, "proxy.connect.status.200") {
		t.Errorf("accepted CONNECT: %+v", ok)
	}
	if !refused.Failed || refused.Phase != diagnose.PhaseConnect || refused.Features.HostNamesTarget || refused.Features.Host != "127.0.0.1:8118" {
		t.Errorf("refused CONNECT: %+v", refused)
	}
	if refused.Key == 0 || refused.Key == ok.Key {
		t.Errorf("attempt keys %x and %x, want two different ones", ok.Key, refused.Key)
	}
	for _, ev := range evs {
		if ev.Signal == "proxy.connect.status.403" && (ev.Hop != hop.String() || ev.Attempt != diagnose.KeyString(refused.Key)) {
			t.Errorf("the 403 names hop %q attempt %q, want %q %x", ev.Hop, ev.Attempt, hop, refused.Key)
		}
	}
}

// What other protocols send must not be read as a TLS handshake: a Modbus/TCP request numbered
// 0x1603 starts with the bytes of a handshake record header.
func TestNotAClientHello(t *testing.T) {
	modbus := []byte{0x16, 0x03, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x0a}
	modbus[5] = hsClientHello // unit id 1 where the handshake type goes
	if isClientHello(modbus) {
		t.Error("a Modbus request was taken for a ClientHello")
	}
	if !isClientHello(synth.ClientHello("backend.example")) {
		t.Error("a real ClientHello was not recognised")
	}
	var buf bytes.Buffer
	w, _ := synth.NewWriter(&buf, layers.LinkTypeEthernet, false)
	conn := w.NewConn(t0, netip.MustParseAddrPort("10.0.0.1:40000"), netip.MustParseAddrPort("10.0.0.2:502"))
	conn.Handshake(0, ms)
	conn.Data(2*ms, true, modbus)
	conn.Data(3*ms, false, []byte{0x16, 0x03, 0x00, 0x00, 0x00, 0x17, 0x01, 0x03, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	conn.FIN(4*ms, true)
	conn.FIN(5*ms, false)
	evs, atts := analyzeAttempts(t, buf.Bytes())
	for _, ev := range evs {
		if ev.Signal[:4] == "tls." {
			t.Errorf("Modbus read as TLS: %s %s", ev.Signal, ev.Detail)
		}
	}
	if len(atts) != 1 || atts[0].Failed {
		t.Errorf("attempts %+v, want one that worked", atts)
	}
}

// A warning-level alert before the ServerHello (unrecognized_name) does not end the handshake.
func TestWarningAlertIsNoFailure(t *testing.T) {
	var buf bytes.Buffer
	w, _ := synth.NewWriter(&buf, layers.LinkTypeEthernet, false)
	conn := w.NewConn(t0, netip.MustParseAddrPort("10.0.0.1:40000"), netip.MustParseAddrPort("10.0.0.2:443"))
	conn.Handshake(0, ms)
	conn.Data(2*ms, true, synth.ClientHello("wrong.example"))
	conn.Data(3*ms, false, append([]byte{21, 3, 3, 0, 2, alertWarning, 112}, synth.ServerHello()...))
	conn.Data(4*ms, true, []byte{23, 3, 3, 0, 1, 0})
	conn.Data(5*ms, false, []byte{23, 3, 3, 0, 1, 0})
	conn.FIN(6*ms, true)
	conn.FIN(7*ms, false)
	evs, atts := analyzeAttempts(t, buf.Bytes())
	got := signals(evs)
	if slices.Contains(got, "tls.alert.received") || !slices.Contains(got, "tls.serverhello.seen") {
		t.Errorf("findings %v, want a ServerHello and no alert", got)
	}
	if len(atts) != 1 || atts[0].Failed || atts[0].Features.SNI != "wrong.example" {
		t.Errorf("attempts %+v, want one that worked, asking for wrong.example", atts)
	}
}

// A ClientHello answered with HTTP whose FIN overtook its data is read as what it is: a plain
// HTTP server's answer, not a server that went silent.
func TestTLSToPlainHTTPWithFINFirst(t *testing.T) {
	var buf bytes.Buffer
	w, _ := synth.NewWriter(&buf, layers.LinkTypeEthernet, false)
	client, server := netip.MustParseAddrPort("10.0.0.1:40000"), netip.MustParseAddrPort("10.0.0.2:80")
	conn := w.NewConn(t0, client, server)
	conn.Handshake(0, ms)
	hello := synth.ClientHello("site.example")
	conn.Data(2*ms, true, hello)
	answer := []byte("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
	// The server's FIN, numbered after its answer, arrives before the answer (synth numbers the
	// server's bytes from 5001 and the client's from 1001 after the handshake).
	w.Segment(t0.Add(3*ms), server, client, 5001+uint32(len(answer)), 1001+uint32(len(hello)), synth.FIN|synth.ACK, 65535, nil)
	conn.Data(4*ms, false, answer)
	conn.FIN(5*ms, true)
	evs, atts := analyzeAttempts(t, buf.Bytes())
	got := signals(evs)
	if !slices.Contains(got, "tls.answered.plain-http") || slices.Contains(got, "tls.clienthello.acked") {
		t.Errorf("findings %v, want tls.answered.plain-http and no silent server", got)
	}
	if len(atts) != 1 || !atts[0].Failed || atts[0].Phase != diagnose.PhaseTLS {
		t.Errorf("attempts %+v, want one failed in the TLS phase", atts)
	}
}
