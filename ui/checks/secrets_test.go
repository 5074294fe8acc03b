package checks

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/hopscope/hopscope/ui/common"
)

// TestChecksPaneShowsNoPlantedSecret types secrets into every field that takes one and runs the
// checks against a proxy whose answer echoes more (a session cookie, a token in its page): none
// may reach the pane's view or the evidence it sends the investigation.
func TestChecksPaneShowsNoPlantedSecret(t *testing.T) {
	secrets := []string{"PLANTEDurlpass", "PLANTEDcredpass", "PLANTEDquerytok", "PLANTEDcookie", "PLANTEDpagetok", "PLANTEDbearer"}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					l, err := br.ReadString('\n')
					if err != nil || l == "\r\n" {
						break
					}
				}
				body := "<p>denied: token Bearer PLANTEDbearer, retry with ?access_token=PLANTEDpagetok</p>"
				_, _ = fmt.Fprintf(c, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"gw\"\r\n"+
					"Set-Cookie: sid=PLANTEDcookie; HttpOnly\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
				_, _ = io.Copy(io.Discard, c)
			}()
		}
	}()
	m, _ := newPane(t)
	m.SetSize(120, 40)
	m.form[fieldTarget].input.SetValue("https://backend.test/v1?access_token=PLANTEDquerytok")
	m.form[fieldProxy].input.SetValue("http://gw:PLANTEDurlpass@" + ln.Addr().String())
	m.form[fieldCredentials].input.SetValue("gw:PLANTEDcredpass")
	m.Update(common.SessionMsg{Rev: 1})
	before := ansi.Strip(m.View())
	msgs := drive(t, m, press(m, "r"))
	var shown []string
	for _, msg := range msgs {
		switch msg := msg.(type) {
		case common.AddEvidenceMsg:
			for _, e := range msg.Evidence {
				shown = append(shown, e.Source+" "+e.Signal+" "+e.Detail)
			}
		case common.OpenMsg:
			shown = append(shown, msg.Title)
		}
	}
	if len(shown) < 2 {
		t.Fatalf("the run sent no evidence: %v", msgs)
	}
	after := ansi.Strip(m.View())
	all := before + "\n" + after + "\n" + strings.Join(shown, "\n")
	if !strings.Contains(all, "407") {
		t.Fatalf("the proxy's 407 is not among what is shown:\n%s", all)
	}
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Errorf("%s is shown:\n%s", s, all)
		}
	}
}

// TestCheckWithoutSignalIsNotAPass: a backend whose answer never ends gives no signal, yet the
// HTTP check failed; the pane says so instead of "nothing wrong found".
func TestCheckWithoutSignalIsNotAPass(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = c.Read(make([]byte, 4096))
				_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Long: ")
				chunk := []byte(strings.Repeat("a", 32<<10))
				for range 64 { // 2 MB, far past the 64 kB bound
					if _, err := c.Write(chunk); err != nil {
						return
					}
				}
			}()
		}
	}()
	m, _ := newPane(t)
	m.form[fieldTarget].input.SetValue("http://" + ln.Addr().String() + "/")
	m.Update(common.SessionMsg{Rev: 1})
	drive(t, m, press(m, "r"))
	rows, _, done := m.run.snapshot()
	if !done {
		t.Fatal("the run did not end")
	}
	for _, r := range rows {
		if r.id == "http" && (r.state != failed || !strings.Contains(r.note, "too-large")) {
			t.Errorf("http row: state %d, note %q", r.state, r.note)
		}
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "✗ http") {
		t.Errorf("the view does not show the HTTP check failed:\n%s", v)
	}
}
