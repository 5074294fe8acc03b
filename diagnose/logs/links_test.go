package logs

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readAll reads the named logs of a recorded scenario into one analyzer.
func readAll(t *testing.T, dir string, files map[string]Format) *Analyzer {
	t.Helper()
	a := NewAnalyzer()
	for name, f := range files {
		fh, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.ReadFile(context.Background(), name, fh, f, Options{})
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func TestErrorsTiedToTheirRequests(t *testing.T) {
	tests := []struct {
		dir   string
		errs  Format
		links map[string]string // error line source → access line it must name
	}{
		// Apache logs four body failures in one second and the requests at their start: each
		// error goes to a different request, and AH01097 to the same as the AH01084 before it.
		{"testdata/scenarios/body.backend-closed/apache", ApacheError, map[string]string{
			"error.log:7": "access.log:3", "error.log:8": "access.log:3", "error.log:9": "access.log:6",
		}},
		// nginx names the request on the error line.
		{"testdata/scenarios/request.pattern/nginx", NginxError, map[string]string{
			"error.log:1": "access.log:3", "error.log:2": "access.log:7", "error.log:3": "access.log:11",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			a := readAll(t, tt.dir, map[string]Format{"error.log": tt.errs, "access.log": Access})
			got := map[string]string{}
			for _, ev := range a.Evidence() {
				if i := strings.Index(ev.Detail, "same request as "); i >= 0 {
					got[ev.Source] = strings.Fields(ev.Detail[i+len("same request as "):])[0]
				}
			}
			for src, want := range tt.links {
				if got[src] != want {
					t.Errorf("%s tied to %q, want %q", src, got[src], want)
				}
			}
		})
	}
}

func TestCustomLogFormat(t *testing.T) {
	format := `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent $request_length $request_time "$upstream_addr" "$http_x_apigee_message_id" "$sent_http_x_apigee_fault_code" "$sent_http_x_apigee_fault_source"`
	line := `10.0.0.9 - - [21/Nov/2026:10:00:00 +0000] "POST /v1/orders?x=1 HTTP/1.1" 503 212 1048700 55.012 "10.1.1.1:443" "rrt-7-1" "protocol.http.ProxyTunnelCreationFailed" "target"`
	f, ok := Detect([]byte(line+"\n"), Options{LogFormat: format})
	if !ok || f != CustomAccess {
		t.Fatalf("Detect = %q, %v", f, ok)
	}
	p, err := compileLogFormat(format)
	if err != nil {
		t.Fatal(err)
	}
	var r Record
	r.reset(1, []byte(line))
	if !p.parse([]byte(line), &r) {
		t.Fatal("line not read")
	}
	if r.Status != 503 || string(r.Method) != "POST" || string(r.Path) != "/v1/orders" || r.ReqBytes != 1048700 ||
		r.Duration.Seconds() != 55.012 || string(r.Backend) != "10.1.1.1:443" || string(r.MsgID) != "rrt-7-1" ||
		string(r.FaultCode) != "protocol.http.ProxyTunnelCreationFailed" || string(r.FaultSource) != "target" {
		t.Fatalf("record %+v", r)
	}
	if got := lineSignals(CustomAccess, &r); len(got) != 2 || got[0] != "gateway.fault.tunnel-failed" {
		t.Fatalf("signals %v", got)
	}
	for _, bad := range []string{`$remote_addr $status$body_bytes_sent`, `$remote_addr [$time_local]`, `$ $status`} {
		if _, err := compileLogFormat(bad); err == nil {
			t.Errorf("log_format %q accepted", bad)
		}
	}
}
