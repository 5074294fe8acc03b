package backend

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a log sink safe for the server's goroutines and the test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs a backend on a free loopback port until the test ends.
func start(t *testing.T, c Config) (string, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	c.Listen = "127.0.0.1:0"
	c.Log = logs
	srv, err := Listen(c)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return after cancel")
		}
	})
	return srv.Addr().String(), logs
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip sends one request on c and reads the answer, if any.
func roundTrip(c net.Conn, br *bufio.Reader, method, path string, body int) (*http.Response, error) {
	head := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: lab\r\nContent-Length: %d\r\n\r\n", method, path, body)
	if _, err := io.WriteString(c, head); err != nil {
		return nil, err
	}
	if body > 0 {
		if _, err := io.CopyN(c, zeros{}, int64(body)); err != nil {
			return nil, err
		}
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp, err
}

// zeros is an endless body.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestOKKeepsConnectionsAlive(t *testing.T) {
	addr, logs := start(t, Config{Mode: ModeOK})
	c := dial(t, addr)
	br := bufio.NewReader(c)
	for i, body := range []int{0, 300000, 10} {
		resp, err := roundTrip(c, br, "POST", fmt.Sprintf("/r%d", i), body)
		if err != nil {
			t.Fatalf("request %d on one connection: %v", i, err)
		}
		if resp.StatusCode != 200 {
			t.Fatalf("request %d: status %d", i, resp.StatusCode)
		}
	}
	if !strings.Contains(logs.String(), "POST /r1 body=300000 status=200") {
		t.Errorf("log lacks the body size:\n%s", logs)
	}
}

func TestBodyFailures(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		logWant string
	}{
		{"close", Config{Mode: ModeCloseBody, BodyAfter: 4096}, "closed after 4096 of 8388608 body bytes"},
		{"reset", Config{Mode: ModeCloseBody, BodyAfter: 4096, Reset: true}, "reset after 4096 of 8388608 body bytes"},
		{"stall", Config{Mode: ModeStallBody, BodyAfter: 4096, Hold: 3 * time.Second}, "stopped reading after 4096 of 8388608 body bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, logs := start(t, tt.cfg)
			c := dial(t, addr)
			// 8 MiB is more than loopback socket buffers absorb, so a failing backend shows.
			c.SetDeadline(time.Now().Add(1500 * time.Millisecond))
			resp, err := roundTrip(c, bufio.NewReader(c), "POST", "/upload", 8<<20)
			if err == nil {
				t.Fatalf("upload answered %d; want a failed upload", resp.StatusCode)
			}
			var ne net.Error
			timedOut := errors.As(err, &ne) && ne.Timeout()
			if tt.name == "stall" != timedOut {
				t.Errorf("upload error %v: timeout=%v, want timeout only for a stall", err, timedOut)
			}
			if !strings.Contains(logs.String(), tt.logWant) {
				t.Errorf("log lacks %q:\n%s", tt.logWant, logs)
			}
		})
	}
}

func TestBodyFailureModesAnswerRequestsWithoutBody(t *testing.T) {
	addr, _ := start(t, Config{Mode: ModeCloseBody})
	c := dial(t, addr)
	resp, err := roundTrip(c, bufio.NewReader(c), "GET", "/", 0)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET without body: %v %v", resp, err)
	}
}

func TestIdleCloseRacesLateReuse(t *testing.T) {
	addr, logs := start(t, Config{Mode: ModeIdleClose, Idle: 300 * time.Millisecond, Hold: 5 * time.Second})
	c := dial(t, addr)
	br := bufio.NewReader(c)
	if _, err := roundTrip(c, br, "GET", "/first", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := roundTrip(c, br, "GET", "/quick", 0); err != nil {
		t.Fatalf("reuse within the idle timeout failed: %v", err)
	}
	time.Sleep(400 * time.Millisecond)
	if resp, err := roundTrip(c, br, "GET", "/late", 0); err == nil {
		t.Fatalf("late reuse answered %d; want the connection closed", resp.StatusCode)
	}
	if !strings.Contains(logs.String(), "GET /late closed unanswered: request arrived after") {
		t.Errorf("log lacks the late request:\n%s", logs)
	}
	// A fresh connection after the same pause is fine: only reuse loses the race.
	c2 := dial(t, addr)
	if _, err := roundTrip(c2, bufio.NewReader(c2), "GET", "/fresh", 0); err != nil {
		t.Errorf("fresh connection failed: %v", err)
	}
}

func TestFailPath(t *testing.T) {
	for _, action := range []string{"hang", "close"} {
		t.Run(action, func(t *testing.T) {
			addr, logs := start(t, Config{Mode: ModeFailPath, FailPath: "/export", FailAction: action, Hold: 2 * time.Second})
			c := dial(t, addr)
			br := bufio.NewReader(c)
			if resp, err := roundTrip(c, br, "GET", "/orders/1", 0); err != nil || resp.StatusCode != 200 {
				t.Fatalf("other path: %v %v", resp, err)
			}
			c.SetDeadline(time.Now().Add(500 * time.Millisecond))
			resp, err := roundTrip(c, br, "GET", "/export/all", 0)
			if err == nil {
				t.Fatalf("failing path answered %d", resp.StatusCode)
			}
			var ne net.Error
			if timedOut := errors.As(err, &ne) && ne.Timeout(); timedOut != (action == "hang") {
				t.Errorf("error %v: timeout=%v for action %s", err, timedOut, action)
			}
			if action == "close" && !strings.Contains(logs.String(), "GET /export/all body=0 closed unanswered") {
				t.Errorf("log lacks the closed request:\n%s", logs)
			}
		})
	}
}

func TestOverloadedDropsPartOfABurst(t *testing.T) {
	addr, _ := start(t, Config{Mode: ModeOverloaded, Backlog: 1, AcceptDelay: 200 * time.Millisecond, Work: 100 * time.Millisecond})
	const burst = 12
	var mu sync.Mutex
	ok, failed := 0, 0
	var wg sync.WaitGroup
	for i := 0; i < burst; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := func() error {
				c, err := net.DialTimeout("tcp", addr, 700*time.Millisecond)
				if err != nil {
					return err
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(700 * time.Millisecond))
				_, err = roundTrip(c, bufio.NewReader(c), "GET", "/", 0)
				return err
			}()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed++
			} else {
				ok++
			}
		}()
	}
	wg.Wait()
	if ok == 0 || failed == 0 {
		t.Errorf("burst of %d: %d answered, %d failed; want some of each", burst, ok, failed)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown mode", []string{"--mode", "flaky", "--listen", "127.0.0.1:0"}, `unknown backend mode "flaky"`},
		{"no address", []string{"--mode", "ok"}, "needs an address"},
		{"fail path", []string{"--mode", "fail-path", "--listen", "127.0.0.1:0"}, "needs a path"},
		{"fail action", []string{"--mode", "fail-path", "--fail-path", "/x", "--fail-action", "explode", "--listen", "127.0.0.1:0"}, "unknown fail action"},
		{"extra argument", []string{"--listen", "127.0.0.1:0", "now"}, "unexpected argument"},
		{"bad address", []string{"--listen", "nowhere"}, "listen on nowhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Main(tt.args, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Main(%q) = %v; want %q", tt.args, err, tt.want)
			}
		})
	}
}
