package backend

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// maxRequestsPerConn bounds how many requests one keep-alive connection may carry.
const maxRequestsPerConn = 1000

// serveConn reads requests from c and answers each the way the mode says until one of them ends
// the connection, the peer goes away, or the connection idles out.
func (s *Server) serveConn(ctx context.Context, c net.Conn) {
	s.track(c, true)
	defer func() {
		s.track(c, false)
		c.Close()
	}()
	br := bufio.NewReader(c)
	peer := c.RemoteAddr().String()
	last := time.Now()
	for served := 0; served < maxRequestsPerConn; served++ {
		wait := s.cfg.Idle
		if s.cfg.Mode == ModeIdleClose {
			// The connection stays open past the idle timeout so that a late request races
			// the timer; Hold still bounds how long it may sit unused.
			wait = s.cfg.Hold
		}
		c.SetReadDeadline(time.Now().Add(wait))
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		c.SetReadDeadline(time.Time{})
		if idle := time.Since(last); s.cfg.Mode == ModeIdleClose && served > 0 && idle >= s.cfg.Idle {
			s.log.printf("%s %s %s closed unanswered: request arrived after %s idle (timeout %s)",
				peer, req.Method, req.URL.RequestURI(), idle.Round(time.Millisecond), s.cfg.Idle)
			return
		}
		if !s.handle(ctx, c, req, peer) {
			return
		}
		last = time.Now()
	}
}

// handle answers one request and reports whether the connection may carry another.
func (s *Server) handle(ctx context.Context, c net.Conn, req *http.Request, peer string) bool {
	uri := req.URL.RequestURI()
	switch {
	case s.cfg.Mode == ModeCloseBody && hasBody(req):
		n, _ := s.readBody(c, req, s.cfg.BodyAfter)
		how := "closed"
		if s.cfg.Reset {
			how = "reset"
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetLinger(0) // close sends RST instead of FIN
			}
		}
		s.log.printf("%s %s %s %s after %d of %s body bytes", peer, req.Method, uri, how, n, bodySize(req))
		return false
	case s.cfg.Mode == ModeStallBody && hasBody(req):
		n, _ := s.readBody(c, req, s.cfg.BodyAfter)
		s.log.printf("%s %s %s stopped reading after %d of %s body bytes", peer, req.Method, uri, n, bodySize(req))
		start := time.Now()
		sleepCtx(ctx, s.cfg.Hold)
		s.log.printf("%s %s %s gave up the stalled connection after %s", peer, req.Method, uri, time.Since(start).Round(time.Millisecond))
		return false
	case s.cfg.Mode == ModeFailPath && strings.HasPrefix(req.URL.Path, s.cfg.FailPath):
		n, _ := s.readBody(c, req, -1)
		if s.cfg.FailAction == "close" {
			s.log.printf("%s %s %s body=%d closed unanswered", peer, req.Method, uri, n)
			return false
		}
		start := time.Now()
		sleepCtx(ctx, s.cfg.Hold)
		s.log.printf("%s %s %s body=%d hung unanswered for %s", peer, req.Method, uri, n, time.Since(start).Round(time.Millisecond))
		return false
	}
	n, err := s.readBody(c, req, -1)
	if err != nil {
		s.log.printf("%s %s %s body read failed after %d bytes: %v", peer, req.Method, uri, n, err)
		return false
	}
	if s.cfg.Work > 0 && !sleepCtx(ctx, s.cfg.Work) {
		return false
	}
	keep := !req.Close && s.cfg.Mode != ModeOverloaded
	body := fmt.Sprintf("ok %s %s body=%d\n", req.Method, uri, n)
	if err := s.respond(c, req, 200, body, keep); err != nil {
		s.log.printf("%s %s %s body=%d answer failed: %v", peer, req.Method, uri, n, err)
		return false
	}
	s.log.printf("%s %s %s body=%d status=200", peer, req.Method, uri, n)
	return keep
}

// hasBody reports whether the request announces a body.
func hasBody(req *http.Request) bool {
	return req.ContentLength > 0 || (req.ContentLength < 0 && len(req.TransferEncoding) > 0)
}

// bodySize is the announced body size as the log shows it.
func bodySize(req *http.Request) string {
	if req.ContentLength < 0 {
		return "chunked"
	}
	return fmt.Sprint(req.ContentLength)
}

// readBody reads up to limit bytes of the body (all of it when limit < 0), first answering an
// Expect: 100-continue the way a server that wants the body does.
func (s *Server) readBody(c net.Conn, req *http.Request, limit int64) (int64, error) {
	if !hasBody(req) {
		return 0, nil
	}
	c.SetDeadline(time.Now().Add(s.cfg.Hold))
	defer c.SetDeadline(time.Time{})
	if strings.EqualFold(req.Header.Get("Expect"), "100-continue") {
		if _, err := io.WriteString(c, "HTTP/1.1 100 Continue\r\n\r\n"); err != nil {
			return 0, err
		}
	}
	if limit < 0 {
		return io.Copy(io.Discard, req.Body)
	}
	return io.CopyN(io.Discard, req.Body, limit)
}

// respond writes a complete text/plain answer.
func (s *Server) respond(c net.Conn, req *http.Request, status int, body string, keep bool) error {
	c.SetWriteDeadline(time.Now().Add(s.cfg.Hold))
	defer c.SetWriteDeadline(time.Time{})
	conn := "keep-alive"
	if !keep {
		conn = "close"
	}
	size := len(body)
	if req.Method == http.MethodHead {
		body = ""
	}
	_, err := fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nServer: hopscope-lab-backend\r\nContent-Type: text/plain\r\n"+
		"Content-Length: %d\r\nConnection: %s\r\n\r\n%s", status, http.StatusText(status), size, conn, body)
	return err
}
