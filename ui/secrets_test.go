package ui

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/hopscope/hopscope/analyze"
	"github.com/hopscope/hopscope/ui/common"
)

// planted are the secrets the inputs below carry: a proxy password, a session cookie, a bearer
// token, an API key, a token in a query string, a password in a URL, a -U user:password.
var planted = []string{
	"UExBTlRFRA", // base64 of a Proxy-Authorization Basic credential (its first bytes)
	"PLANTEDcookie", "PLANTEDsetcookie", "PLANTEDbearer", "PLANTEDapikey", "PLANTEDquerytok",
	"PLANTEDurlpass", "PLANTEDcurlpass", "PLANTEDlogtok", "PLANTEDlogpass", "PLANTEDlogcookie",
	"PLANTEDlogbearer", "PLANTEDlogcookie2", "PLANTEDlogupass",
	// Shapes that once let part of a secret through: an @ or a colon inside a password, a comma
	// in a password= value, a vendor-prefixed key header, a header quoted inside a field.
	"PLANTEDat1", "PLANTEDat2", "PLANTEDbare", "PLANTEDcolon", "PLANTEDcomma", "PLANTEDgoog", "PLANTEDlfcookie",
	"PLANTEDpktgoog", "PLANTEDpkttok", "PLANTEDpktat",
}

// writeSecretCapture writes a capture of two conversations whose requests and answers carry the
// planted secrets: a CONNECT refused with 407 and a request a backend answers 502.
func writeSecretCapture(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	seg := func(src, dst netip.AddrPort, seq, ack uint32, flags uint8, payload string) {
		b := []byte{0x02, 0x42, 0xac, 0x11, 0x00, 0x02, 0xf4, 0x8e, 0x38, 0xc9, 0xa1, 0xfe, 0x08, 0x00}
		b = append(b, 0x45, 0)
		b = binary.BigEndian.AppendUint16(b, uint16(40+len(payload)))
		b = append(b, 0xbe, 0xef, 0x40, 0, 64, 6, 0, 0)
		s, d := src.Addr().As4(), dst.Addr().As4()
		b = append(append(b, s[:]...), d[:]...)
		b = binary.BigEndian.AppendUint16(b, src.Port())
		b = binary.BigEndian.AppendUint16(b, dst.Port())
		b = binary.BigEndian.AppendUint32(b, seq)
		b = binary.BigEndian.AppendUint32(b, ack)
		b = append(b, 5<<4, flags, 0xff, 0xff, 0, 0, 0, 0)
		b = append(b, payload...)
		at = at.Add(time.Millisecond)
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: at, CaptureLength: len(b), Length: len(b)}, b); err != nil {
			t.Fatal(err)
		}
	}
	const syn, ack, psh, fin = 0x02, 0x10, 0x08, 0x01
	conv := func(client, server netip.AddrPort, req, resp string) {
		seg(client, server, 100, 0, syn, "")
		seg(server, client, 900, 101, syn|ack, "")
		seg(client, server, 101, 901, ack, "")
		seg(client, server, 101, 901, psh|ack, req)
		seg(server, client, 901, 101+uint32(len(req)), psh|ack, resp)
		seg(server, client, 901+uint32(len(resp)), 101+uint32(len(req)), fin|ack, "")
	}
	client := netip.MustParseAddr("192.168.140.10")
	conv(netip.AddrPortFrom(client, 40001), netip.MustParseAddrPort("192.168.140.254:3128"),
		"CONNECT backend.test:443 HTTP/1.1\r\nHost: backend.test:443\r\nProxy-Authorization: Basic UExBTlRFRDpwYXNzd29yZA==\r\n"+
			"Cookie: sid=PLANTEDcookie\r\nUser-Agent: curl/8.5\r\n\r\n",
		"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"gw\"\r\n"+
			"Set-Cookie: sid=PLANTEDsetcookie; HttpOnly\r\nX-Squid-Error: ERR_CACHE_ACCESS_DENIED 0\r\nContent-Length: 0\r\n\r\n")
	conv(netip.AddrPortFrom(client, 40002), netip.MustParseAddrPort("192.168.140.20:8080"),
		"GET http://gw:PLANTEDurlpass@backend.test:8080/v1/orders?access_token=PLANTEDquerytok&page=2 HTTP/1.1\r\nHost: backend.test:8080\r\n"+
			"Authorization: Bearer PLANTEDbearer\r\nX-Api-Key: PLANTEDapikey\r\nX-Goog-Api-Key: PLANTEDpktgoog\r\n"+
			"Private-Token: PLANTEDpkttok\r\nReferer: http://gw:p@PLANTEDpktat@app/\r\n\r\n",
		"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
}

