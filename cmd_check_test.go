package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hopscope/hopscope/diagnose/probe"
)

func TestCheckFlagParsing(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"4MB", 4 << 20, true}, {"4M", 4 << 20, true}, {"512k", 512 << 10, true}, {"100000", 100000, true},
		{"1.5MiB", 3 << 19, true}, {"", 0, false}, {"-1", 0, false}, {"lots", 0, false}, {"99GB", 0, false},
	}
	for _, tt := range tests {
		got, err := probe.ParseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("probe.ParseSize(%q) = %d, %v", tt.in, got, err)
		}
	}
	for in, want := range map[string]uint16{"1.2": 0x0303, "TLSv1.3": 0x0304, "tls1.0": 0x0301, "": 0} {
		if got, err := probe.ParseTLSVersion(in); err != nil || got != want {
			t.Errorf("probe.ParseTLSVersion(%q) = %x, %v", in, got, err)
		}
	}
	if _, err := probe.ParseTLSVersion("1.4"); err == nil {
		t.Error("1.4 accepted")
	}
	for in, want := range map[string]time.Duration{"3s": 3 * time.Second, "2": 2 * time.Second, "0.5": 500 * time.Millisecond} {
		if got, err := probe.ParseSeconds(in); err != nil || got != want {
			t.Errorf("probe.ParseSeconds(%q) = %s, %v", in, got, err)
		}
	}
}

// runCheck runs `hopscope check args…` and returns stdout and the error.
func runCheck(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(append([]string{"check"}, args...))
	err := root.Execute()
	return out.String(), err
}

func TestCheckBadUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--target", "ftp://x/"},
		{"--target", "https://x:99999/"},
		{"--target", "https://x/", "--proxy", "https://p:1"},
		{"--target", "https://x/", "--tls-min", "1.3", "--tls-max", "1.2"},
		{"--target", "https://x/", "--connect-host", "nocolon"},
		{"--target", "https://x/", "--hop", "router"},
		{"--target", "https://x/", "--proxy", "http://gw:hunter2@p:1", "--body-size", "x"},
	} {
		_, err := runCheck(t, args...)
		if err == nil {
			t.Errorf("%q: no error", args)
			continue
		}
		if msg := oneLine(err); strings.Contains(msg, "hunter2") || strings.Contains(msg, "\n") {
			t.Errorf("%q: error %q", args, msg)
		}
	}
}

// TestCheckJSONRedactsSecrets runs the command against a proxy that refuses with 407 and checks
// the contract's fields and that the password appears nowhere in the output.
func TestCheckJSONRedactsSecrets(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				br := bufio.NewReader(c)
				for {
					l, err := br.ReadString('\n')
					if err != nil || l == "\r\n" {
						break
					}
				}
				_, _ = io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"squid\"\r\nX-Squid-Error: ERR_CACHE_ACCESS_DENIED 0\r\nContent-Length: 0\r\n\r\n")
			}()
		}
	}()
	for _, args := range [][]string{
		{"--json", "--target", "https://backend.test/", "--proxy", "http://" + ln.Addr().String(), "--proxy-user", "gw:hunter2"},
		{"--target", "https://backend.test/", "--proxy", "http://gw:hunter2@" + ln.Addr().String()},
	} {
		out, err := runCheck(t, args...)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out, "hunter2") || strings.Contains(out, "Z3c6aHVudGVyMg") {
			t.Errorf("password shown:\n%s", out)
		}
		if args[0] != "--json" {
			if !strings.Contains(out, "tunnel.proxy-auth") || !strings.Contains(out, "Proxy-Authorization: Basic [redacted]") {
				t.Errorf("text output:\n%s", out)
			}
			continue
		}
		var rep struct {
			Causes   []struct{ ID string }
			Evidence []struct{ Signal, Source string }
			Next     []any
			Inputs   []struct{ Path, Kind string }
			Checks   []any
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if len(rep.Causes) == 0 || rep.Causes[0].ID != "tunnel.proxy-auth" || len(rep.Checks) != 1 || rep.Inputs[0].Kind != "check" {
			t.Errorf("report: %+v", rep)
		}
	}
}

// A check whose every phase works says so: verdict healthy, in JSON and in text.
func TestCheckOfAWorkingBackendIsHealthy(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") }))
	defer srv.Close()
	out, err := runCheck(t, "--json", "--target", srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct{ Verdict string }
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != "healthy" {
		t.Errorf("verdict %q, want healthy:\n%s", rep.Verdict, out)
	}
	out, err = runCheck(t, "--target", srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "no cause is suspected") {
		t.Errorf("text does not say nothing failed:\n%s", out)
	}
	// A refused port is no healthy hop.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	out, err = runCheck(t, "--json", "--target", "http://"+addr+"/")
	if err != nil {
		t.Fatal(err)
	}
	rep.Verdict = ""
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Verdict == "healthy" {
		t.Errorf("a refused connect is called healthy")
	}
}
