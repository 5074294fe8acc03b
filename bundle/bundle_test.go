package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hopscope/hopscope/analyze"
	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/internal/testenv"
	"github.com/hopscope/hopscope/knowledge"
)

var fixed = func() time.Time { return time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC) }

func run(t *testing.T, paths ...string) (*diagnose.Session, []diagnose.Input) {
	t.Helper()
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	sess, inputs, err := analyze.Run(context.Background(), kb, paths, nil, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return sess, inputs
}

func readReport(t *testing.T, dir string) Report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	return r
}

// TestEveryRecordedScenario writes the bundle of every recorded scenario: the verdict of the first
// hop is the scenario's true cause, the must-gather list marks at least one item present and every
// file it names is in the bundle, and every trimmed capture opens in capinfos.
func TestEveryRecordedScenario(t *testing.T) {
	dirs, _ := filepath.Glob("../testdata/scenarios/*/truth.yaml")
	if len(dirs) == 0 {
		t.Fatal("no recorded scenarios under testdata/scenarios")
	}
	capinfos, lookErr := testenv.LookPath("capinfos")
	for _, truth := range dirs {
		dir := filepath.Dir(truth)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var want struct{ Cause string }
			b, _ := os.ReadFile(truth)
			if err := yaml.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			sess, inputs := run(t, dir)
			dest := filepath.Join(t.TempDir(), "bundle")
			if _, err := Write(context.Background(), dest, sess, inputs, Options{Command: "hopscope analyze " + dir, Now: fixed}); err != nil {
				t.Fatal(err)
			}
			r := readReport(t, dest)
			if len(r.Hops) == 0 || r.Hops[0].Verdict != want.Cause {
				t.Errorf("first hop %+v, want verdict %s", r.Hops, want.Cause)
			}
			present := 0
			for _, g := range r.MustGather {
				if g.Status == Present {
					present++
					for _, f := range g.Files {
						if _, err := os.Stat(filepath.Join(dest, f)); err != nil {
							t.Errorf("must-gather %q names %s, not in the bundle: %v", g.Item, f, err)
						}
					}
				}
			}
			if present == 0 || len(r.MustGather) == 0 {
				t.Errorf("must-gather list %+v marks nothing present", r.MustGather)
			}
			md, _ := os.ReadFile(filepath.Join(dest, "report.md"))
			for _, h := range []string{"## Symptom", "## Verdict per hop", "## Decision-tree path", "## Timeline", "## Checks run", "## Must gather", "[x]"} {
				if !bytes.Contains(md, []byte(h)) {
					t.Errorf("report.md has no %q", h)
				}
			}
			captures := 0
			for _, f := range r.Files {
				if f.Kind != "pcapng" {
					continue
				}
				captures++
				if lookErr != nil {
					continue
				}
				out, err := exec.Command(capinfos, "-c", filepath.Join(dest, f.Path)).CombinedOutput()
				if err != nil || !bytes.Contains(out, []byte("Number of packets")) {
					t.Errorf("capinfos %s: %v: %s", f.Path, err, out)
				}
			}
			if captures == 0 {
				t.Errorf("no trimmed capture in %+v", r.Files)
			}
		})
	}
	if lookErr != nil {
		testenv.Missing(t, "capinfos (apt-get install tshark) to open the trimmed captures")
	}
}

// The secrets planted in the test incident: the lab's own proxy password (sent by the recorded
// client, in its Basic form and in clear), and more in the client's text and the proxy's log.
var planted = []string{
	"Z2F0ZXdheTpub3QtbGFiLXNlY3JldC03", "not-lab-secret-7",
	"PLANTED-bearer-7731", "PLANTED-cookie-4410", "PLANTED-pw-9921", "PLANTED-token-5512", "PLANTED-setcookie-0042",
	// The proxy's own password file (the lab's htpasswd, and more schemes planted in it) and a
	// peer's login in its configuration.
	"9ohoPZj9fGohnFvTHBccn1", "PLANTEDbcrypt", "W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "rqXexS6ZhobKA", "PLANTED-peer-6060",
	// Shapes that once let part of a secret through: escaped quotes in JSON, an @ or a colon in
	// a password, a comma in a password= value, a vendor-prefixed key header.
	"PLANTED-json-1180", "PLANTED-jsontok-2290", "PLANTED-at-3301", "PLANTED-colon-4402", "PLANTED-comma-5503",
	"PLANTED-goog-6604",
}

