//go:build !linux

package lab

import (
	"context"
	"errors"
	"net"
)

var errLinuxOnly = errors.New("lab: network namespaces need Linux")

// InNetns runs fn directly for the host; namespaces need Linux.
func InNetns(name string, fn func() error) error {
	if name != "" {
		return errLinuxOnly
	}
	return fn()
}

// DialContext dials a TCP address; namespaces need Linux.
func DialContext(ctx context.Context, netns, network, addr string) (net.Conn, error) {
	if netns != "" {
		return nil, errLinuxOnly
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}
