package probe

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hopscope/hopscope/internal/testenv"
)

// startNginx runs nginx in the foreground on a free loopback port with the given directives in
// its server block, and returns its address.
func startNginx(t *testing.T, server string) string {
	t.Helper()
	testenv.RequireCommand(t, "nginx")
	nginx, _ := testenv.LookPath("nginx")
	dir := t.TempDir()
	_ = os.Chmod(dir, 0o755)
	addr := closedPortTB(t)
	conf := fmt.Sprintf(`daemon off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  server {
    listen %[2]s;
    %[3]s
    location / { return 200 "ok\n"; }
  }
}
`, dir, addr, server)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nginx, "-c", path, "-p", dir, "-e", filepath.Join(dir, "error.log"))
	// nginx's workers outlive a killed master: run it in a process group of its own and stop the
	// whole group, asking first so that the master takes its workers down.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pgid := cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	})
	for i := 0; i < 100; i++ {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return addr
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
	t.Fatalf("nginx did not listen on %s:\n%s", addr, log)
	return ""
}

// TestKeepaliveAgainstNginx reuses an idle connection to a real nginx, whose keepalive_timeout
// closes it after one second: a pause under it reuses the connection, a pause past it fails as a
// reverse proxy's reuse would.
func TestKeepaliveAgainstNginx(t *testing.T) {
	addr := startNginx(t, "keepalive_timeout 1s;")
	for _, tt := range []struct {
		idle time.Duration
		want KeepaliveOutcome
	}{{200 * time.Millisecond, ReuseOK}, {1800 * time.Millisecond, ReuseFailed}} {
		o := &Options{Target: mustURL(t, "http://"+addr+"/"), KeepaliveIdle: tt.idle}
		r, err := Run(context.Background(), o, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Keepalive == nil || r.Keepalive.Outcome != tt.want {
			t.Fatalf("idle %s: %+v", tt.idle, r.Keepalive)
		}
		if tt.want == ReuseFailed && !r.Keepalive.ClosedWhileIdle {
			t.Errorf("idle %s: nginx's close during the pause was not seen", tt.idle)
		}
	}
}
