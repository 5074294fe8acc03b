package probe

import (
	"net"

	"golang.org/x/sys/unix"
)

// tcpState reads the kernel's view of a TCP connection: whether everything sent was
// acknowledged, and how often segments were retransmitted. It answers the playbook's capture
// question (was the ClientHello acknowledged?) without a capture. ok is false when the
// connection is not a TCP socket or the kernel would not say.
func tcpState(c net.Conn) (st TCPState, ok bool) {
	tc, isTCP := c.(*net.TCPConn)
	if !isTCP {
		return st, false
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return st, false
	}
	var info *unix.TCPInfo
	cerr := raw.Control(func(fd uintptr) {
		info, err = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	})
	if cerr != nil || err != nil || info == nil {
		return st, false
	}
	st.Unacked = int(info.Unacked)
	st.Retransmits = int(info.Total_retrans)
	st.BytesAcked = int64(info.Bytes_acked)
	st.BytesSent = int64(info.Bytes_sent)
	st.RTT = int64(info.Rtt)
	st.SendWindow = int64(info.Snd_wnd)
	st.NotSent = int64(info.Notsent_bytes)
	return st, true
}

// rawTCP returns the TCP connection beneath c (a TLS connection's own), or nil when c is not
// directly over TCP to the backend (a tunnel through a proxy, for one).
func rawTCP(c net.Conn) net.Conn {
	if tc, ok := c.(interface{ NetConn() net.Conn }); ok {
		c = tc.NetConn()
	}
	if _, ok := c.(*net.TCPConn); ok {
		return c
	}
	return nil
}
