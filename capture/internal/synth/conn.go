package synth

import (
	"net/netip"
	"time"
)

// Conn builds one TCP connection's packets with consistent sequence numbers. Methods take the
// time of the packet as an offset from the connection's start.
type Conn struct {
	w              *Writer
	start          time.Time
	Client, Server netip.AddrPort
	cseq, sseq     uint32 // next sequence number each side sends
	Err            error
}

// NewConn starts a connection between client and server at time start.
func (w *Writer) NewConn(start time.Time, client, server netip.AddrPort) *Conn {
	return &Conn{w: w, start: start, Client: client, Server: server, cseq: 1000, sseq: 5000}
}

func (c *Conn) seg(at time.Duration, fromClient bool, flags uint8, win uint16, payload []byte, advance bool) {
	if c.Err != nil {
		return
	}
	src, dst, seq, ack := c.Client, c.Server, c.cseq, c.sseq
	if !fromClient {
		src, dst, seq, ack = c.Server, c.Client, c.sseq, c.cseq
	}
	if flags&SYN != 0 && flags&ACK == 0 {
		ack = 0
	}
	c.Err = c.w.Segment(c.start.Add(at), src, dst, seq, ack, flags, win, payload)
	if !advance {
		return
	}
	n := uint32(len(payload))
	if flags&(SYN|FIN) != 0 {
		n++
	}
	if fromClient {
		c.cseq += n
	} else {
		c.sseq += n
	}
}

// SYN sends the client's SYN; again resends it (same sequence number).
func (c *Conn) SYN(at time.Duration, again bool) {
	if again {
		c.cseq--
	}
	c.seg(at, true, SYN, 65535, nil, true)
}

// SYNACK sends the server's answer.
func (c *Conn) SYNACK(at time.Duration) { c.seg(at, false, SYN|ACK, 65535, nil, true) }

// Handshake sends SYN, SYN-ACK and ACK, rtt apart.
func (c *Conn) Handshake(at, rtt time.Duration) {
	c.SYN(at, false)
	c.SYNACK(at + rtt)
	c.ACK(at+rtt+rtt/10, true)
}

// ACK sends a bare ACK from the client (fromClient) or the server.
func (c *Conn) ACK(at time.Duration, fromClient bool) { c.seg(at, fromClient, ACK, 65535, nil, false) }

// Window sends a bare ACK advertising win.
func (c *Conn) Window(at time.Duration, fromClient bool, win uint16) {
	c.seg(at, fromClient, ACK, win, nil, false)
}

// Data sends payload.
func (c *Conn) Data(at time.Duration, fromClient bool, payload []byte) {
	c.seg(at, fromClient, PSH|ACK, 65535, payload, true)
}

// Resend sends payload again at the sequence number it was first sent with (it must be the
// latest data sent from that side).
func (c *Conn) Resend(at time.Duration, fromClient bool, payload []byte) {
	if fromClient {
		c.cseq -= uint32(len(payload))
	} else {
		c.sseq -= uint32(len(payload))
	}
	c.seg(at, fromClient, PSH|ACK, 65535, payload, true)
}

// FIN closes one side.
func (c *Conn) FIN(at time.Duration, fromClient bool) {
	c.seg(at, fromClient, FIN|ACK, 65535, nil, true)
}

// RST resets the connection from one side. A server's RST to a SYN carries ACK.
func (c *Conn) RST(at time.Duration, fromClient bool) {
	c.seg(at, fromClient, RST|ACK, 0, nil, false)
}
