package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// proxyPort is where the reverse proxy listens inside a scenario's namespace, on 127.0.0.1 and
// on [::1]; each address proxies to the backend on the same address family.
const proxyPort = 8080

// Programs of the reverse-proxy scenarios.
var (
	progApache = Program{Name: "apache2", Apt: "apache2"}
	progNginx  = Program{Name: "nginx", Apt: "nginx"}
)

// apacheConfig holds what differs between the Apache httpd scenarios.
type apacheConfig struct {
	// Params are the ProxyPass worker parameters, e.g. "connectiontimeout=2 timeout=3".
	Params string
	// Extra holds directives for each virtual host, e.g. "SetEnv proxy-nokeepalive 1".
	Extra string
	// Backends are the backend's IPv4 and IPv6 addresses; zero means the loopback ones.
	Backends [2]string
	// OneChild runs a single child process, so that every request draws on one pool of
	// backend connections (the keep-alive race then shows on every late reuse).
	OneChild bool
}

// apacheModules are the modules the lab's httpd loads, from Debian's module directory.
var apacheModules = []string{"mpm_event", "authz_core", "env", "proxy", "proxy_http"}

// startApache writes config/apache2.conf and runs `apache2 -f CONF -D FOREGROUND` in netns.
// Logs go to log/apache-error.log and log/apache-access.log (combined format).
func (l *Lab) startApache(ctx context.Context, netns string, c apacheConfig) error {
	runDir := filepath.Join(l.Dir, "run")
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	text := apacheConf(l.Scenario.Name, runDir, l.LogPath("apache-error.log"), l.LogPath("apache-access.log"), c)
	conf, err := l.Config("apache2.conf", text)
	if err != nil {
		return err
	}
	_, err = l.Spawn(ctx, Daemon{Name: "apache2", Argv: []string{"apache2", "-f", conf, "-D", "FOREGROUND"},
		Netns: netns, Ready: hostPort("127.0.0.1", proxyPort)})
	return err
}

// apacheConf is the text of apache2.conf: one virtual host per loopback address, each proxying
// to the backend on the same address family.
func apacheConf(scenario, runDir, errorLog, accessLog string, c apacheConfig) string {
	var b strings.Builder
	fmt.Fprintf(&b, `# Apache httpd as the reverse proxy of lab scenario %s.
ServerRoot /etc/apache2
ServerName proxy.lab.test
DefaultRuntimeDir %[2]s
PidFile %[2]s/apache2.pid
User www-data
Group www-data
`, scenario, runDir)
	for _, m := range apacheModules {
		fmt.Fprintf(&b, "LoadModule %s_module /usr/lib/apache2/modules/mod_%s.so\n", m, m)
	}
	if c.OneChild {
		b.WriteString("StartServers 1\nServerLimit 1\nThreadsPerChild 16\nMaxRequestWorkers 16\nMinSpareThreads 1\nMaxSpareThreads 16\n")
	}
	fmt.Fprintf(&b, `ErrorLog %s
LogLevel warn
LogFormat "%%h %%l %%u %%t \"%%r\" %%>s %%b \"%%{Referer}i\" \"%%{User-Agent}i\"" combined
CustomLog %s combined
# Short timeouts keep a lab run brief; the failures are the same with production values.
Timeout 10
`, errorLog, accessLog)
	backs := c.Backends
	if backs[0] == "" {
		backs = loopbackHosts
	}
	for i, host := range loopbackHosts {
		front, back := hostPort(host, proxyPort), hostPort(backs[i], revBackendPort)
		fmt.Fprintf(&b, "\nListen %s\n<VirtualHost %s>\n    ServerName proxy.lab.test\n", front, front)
		if c.Extra != "" {
			fmt.Fprintf(&b, "    %s\n", strings.ReplaceAll(strings.TrimSpace(c.Extra), "\n", "\n    "))
		}
		fmt.Fprintf(&b, "    ProxyPass \"/\" \"http://%s/\" %s\n    ProxyPassReverse \"/\" \"http://%s/\"\n</VirtualHost>\n",
			back, c.Params, back)
	}
	return b.String()
}

// nginxConfig holds what differs between the nginx scenarios.
type nginxConfig struct {
	// Keepalive is the upstream keepalive pool size; 0 opens a connection per request (nginx's
	// default).
	Keepalive int
	// Location holds extra directives for the proxied location.
	Location string
	// Timeouts are proxy_connect_timeout and proxy_read_timeout (and send); zero keeps the
	// lab's 2s and 3s.
	ConnectTimeout, ReadTimeout string
}

// startNginx writes config/nginx.conf and runs `nginx -c CONF -g 'daemon off;'` in netns.
// Logs go to log/nginx-error.log and log/nginx-access.log (combined format).
func (l *Lab) startNginx(ctx context.Context, netns string, c nginxConfig) error {
	runDir := filepath.Join(l.Dir, "run", "nginx")
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	text := nginxConf(l.Scenario.Name, runDir, l.LogPath("nginx-error.log"), l.LogPath("nginx-access.log"), c)
	conf, err := l.Config("nginx.conf", text)
	if err != nil {
		return err
	}
	_, err = l.Spawn(ctx, Daemon{Name: "nginx", Argv: []string{"nginx", "-e", l.LogPath("nginx-error.log"),
		"-c", conf, "-g", "daemon off;"}, Netns: netns, Ready: hostPort("127.0.0.1", proxyPort)})
	return err
}

// nginxConf is the text of nginx.conf: one server per loopback address, each proxying to an
// upstream on the same address family.
func nginxConf(scenario, runDir, errorLog, accessLog string, c nginxConfig) string {
	connect, read := c.ConnectTimeout, c.ReadTimeout
	if connect == "" {
		connect = "2s"
	}
	if read == "" {
		read = "3s"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `# nginx as the reverse proxy of lab scenario %s.
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[3]s warn;
events { worker_connections 512; }
http {
    access_log %[4]s combined;
    client_body_temp_path %[2]s/body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
`, scenario, runDir, errorLog, accessLog)
	for i, host := range []string{"127.0.0.1", "::1"} {
		up := fmt.Sprintf("backend%d", 4+2*i)
		fmt.Fprintf(&b, "\n    upstream %s {\n        server %s;\n", up, hostPort(host, revBackendPort))
		if c.Keepalive > 0 {
			fmt.Fprintf(&b, "        keepalive %d;\n", c.Keepalive)
		}
		fmt.Fprintf(&b, `    }
    server {
        listen %s;
        location / {
            proxy_pass http://%s;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # Short timeouts keep a lab run brief.
            proxy_connect_timeout %s;
            proxy_send_timeout %s;
            proxy_read_timeout %[4]s;
`, hostPort(host, proxyPort), up, connect, read)
		if c.Location != "" {
			fmt.Fprintf(&b, "            %s\n", strings.ReplaceAll(strings.TrimSpace(c.Location), "\n", "\n            "))
		}
		b.WriteString("        }\n    }\n")
	}
	b.WriteString("}\n")
	return b.String()
}
