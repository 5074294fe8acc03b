package packets

import (
	"fmt"
	"strings"
	"time"

	"github.com/hopscope/hopscope/capture"
	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/ui/common"
)

// View implements common.Pane; it redraws only after a change.
func (m *Model) View() string {
	if m.dirty {
		m.cache = m.render()
		m.dirty = false
	}
	return m.cache
}

func (m *Model) render() string {
	w, h := m.width, m.height
	if len(m.sources) == 0 {
		return common.Box([]string{m.styles.Dim.Render("No capture among the evidence yet.")}, w, h)
	}
	s := m.sources[m.cur]
	convs, done, err := s.snapshot()
	status := ""
	if f := s.fileOf(); f != nil && !done {
		status = fmt.Sprintf("reading… %d packets, %d conversations", f.Index.Len(), len(convs))
	}
	if err != nil {
		status = err.Error()
	}
	var lines []string
	if status != "" {
		lines = append(lines, m.styles.Dim.Render(status))
	}
	if m.typing {
		lines = append(lines, m.styles.Label.Render("filter: ")+m.input+"▏"+m.styles.Dim.Render("  host ADDR · port N · syn fin rst ack psh · words in headers or payload"))
		if m.filterErr != "" {
			lines = append(lines, m.styles.Failed.Render(m.filterErr))
		}
	}
	body := max(h-len(lines), 0)
	switch m.mode {
	case modeConvs:
		lines = append(lines, m.renderConvs(body)...)
	case modePackets:
		lines = append(lines, m.renderPackets(body)...)
	case modeDetail:
		lines = append(lines, m.renderDetail(body)...)
	case modeFollow:
		m.scroll = min(m.scroll, max(len(m.follow)-body, 0))
		lines = append(lines, m.follow[m.scroll:min(len(m.follow), m.scroll+body)]...)
	case modeEvidence:
		lines = append(lines, m.renderEvidence(body)...)
	}
	return common.Box(lines, w, h)
}

func (m *Model) renderConvs(h int) []string {
	convs := m.visibleConvs()
	head := m.styles.Heading.Render(fmt.Sprintf("%d conversations · %s · by %s", len(convs), outcomes[m.outcome].name, orders[m.order].name))
	lines := []string{head}
	h--
	if h <= 0 {
		return lines
	}
	m.convOffset = common.Window(m.convOffset, m.convCursor, h, len(convs))
	for i := m.convOffset; i < min(len(convs), m.convOffset+h); i++ {
		c := convs[i]
		row := fmt.Sprintf("%-6s %-22s → %-22s %6d pkts %9s %s", c.state, c.client, c.server, c.packets, size(c.bytes), c.history)
		if i == m.convCursor && m.focused {
			row = m.styles.Selected.Render(common.Pad(row, m.width))
		} else if failedState(c.state) {
			row = m.styles.Failed.Render(row)
		}
		lines = append(lines, row)
	}
	return lines
}

func failedState(s capture.State) bool {
	switch s {
	case capture.StateS0, capture.StateREJ, capture.StateRSTOS0, capture.StateSH, capture.StateRSTR:
		return true
	}
	return false
}

func (m *Model) renderPackets(h int) []string {
	n, nth := m.listed()
	what := "all packets"
	if m.conv != nil {
		what = fmt.Sprintf("%s → %s (%s)", m.conv.client, m.conv.server, m.conv.state)
	}
	if m.filtered && m.run != nil {
		_, scanned, total, done := m.run.snapshot()
		what += " · filter " + m.run.filter.text
		if !done {
			what += fmt.Sprintf(" (%d of %d looked at)", scanned, total)
		}
	}
	lines := []string{m.styles.Heading.Render(fmt.Sprintf("%d packets · %s", n, what))}
	h--
	f := m.sources[m.cur].fileOf()
	if h <= 0 || f == nil || n == 0 {
		return lines
	}
	m.pktOffset = int64(common.Window(int(m.pktOffset), int(m.pktCursor), h, int(n)))
	var t0 int64
	if e, ok := f.Index.At(1); ok {
		t0 = e.Time
	}
	for i := m.pktOffset; i < min(n, m.pktOffset+int64(h)); i++ {
		num := nth(i)
		p, err := f.Packet(num)
		if err != nil {
			lines = append(lines, fmt.Sprintf("%7d  %v", num, err))
			continue
		}
		pi := capture.Describe(&p)
		row := fmt.Sprintf("%7d %10.6f ", num, float64(p.Time-t0)/1e9)
		if pi.TCP {
			row += fmt.Sprintf("%s → %s [%s] len=%d %s", pi.Src, pi.Dst, pi.Flags, pi.Len, diagnose.Redact(pi.Info))
		} else {
			row += pi.Info
		}
		if i == m.pktCursor && m.focused {
			row = m.styles.Selected.Render(common.Pad(row, m.width))
		}
		lines = append(lines, row)
	}
	return lines
}

