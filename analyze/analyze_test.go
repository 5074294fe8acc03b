package analyze

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hopscope/hopscope/knowledge"
)

func kb(t *testing.T) *knowledge.Base {
	t.Helper()
	b, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPastedTextNamesThePlaybook(t *testing.T) {
	cases := []struct {
		file     string
		playbook string
		first    []string // acceptable first causes
		signal   string   // must appear in the evidence
		kind     string   // the input kind detected
	}{
		{"testdata/fault-503.txt", "proxy-tunnel", []string{"tunnel.forbidden.acl", "tunnel.forbidden.host-header"}, "proxy.connect.status.403", "text"},
		{"testdata/fault-502.txt", "tls-handshake", []string{"tls.handshake-timeout.firewall", "tls.handshake-timeout.server-stall"}, "mp.log.handshake-timeout", "text"},
		{"testdata/modproxy.txt", "mod-proxy", []string{"backend.down"}, "log.proxy.connect-refused", "apache-error"},
		{"testdata/curl-proxy-auth.txt", "proxy-tunnel", []string{"tunnel.proxy-auth"}, "proxy.connect.status.407", "text"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			s, inputs, err := Run(context.Background(), kb(t), []string{tc.file}, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			r := s.Report(inputs)
			if r.Causes[0].Playbook != tc.playbook {
				t.Errorf("first cause %s is from playbook %q, want %q", r.Causes[0].ID, r.Causes[0].Playbook, tc.playbook)
			}
			ok := false
			for _, id := range tc.first {
				ok = ok || r.Causes[0].ID == id
			}
			if !ok {
				t.Errorf("first cause = %s, want one of %v", r.Causes[0].ID, tc.first)
			}
			found := false
			for _, ev := range r.Evidence {
				found = found || ev.Signal == tc.signal
				if strings.Contains(ev.Detail, "dXNlcjpzM2NyZXQ=") || strings.Contains(ev.Detail, "s3cret") {
					t.Errorf("credentials leaked into evidence: %q", ev.Detail)
				}
			}
			if !found {
				t.Errorf("signal %s missing from evidence %+v", tc.signal, r.Evidence)
			}
			if len(inputs) != 1 || inputs[0].Kind != tc.kind {
				t.Errorf("inputs = %+v", inputs)
			}
		})
	}
}

func TestUnreadableInputsFail(t *testing.T) {
	cases := []struct {
		path string
		want string
	}{
		{"testdata/empty.txt", "empty input"},
		{"testdata/binary.bin", "binary file"},
		{"testdata/no-such-file", "no such file"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			_, _, err := Run(context.Background(), kb(t), []string{tc.path}, nil, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

// Text that is read but holds no error hopscope knows is a read input with a warning, not an
// unreadable one.
func TestUnrecognisedTextIsRead(t *testing.T) {
	s, inputs, err := Run(context.Background(), kb(t), []string{"testdata/garbage.txt"}, nil, Options{})
	if err != nil {
		t.Fatalf("err = %v, want the text read", err)
	}
	if len(inputs) != 1 || inputs[0].Kind != "text" || inputs[0].Lines != 2 || len(inputs[0].Warnings) != 1 {
		t.Errorf("inputs = %+v, want one text of 2 lines with a warning", inputs)
	}
	if len(s.Ledger()) != 0 {
		t.Errorf("evidence from text with nothing in it: %+v", s.Ledger())
	}
}

func TestStdinAndGzip(t *testing.T) {
	gz := "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" // header only: a broken gzip stream
	_, _, err := Run(context.Background(), kb(t), []string{"-"}, strings.NewReader(gz), Options{})
	if err == nil {
		t.Error("a truncated gzip stream was accepted")
	}
	s, in, err := Run(context.Background(), kb(t), []string{"-"}, strings.NewReader("curl: (56) CONNECT tunnel failed, response 403\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if in[0].Path != "stdin" || s.Report(in).Causes[0].Playbook != "proxy-tunnel" {
		t.Errorf("stdin not read as pasted text: %+v", in)
	}
}

func TestFolderSkipsWhatItCannotRead(t *testing.T) {
	s, inputs, err := Run(context.Background(), kb(t), []string{"testdata"}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	skipped := 0
	for _, in := range inputs {
		if in.Kind == "skipped" {
			skipped++
			if len(in.Warnings) == 0 {
				t.Errorf("%s skipped without a reason", in.Path)
			}
		}
	}
	if skipped != 2 {
		t.Errorf("skipped %d inputs, want 2 (empty, binary): %+v", skipped, inputs)
	}
	if len(s.Ledger()) == 0 {
		t.Error("no evidence from the readable files")
	}
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := Run(ctx, kb(t), []string{"testdata/fault-503.txt"}, nil, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
