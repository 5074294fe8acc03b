package capture

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestFilePacketByNumber reads every packet back through the index and compares it with the
// sequential read, for pcap and pcapng.
func TestFilePacketByNumber(t *testing.T) {
	for _, v := range variants {
		b := build(t, v.link, v.ng, v.h, scenarios[9].build)
		path := filepath.Join(t.TempDir(), "c")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := f.Analyze(context.Background(), Options{Name: "c"})
		if err != nil {
			t.Fatal(err)
		}
		if f.Index.Len() != sum.Packets {
			t.Fatalf("%s: index %d, packets %d", v.name, f.Index.Len(), sum.Packets)
		}
		rd, _ := NewReader(bytes.NewReader(b))
		for n := int64(1); n <= sum.Packets; n++ {
			want, _ := rd.Next()
			wantData := append([]byte(nil), want.Data...)
			got, err := f.Packet(n)
			if err != nil {
				t.Fatalf("%s: packet %d: %v", v.name, n, err)
			}
			if !bytes.Equal(got.Data, wantData) || got.Time != want.Time || got.Link != LinkType(v.link) {
				t.Fatalf("%s: packet %d differs", v.name, n)
			}
		}
		if _, err := f.Packet(sum.Packets + 1); err == nil {
			t.Errorf("%s: a packet past the end was read", v.name)
		}
		f.Close()
	}
}

func TestDescribe(t *testing.T) {
	b := build(t, variants[2].link, true, v4, scenarios[6].build)
	rd, _ := NewReader(bytes.NewReader(b))
	var infos []string
	for {
		p, err := rd.Next()
		if err != nil {
			break
		}
		infos = append(infos, Describe(&p).Flags+"|"+Describe(&p).Info)
	}
	want := []string{"SYN|", "SYN, ACK|", "ACK|", "PSH, ACK|CONNECT backend.example:443 HTTP/1.1", "PSH, ACK|HTTP/1.1 403 Forbidden"}
	for i, w := range want {
		if i >= len(infos) || infos[i] != w {
			t.Fatalf("packet %d: %q, want %q (all %q)", i+1, infos[i], w, infos)
		}
	}
}