// plantedIncident copies the proxy-auth recording and plants secrets in its text and its log.
func plantedIncident(t *testing.T) string {
	t.Helper()
	src := "../testdata/scenarios/tunnel.proxy-auth"
	dir := filepath.Join(t.TempDir(), "incident")
	os.MkdirAll(dir, 0o755)
	os.MkdirAll(filepath.Join(dir, "config"), 0o755)
	for _, name := range []string{"lo.pcap", "any.pcapng", "access.log", "client.txt", "config/passwd", "config/squid.conf"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		switch name {
		case "client.txt":
			b = append(b, []byte("> Authorization: Bearer PLANTED-bearer-7731\n> Cookie: sid=PLANTED-cookie-4410\n"+
				"< Set-Cookie: route=PLANTED-setcookie-0042; Path=/\n"+
				"$ curl -U gw:PLANTED-pw-9921 -x http://gw:PLANTED-pw-9921@127.0.0.1:3128 'https://backend/v1?access_token=PLANTED-token-5512'\n"+
				"> Proxy-Authorization: Basic Z2F0ZXdheTpub3QtbGFiLXNlY3JldC03\n"+
				"< HTTP/1.1 407 Proxy Authentication Required\n"+
				`{"Cookie": "a=\"x\"; session=PLANTED-json-1180", "error": "denied"}`+"\n"+
				`{"token":"ab\"PLANTED-jsontok-2290"}`+"\n"+
				"$ curl -x http://gw:p@PLANTED-at-3301@127.0.0.1:3128/ -H 'X-Goog-Api-Key: PLANTED-goog-6604' https://backend/\n"+
				"upstream gw:se:PLANTED-colon-4402@10.0.0.2:9000 db password=abc,PLANTED-comma-5503\n")...)
		case "config/passwd":
			b = append(b, []byte("alice:$2y$05$R3dHq9PLANTEDbcryptHashValueXXXXXXXXXXXXXXXXXXXXXXXX\nbob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\ncarol:rqXexS6ZhobKA\n")...)
		case "config/squid.conf":
			b = append(b, []byte("cache_peer 10.0.0.2 parent 3128 0 no-query login=gw:PLANTED-peer-6060\n")...)
		case "access.log":
			b = append(b, []byte("1795256829.100      0 127.0.0.1 TCP_DENIED/407 3540 GET http://gw:PLANTED-pw-9921@backend/v1?access_token=PLANTED-token-5512 gw HIER_NONE/- text/html\n")...)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// grepBundle returns every planted secret found in the files under root, and in the files inside
// any .tar.gz among them, naming the file; and all the bytes it read.
func grepBundle(t *testing.T, root string) (found []string, all []byte) {
	t.Helper()
	check := func(name string, b []byte) {
		all = append(all, b...)
		for _, s := range planted {
			if bytes.Contains(b, []byte(s)) {
				found = append(found, name+": "+s)
			}
		}
	}
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		check(p, b)
		if !strings.HasSuffix(p, ".tar.gz") {
			return nil
		}
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		tr := tar.NewReader(zr)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			body, _ := io.ReadAll(tr)
			check(p+"!"+h.Name, body)
		}
		return nil
	})
	return found, all
}

