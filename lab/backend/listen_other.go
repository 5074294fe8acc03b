//go:build !linux

package backend

import "net"

// listenBacklog ignores the backlog where the lab does not run (it needs Linux).
func listenBacklog(addr string, _ int) (net.Listener, error) { return net.Listen("tcp", addr) }
