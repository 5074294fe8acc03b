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
	return st, true
}
