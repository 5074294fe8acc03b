package sshpolicy

import (
	"fmt"
	"sync"
)

// Limits bound the sessions open at once. Each session costs a screen's memory (a few MB), so
// a server for a team is kept well under its memory by a total, one key cannot take every
// session, and one TCP connection cannot multiplex more than a few.
type Limits struct {
	// Total is the most sessions open on the server.
	Total int
	// PerKey is the most sessions open with one key.
	PerKey int
	// PerConn is the most sessions open on one TCP connection.
	PerConn int
}

// Refusal says why a session was not opened: Client is for the one refused, Log for the operator.
type Refusal struct {
	Client, Log string
}

func (r *Refusal) Error() string { return r.Log }

// Slots counts the open sessions against the limits. The zero value is not usable: use NewSlots.
type Slots struct {
	lim    Limits
	mu     sync.Mutex
	total  int
	byKey  map[string]int
	byConn map[any]int
}

// NewSlots returns counters for lim.
func NewSlots(lim Limits) *Slots {
	return &Slots{lim: lim, byKey: map[string]int{}, byConn: map[any]int{}}
}

// Acquire takes a slot for a session of key (its fingerprint) on conn (any comparable value
// standing for the TCP connection), or says which limit refuses it. release gives it back; it
// may be called once.
func (s *Slots) Acquire(key string, conn any) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.total >= s.lim.Total:
		return nil, &Refusal{
			Client: fmt.Sprintf("hopscope: the server has %s open, the most it takes; try again later", sessions(s.total)),
			Log:    fmt.Sprintf("%s open on the server (--max-sessions %d)", sessions(s.total), s.lim.Total)}
	case s.byKey[key] >= s.lim.PerKey:
		return nil, &Refusal{
			Client: fmt.Sprintf("hopscope: this key has %s open, the most one key may have; close one first", sessions(s.byKey[key])),
			Log:    fmt.Sprintf("%s open with this key (--max-sessions-per-key %d)", sessions(s.byKey[key]), s.lim.PerKey)}
	case s.byConn[conn] >= s.lim.PerConn:
		return nil, &Refusal{
			Client: fmt.Sprintf("hopscope: this connection has %s open, the most one connection may have", sessions(s.byConn[conn])),
			Log:    fmt.Sprintf("%s open on this connection (at most %d)", sessions(s.byConn[conn]), s.lim.PerConn)}
	}
	s.total++
	s.byKey[key]++
	s.byConn[conn]++
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.total--
			if s.byKey[key]--; s.byKey[key] == 0 {
				delete(s.byKey, key)
			}
			if s.byConn[conn]--; s.byConn[conn] == 0 {
				delete(s.byConn, conn)
			}
		})
	}, nil
}

func sessions(n int) string {
	if n == 1 {
		return "1 session"
	}
	return fmt.Sprintf("%d sessions", n)
}

// Open returns the number of sessions open.
func (s *Slots) Open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}