// TestNoPlantedSecretOnScreen opens a capture, server logs and a pasted error that carry secrets,
// draws every pane of the investigation (the packets pane's lists, a packet's fields and hex, the
// followed stream; the logs pane's timeline, lines and evidence; the ledger, causes, tree, next
// check, playbook and checks) and looks for each secret on every screen, the hex dumps decoded.
func TestNoPlantedSecretOnScreen(t *testing.T) {
	dir := t.TempDir()
	pcap := filepath.Join(dir, "proxy.pcap")
	writeSecretCapture(t, pcap)
	errLog := filepath.Join(dir, "error.log")
	lines := []string{
		`2026/11/21 10:00:01 [error] 12#12: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: _, request: "GET /v1?access_token=PLANTEDlogtok HTTP/1.1", upstream: "http://gw:PLANTEDlogpass@127.0.0.1:9000/v1?access_token=PLANTEDlogtok", host: "127.0.0.1:8080"`,
		`2026/11/21 10:00:02 [error] 12#12: *3 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: _, request: "GET /v1?api_key=PLANTEDlogtok HTTP/1.1", upstream: "http://127.0.0.1:9000/v1?api_key=PLANTEDlogtok", host: "127.0.0.1:8080", referrer: "http://app/?session_id=PLANTEDlogcookie"`,
	}
	if err := os.WriteFile(errLog, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	accessLog := filepath.Join(dir, "access.log")
	var acc []string
	for i := range 6 {
		acc = append(acc, `127.0.0.1 - gw [21/Nov/2026:10:00:0`+string(rune('1'+i))+` +0000] "GET /v1?access_token=PLANTEDlogtok HTTP/1.1" 502 157 "http://gw:PLANTEDlogpass@app/" "curl/8.5"`)
	}
	// A user agent field that quotes a whole command line: a bearer token, a cookie, -U user:password.
	acc = append(acc, `127.0.0.1 - - [21/Nov/2026:10:00:08 +0000] "GET /v2 HTTP/1.1" 503 157 "-" "curl -U gw:PLANTEDlogupass -H Authorization: Bearer PLANTEDlogbearer"`,
		`127.0.0.1 - - [21/Nov/2026:10:00:09 +0000] "GET /v3 HTTP/1.1" 504 157 "-" "sent Cookie: sid=PLANTEDlogcookie2"`,
		`127.0.0.1 - - [21/Nov/2026:10:00:10 +0000] "GET /v4 HTTP/1.1" 502 157 "-" "curl -x http://gw:PLANTEDat1@PLANTEDat2@proxy:3128/ via gw:PLANTEDbare:PLANTEDcolon@10.0.0.2:9000"`,
		`127.0.0.1 - - [21/Nov/2026:10:00:11 +0000] "GET /v5 HTTP/1.1" 502 157 "-" "db password=abc,PLANTEDcomma"`,
		`127.0.0.1 - - [21/Nov/2026:10:00:12 +0000] "GET /v6 HTTP/1.1" 502 157 "-" "X-Goog-Api-Key: PLANTEDgoog"`,
		`127.0.0.1 - - [21/Nov/2026:10:00:13 +0000] "GET /v7 HTTP/1.1" 502 157 "-" "reason='Cookie: a=b; sid=PLANTEDlfcookie' session=3"`)
	if err := os.WriteFile(accessLog, []byte(strings.Join(acc, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	paste := filepath.Join(dir, "client.txt")
	if err := os.WriteFile(paste, []byte("$ curl -U gw:PLANTEDcurlpass -x http://proxy:3128 https://backend.test/ -H 'Authorization: Bearer PLANTEDbearer'\n"+
		"curl: (56) CONNECT tunnel failed, response 407\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	m := newTest(t, 200, 60)
	evs, ins, err := analyze.Collect(context.Background(), m.kb, []string{pcap, errLog, accessLog, paste}, nil, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	drive(m, common.OpenMsg{Title: "planted secrets", Evidence: evs, Inputs: ins, Files: common.Disk{}})

	var screens []string
	shot := func(what string) { screens = append(screens, what+"\n"+plain(m)) }
	for _, id := range []string{"tree", "causes", "ledger", "next", "playbook", "checks", "packets", "logs"} {
		m.inv.show(id)
		drive(m, keys("z")...)
		shot(id)
		if id == "causes" {
			drive(m, keys("enter")...)
			shot("cause expanded")
			drive(m, keys("enter")...)
		}
		drive(m, keys("z")...)
	}
	// Every ledger entry that points at a packet or a line: jump there, then look at it every way.
	jumps := 0
	for i, ev := range m.work.Session().Ledger() {
		j, ok := common.Locate(common.Entry{Kind: ev.Kind, Source: ev.Source})
		if !ok {
			continue
		}
		jumps++
		m.inv.focusPane("ledger")
		drive(m, keys("g")...)
		for range i {
			drive(m, keyPress("down"))
		}
		drive(m, keyPress("e"))
		shot("jump to " + ev.Source)
		if j.Pane() != "packets" {
			// Zoomed, so that the end of a long line (where a user agent quotes a command) shows.
			drive(m, keys("z")...)
			for _, k := range []string{"i", "m", "e"} {
				drive(m, keys(k)...)
				shot("logs " + k)
			}
			drive(m, keys("i")...)
			for row := range len(acc) {
				drive(m, keys("g")...)
				for range row {
					drive(m, keyPress("down"))
				}
				drive(m, keys("enter")...)
				shot("whole line")
				drive(m, keys("enter")...)
			}
			drive(m, keys("z")...)
		}
	}
	// Each conversation: its packets, the stream followed, and every packet's fields and hex.
	m.inv.show("packets")
	for conv := range 2 {
		drive(m, keys("backspace", "backspace", "backspace", "g")...)
		for range conv {
			drive(m, keyPress("down"))
		}
		drive(m, keys("enter")...)
		shot("conversation")
		drive(m, keys("F")...)
		shot("follow stream")
		drive(m, keys("backspace")...)
		for row := range 6 {
			drive(m, keys("g")...)
			for range row {
				drive(m, keyPress("down"))
			}
			drive(m, keys("enter")...)
			shot("packet detail")
			drive(m, keys("w")...)
			shot("packet hex")
			drive(m, keys("w", "backspace")...)
		}
	}
	if jumps < 3 {
		t.Fatalf("only %d ledger entries point at a packet or a line", jumps)
	}
	all := strings.Join(screens, "\n")
	for _, want := range []string{"407", "502", "Proxy-Authorization", "connect() failed", "GET /v2 HTTP/1.1\" 503", "GET /v3 HTTP/1.1\" 504", "50 72 6f 78 79", "> GET http://gw:", "< HTTP/1.1 407", "X-Api-Key: ",
		"http://gw:[redacted]@proxy:3128/", "gw:[redacted]@10.0.0.2:9000", "password=[redacted]", "X-Goog-Api-Key: [redacted]",
		"reason='Cookie: [redacted]' session=3"} {
		if !strings.Contains(all, want) {
			t.Errorf("no screen shows %q: the inputs did not reach the panes", want)
		}
	}
	shown := all + "\n" + string(hexBytes(all))
	for _, s := range planted {
		if strings.Contains(shown, s) {
			for _, sc := range screens {
				if strings.Contains(sc, s) || strings.Contains(string(hexBytes(sc)), s) {
					t.Errorf("%s is on screen:\n%s", s, sc)
					break
				}
			}
		}
	}
}

// hexLine finds a hex dump's rows: offset, then up to 16 bytes.
var hexLine = regexp.MustCompile(`\b[0-9a-f]{4}  ((?:[0-9a-f]{2} ){1,8}(?: (?:[0-9a-f]{2} ){1,8})?)`)

// hexBytes decodes the bytes of every hex dump row on a screen, in order, so that a secret split
// over two rows is found whole.
func hexBytes(screen string) []byte {
	var out []byte
	for _, m := range hexLine.FindAllStringSubmatch(screen, -1) {
		b, err := hex.DecodeString(strings.ReplaceAll(m[1], " ", ""))
		if err == nil {
			out = append(out, b...)
		}
	}
	return out
}
