package lab

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// InNetns runs fn on a thread that has entered the named network namespace: sockets fn creates
// on its own goroutine (net.Dialer.DialContext, tls.Dialer) live in that namespace and keep
// working after InNetns returns. Goroutines fn starts do NOT inherit the namespace, so dial
// literal addresses from fn itself. An empty name runs fn directly.
func InNetns(name string, fn func() error) error {
	if name == "" {
		return fn()
	}
	target, err := os.Open(filepath.Join("/run/netns", name))
	if err != nil {
		return fmt.Errorf("lab: namespace %s: %w", name, err)
	}
	defer target.Close()
	runtime.LockOSThread()
	orig, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", syscall.Gettid()))
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("lab: %w", err)
	}
	defer orig.Close()
	if err := setns(target.Fd()); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("lab: enter namespace %s: %w", name, err)
	}
	ferr := fn()
	if err := setns(orig.Fd()); err != nil {
		// The thread stays locked and dies with this goroutine: it must not run other code.
		return fmt.Errorf("lab: leave namespace %s: %w", name, err)
	}
	runtime.UnlockOSThread()
	return ferr
}

func setns(fd uintptr) error {
	return unix.Setns(int(fd), unix.CLONE_NEWNET)
}

// DialContext dials a TCP address from inside a namespace ("" = host).
func DialContext(ctx context.Context, netns, network, addr string) (net.Conn, error) {
	var c net.Conn
	err := InNetns(netns, func() error {
		var d net.Dialer
		var err error
		c, err = d.DialContext(ctx, network, addr)
		return err
	})
	return c, err
}
