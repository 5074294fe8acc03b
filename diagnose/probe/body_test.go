package probe

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// plainDial dials addr directly, the way Run's dialer does for a direct http target.
func plainDial(addr string) func(context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
}

func TestUploadOutcomes(t *testing.T) {
	tests := []struct {
		name   string
		handle func(net.Conn)
		size   int64
		want   BodyOutcome
	}{
		{"read to the end and answered", func(c net.Conn) {
			br := bufio.NewReader(c)
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, req.Body)
			_, _ = io.WriteString(c, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
		}, 1 << 20, BodyOK},
		{"stops reading", func(c net.Conn) {
			_, _ = c.Read(make([]byte, 64<<10))
			time.Sleep(3 * time.Second)
		}, 256 << 20, BodyStalled},
		{"closes mid-body", func(c net.Conn) {
			_, _ = io.CopyN(io.Discard, c, 256<<10)
			c.(*net.TCPConn).SetLinger(0)
		}, 64 << 20, BodyReset},
		{"answers early", func(c net.Conn) {
			_, _ = c.Read(make([]byte, 4096))
			_, _ = io.WriteString(c, "HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
			time.Sleep(500 * time.Millisecond)
		}, 256 << 20, BodyAnswered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := serve(t, tt.handle)
			o := &Options{Target: mustURL(t, "http://"+addr+"/upload"), BodySize: tt.size, StallTimeout: 300 * time.Millisecond, HTTPTimeout: 2 * time.Second}
			r := Upload(context.Background(), plainDial(addr), o, nil)
			if r.Outcome != tt.want {
				t.Fatalf("outcome %s (%s), sent %d of %d", r.Outcome, r.Err, r.Sent, r.Size)
			}
			if tt.want != BodyOK && r.Sent >= r.Size {
				t.Errorf("sent the whole body (%d) yet %s", r.Sent, r.Outcome)
			}
		})
	}
}

// TestUploadSeesAShutWindow uploads a body small enough for the socket buffers to a backend that
// never reads: every write succeeds, no answer comes, and the kernel's view (a zero window) is
// what tells the stall.
func TestUploadSeesAShutWindow(t *testing.T) {
	addr := serve(t, func(c net.Conn) {
		_ = c.(*net.TCPConn).SetReadBuffer(4096)
		time.Sleep(3 * time.Second)
	})
	o := &Options{Target: mustURL(t, "http://"+addr+"/"), BodySize: 256 << 10, StallTimeout: 2 * time.Second, HTTPTimeout: 700 * time.Millisecond}
	r := Upload(context.Background(), plainDial(addr), o, nil)
	if r.Outcome != BodyStalled || r.TCP == nil || r.TCP.SendWindow != 0 {
		t.Fatalf("outcome %s (%s), sent %d, tcp %+v", r.Outcome, r.Err, r.Sent, r.TCP)
	}
}

func TestReuseOutcomes(t *testing.T) {
	ok := func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }
	patient := httptest.NewServer(http.HandlerFunc(ok))
	defer patient.Close()
	hasty := httptest.NewUnstartedServer(http.HandlerFunc(ok))
	hasty.Config.IdleTimeout = 50 * time.Millisecond
	hasty.Start()
	defer hasty.Close()
	closer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		ok(w, r)
	}))
	defer closer.Close()
	for _, tt := range []struct {
		name string
		srv  *httptest.Server
		want KeepaliveOutcome
	}{{"kept", patient, ReuseOK}, {"closed while idle", hasty, ReuseFailed}, {"no keep-alive", closer, ReuseNotKept}} {
		t.Run(tt.name, func(t *testing.T) {
			addr := tt.srv.Listener.Addr().String()
			o := &Options{Target: mustURL(t, tt.srv.URL+"/"), KeepaliveIdle: 300 * time.Millisecond, HTTPTimeout: 2 * time.Second}
			r := Reuse(context.Background(), plainDial(addr), o, nil)
			if r.Outcome != tt.want {
				t.Fatalf("outcome %s (%s)", r.Outcome, r.Err)
			}
			if tt.want == ReuseFailed && !r.ClosedWhileIdle {
				t.Error("the server's close during the pause was not seen")
			}
		})
	}
}
