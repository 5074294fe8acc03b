//go:build !linux

package probe

import "net"

// tcpState is only implemented on Linux, where TCP_INFO tells acknowledged from unacknowledged
// data.
func tcpState(net.Conn) (TCPState, bool) { return TCPState{}, false }

func rawTCP(net.Conn) net.Conn { return nil }
