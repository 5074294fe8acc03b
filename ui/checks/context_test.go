package checks

import (
	"context"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/hopscope/hopscope/diagnose/probe"
	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui/common"
)

// silentListener accepts connections and never answers; each accepted one is handed over.
func silentListener(t *testing.T) (string, <-chan net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan net.Conn, 8)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
			got <- c
		}
	}()
	return ln.Addr().String(), got
}

// closedWithin reports whether the peer closed c within d (a read ends without data).
func closedWithin(c net.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				return false
			}
			return true
		}
	}
}

// TestRunEndsWithItsContext: the pane's checks end when the context it was given is done (a
// served session ending), even when nothing reads their events any more: the connection to a
// backend that never answers is closed at once, not at the request's deadline.
func TestRunEndsWithItsContext(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	addr, accepted := silentListener(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := New(kb, common.DefaultStyles(), common.DefaultKeyMap(), WithContext(ctx))
	o := &probe.Options{Target: &url.URL{Scheme: "http", Host: addr, Path: "/"}, HTTPTimeout: 30 * time.Second}
	r := startRun(m.ctx, kb, 1, o, order(o), nil)
	var c net.Conn
	select {
	case c = <-accepted:
	case <-time.After(5 * time.Second):
		t.Fatal("the check never connected")
	}
	cancel()
	if !closedWithin(c, 2*time.Second) {
		t.Error("the check kept its connection open after its context ended")
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		if _, _, done := r.snapshot(); done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the run did not end with its context")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The run closes its events when it ends: its goroutine is gone.
	closed := time.After(2 * time.Second)
	for {
		select {
		case _, ok := <-r.events:
			if !ok {
				return
			}
		case <-closed:
			t.Fatal("the run's events were never closed")
		}
	}
}