// TestPlantedSecretsAreRedacted greps the whole bundle, as a folder and as a .tar.gz, for the
// planted secrets, and checks that what carried them is still there (the header names, the 407s),
// so the test cannot pass by leaving the evidence out.
func TestPlantedSecretsAreRedacted(t *testing.T) {
	inc := plantedIncident(t)
	// The planted inputs hold every secret, or the test proves nothing.
	if found, _ := grepBundle(t, inc); len(found) < len(planted)-1 {
		t.Fatalf("the planted incident holds only %v", found)
	}
	sess, inputs := run(t, inc)
	out := t.TempDir()
	for _, dest := range []string{filepath.Join(out, "bundle"), filepath.Join(out, "bundle.tar.gz")} {
		if _, err := Write(context.Background(), dest, sess, inputs, Options{Command: "hopscope analyze --proxy-user gw:PLANTED-pw-9921 " + inc, Now: fixed}); err != nil {
			t.Fatal(err)
		}
	}
	found, all := grepBundle(t, out)
	if len(found) > 0 {
		t.Errorf("secrets left in the bundle:\n%s", strings.Join(found, "\n"))
	}
	// lo.pcap holds the same traffic as any.pcapng, which is read first: it is counted (and
	// bundled) once, as any.pcapng.
	// The proxy's configuration is kept (its auth_param and ACLs are evidence), its password file
	// is not, and the notes say why.
	if !bytes.Contains(all, []byte("auth_param basic program")) || !bytes.Contains(all, []byte("login=gw:[redacted]")) {
		t.Error("the bundle lost the proxy's configuration")
	}
	md, err := os.ReadFile(filepath.Join(out, "bundle", "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile("`inputs/squid.conf` from .*: whole: a configuration file, kept for its rules, with its secrets .* redacted").Match(md) {
		t.Errorf("the files do not say the configuration was kept and redacted:\n%s", md)
	}
	if !regexp.MustCompile(`config/passwd not included: a password file`).Match(md) {
		t.Errorf("the notes do not say why the password file was left out:\n%s", md)
	}
	// The client's error is the client's text, not the proxy's configuration or log.
	for _, it := range readReport(t, filepath.Join(out, "bundle")).MustGather {
		if strings.HasPrefix(it.Item, "The complete error the client saw") && (len(it.Files) != 1 || it.Files[0] != "inputs/client.txt") {
			t.Errorf("the client's error is said to be in %v", it.Files)
		}
	}
	for _, keep := range []string{"Proxy-Authorization: Basic ****", "Authorization: Bearer [redacted]", "Cookie: [redacted]", "TCP_DENIED/407", "407 Proxy Authentication Required", "any.pcapng.trimmed.pcapng"} {
		if !bytes.Contains(all, []byte(keep)) {
			t.Errorf("the bundle lost %q", keep)
		}
	}
}

// TestInterruptedWriteLeavesNothing cancels the write part way (as ctrl-c does) and finds neither
// the bundle nor a temporary file beside where it would have been.
func TestInterruptedWriteLeavesNothing(t *testing.T) {
	sess, inputs := run(t, "../testdata/scenarios/tunnel.proxy-auth")
	for _, name := range []string{"bundle", "bundle.tar.gz"} {
		parent := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		opened := 0
		open := func(p string) (io.ReadCloser, error) {
			if opened++; opened == 4 {
				cancel()
			}
			return os.Open(p)
		}
		_, err := Write(ctx, filepath.Join(parent, name), sess, inputs, Options{Open: open, Now: fixed})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("%s: err = %v, want context.Canceled", name, err)
		}
		if left, _ := os.ReadDir(parent); len(left) != 0 {
			t.Errorf("%s: left behind %v", name, left)
		}
	}
}

// TestExistingDestinationIsKept: a bundle never overwrites what is there.
func TestExistingDestinationIsKept(t *testing.T) {
	sess, inputs := run(t, "../testdata/incidents/tunnel-407")
	dest := filepath.Join(t.TempDir(), "old")
	os.Mkdir(dest, 0o755)
	os.WriteFile(filepath.Join(dest, "keep"), []byte("x"), 0o644)
	if _, err := Write(context.Background(), dest, sess, inputs, Options{}); !errors.Is(err, ErrExists) {
		t.Fatalf("err = %v, want ErrExists", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dest, "keep")); string(b) != "x" {
		t.Fatal("the existing folder was changed")
	}
}

// TestMaskPayload masks credentials in place, keeping lengths and header names.
func TestMaskPayload(t *testing.T) {
	in := "CONNECT b:443 HTTP/1.1\r\nProxy-Authorization: Basic Z2F0ZXdheTpz\r\ncookie: a=b\r\nSet-Cookie: s=1\r\nX-Url: http://u:pw@h/\r\n\r\n"
	b := []byte(in)
	MaskPayload(b)
	got := string(b)
	if len(got) != len(in) {
		t.Fatalf("length changed")
	}
	for _, s := range []string{"Z2F0ZXdheTpz", "a=b", "s=1", ":pw@"} {
		if strings.Contains(got, s) {
			t.Errorf("%q left in %q", s, got)
		}
	}
	for _, s := range []string{"Proxy-Authorization: Basic ****", "cookie: ***", "Set-Cookie: ***", "http://u:**@h/"} {
		if !strings.Contains(got, s) {
			t.Errorf("%q missing from %q", s, got)
		}
	}
}

func BenchmarkMaskPayload(b *testing.B) {
	pkt := bytes.Repeat([]byte("GET /index.html HTTP/1.1\r\nHost: backend\r\nAccept: */*\r\n"), 24)
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		MaskPayload(pkt)
	}
}
