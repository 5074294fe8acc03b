package packets

import (
	"strconv"
	"strings"

	"github.com/hopscope/hopscope/capture"
	"github.com/hopscope/hopscope/diagnose"
)

// maxFollow bounds the payload a followed stream shows.
const maxFollow = 256 << 10

// followPacket follows the conversation packet n belongs to, from the list of all packets: its
// packets are listed (where esc comes back to) and its stream shown.
func (m *Model) followPacket(n int64) {
	f := m.sources[m.cur].fileOf()
	if f == nil {
		return
	}
	p, err := f.Packet(n)
	if err != nil {
		return
	}
	pi := capture.Describe(&p)
	convs, _, _ := m.sources[m.cur].snapshot()
	for _, c := range convs {
		if pi.TCP && n >= c.first && n <= c.last &&
			(pi.Src == c.client && pi.Dst == c.server || pi.Src == c.server && pi.Dst == c.client) {
			m.openConv(c)
			m.followStream()
			return
		}
	}
	m.mode, m.scroll = modeFollow, 0
	m.follow = []string{"Packet " + strconv.FormatInt(n, 10) + " is in no TCP conversation of this capture: there is no stream to follow."}
}

// followStream renders the open conversation's payload as text: "> " lines from the client,
// "< " lines from the server, in capture order, retransmitted bytes shown once.
func (m *Model) followStream() {
	m.mode, m.scroll, m.follow = modeFollow, 0, nil
	f := m.sources[m.cur].fileOf()
	if f == nil || m.conv == nil {
		return
	}
	var (
		b       strings.Builder
		next    [2]uint32
		started [2]bool
		last    = -1
		total   int
	)
	for _, n := range m.convPackets {
		p, err := f.Packet(n)
		if err != nil {
			break
		}
		pi := capture.Describe(&p)
		if len(pi.Payload) == 0 {
			continue
		}
		dir := 0
		if pi.Src == m.conv.server {
			dir = 1
		}
		data := pi.Payload
		if started[dir] {
			// Skip what was already shown: a retransmission or an overlap.
			if d := int32(next[dir] - pi.Seq); d > 0 {
				if int(d) >= len(data) {
					continue
				}
				data = data[d:]
			}
		}
		started[dir], next[dir] = true, pi.Seq+uint32(pi.Len)
		if dir != last {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString([...]string{"> ", "< "}[dir])
			last = dir
		}
		for _, c := range data {
			switch {
			case c == '\n':
				b.WriteString("\n" + [...]string{"> ", "< "}[dir])
			case c == '\r':
			case c >= 0x20 && c < 0x7f:
				b.WriteByte(c)
			default:
				b.WriteByte('.')
			}
		}
		if total += len(data); total > maxFollow {
			b.WriteString("\n… (stream cut at 256 KiB)")
			break
		}
	}
	m.follow = strings.Split(diagnose.Redact(b.String()), "\n")
}