func (m *Model) renderDetail(h int) []string {
	f := m.sources[m.cur].fileOf()
	if f == nil {
		return nil
	}
	p, err := f.Packet(m.detail)
	if err != nil {
		return []string{err.Error()}
	}
	pi := capture.Describe(&p)
	var lines []string
	if m.hex {
		lines = hexDump(maskSecrets(p.Data, payloadOffset(p.Data, pi.Payload)))
	} else {
		lines = []string{
			m.styles.Heading.Render(fmt.Sprintf("Packet %d", p.Number)),
			fmt.Sprintf("time      %s", time.Unix(0, p.Time).UTC().Format("2006-01-02 15:04:05.000000")),
			fmt.Sprintf("length    %d bytes captured of %d, link type %d, offset %d", len(p.Data), p.OrigLen, p.Link, p.Offset),
		}
		if pi.TCP {
			lines = append(lines,
				fmt.Sprintf("from      %s", pi.Src),
				fmt.Sprintf("to        %s", pi.Dst),
				fmt.Sprintf("flags     %s", pi.Flags),
				fmt.Sprintf("seq, ack  %d, %d", pi.Seq, pi.Ack),
				fmt.Sprintf("window    %d", pi.Window),
				fmt.Sprintf("payload   %d bytes", pi.Len))
		}
		if pi.Info != "" {
			lines = append(lines, "what      "+diagnose.Redact(pi.Info))
		}
		// Back from the packet to the findings it shows.
		for _, e := range m.evidenceHere() {
			if e.Packets[0] == p.Number {
				lines = append(lines, m.styles.Label.Render("finding   ")+e.Signal+": "+e.Detail)
			}
		}
	}
	m.scroll = min(m.scroll, max(len(lines)-h, 0))
	return lines[m.scroll:min(len(lines), m.scroll+h)]
}

func (m *Model) renderEvidence(h int) []string {
	evs := m.evidenceHere()
	lines := []string{m.styles.Heading.Render(fmt.Sprintf("%d findings point at packets · enter jumps there", len(evs)))}
	h--
	if h <= 0 {
		return lines
	}
	m.evOffset = common.Window(m.evOffset, m.evCursor, h, len(evs))
	for i := m.evOffset; i < min(len(evs), m.evOffset+h); i++ {
		e := evs[i]
		row := fmt.Sprintf("#%-7d %-32s %s", e.Packets[0], e.Signal, e.Detail)
		if i == m.evCursor && m.focused {
			row = m.styles.Selected.Render(common.Pad(row, m.width))
		}
		lines = append(lines, row)
	}
	return lines
}

// hexDump writes data 16 bytes a line, with offsets and the printable characters.
func hexDump(data []byte) []string {
	var lines []string
	for off := 0; off < len(data); off += 16 {
		chunk := data[off:min(off+16, len(data))]
		var hx, asc strings.Builder
		for i := range 16 {
			if i < len(chunk) {
				fmt.Fprintf(&hx, "%02x ", chunk[i])
				if c := chunk[i]; c >= 0x20 && c < 0x7f {
					asc.WriteByte(c)
				} else {
					asc.WriteByte('.')
				}
			} else {
				hx.WriteString("   ")
			}
			if i == 7 {
				hx.WriteByte(' ')
			}
		}
		lines = append(lines, fmt.Sprintf("%04x  %s %s", off, hx.String(), asc.String()))
	}
	return lines
}

// size writes a byte count briefly.
func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
