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

// Columns of the conversations list. A pane narrower than wideConvs drops the client and the
// counts: the server, the state and the outcome say most.
const (
	stateW      = 6
	endW        = 22
	historyW    = 10
	wideConvs   = stateW + 2*endW + 3 + 7 + 10 + historyW + 30
	narrowConvs = 60
)

// stateMeaning explains Zeek's connection states in the list's legend.
var stateMeaning = []struct {
	state capture.State
	text  string
}{
	{capture.StateS0, "SYN unanswered"}, {capture.StateREJ, "refused (RST to the SYN)"},
	{capture.StateSH, "SYN then FIN, no answer"}, {capture.StateRSTOS0, "SYN then RST, no answer"},
	{capture.StateS1, "open at the end"}, {capture.StateSF, "closed normally"},
	{capture.StateS2, "only the client closed"}, {capture.StateS3, "only the server closed"},
	{capture.StateRSTO, "reset by the client"}, {capture.StateRSTR, "reset by the server"},
	{capture.StateOTH, "began before the capture"},
}

// historyLegend explains the history letters.
const historyLegend = "history: S SYN · H SYN-ACK · A ACK · D data · F FIN · R RST · T retransmitted · W zero window; upper case the client, lower case the server"

func (m *Model) renderConvs(h int) []string {
	convs := m.visibleConvs()
	head := m.styles.Heading.Render(fmt.Sprintf("%d conversations · %s · by %s", len(convs), outcomes[m.outcome].name, orders[m.order].name)) +
		m.styles.Dim.Render(" · "+m.own.Legend.Help().Key+" "+m.own.Legend.Help().Desc)
	lines := []string{head}
	if m.legend {
		return append(lines, m.legendLines()...)
	}
	// Three layouts: every column; the server and the outcome; below narrowConvs the outcome
	// alone (the server for a connection that carried no HTTP or TLS).
	layout := 0
	switch {
	case m.width >= wideConvs:
		layout = 2
	case m.width >= narrowConvs:
		layout = 1
	}
	serverW := 6
	from := min(m.convOffset, len(convs))
	for _, c := range convs[from:min(len(convs), from+max(h-2, 0))] {
		serverW = max(serverW, min(len(c.server.String()), endW))
	}
	cols := [...]string{
		fmt.Sprintf("%-*s %s", stateW, "STATE", "OUTCOME (or server)"),
		fmt.Sprintf("%-*s %-*s %s", stateW, "STATE", serverW, "SERVER", "OUTCOME"),
		fmt.Sprintf("%-*s %-*s   %-*s %6s %9s %-*s %s", stateW, "STATE", endW, "CLIENT", endW, "SERVER", "PKTS", "BYTES", historyW, "HISTORY", "OUTCOME"),
	}[layout]
	lines = append(lines, m.styles.Label.Render(cols))
	h -= 2
	if h <= 0 {
		return lines
	}
	m.convOffset = common.Window(m.convOffset, m.convCursor, h, len(convs))
	for i := m.convOffset; i < min(len(convs), m.convOffset+h); i++ {
		c := convs[i]
		outcome := c.outcome
		if outcome == "" {
			outcome = "-"
		}
		var row string
		switch layout {
		case 2:
			row = fmt.Sprintf("%-*s %-*s → %-*s %6d %9s %-*s %s", stateW, c.state, endW, c.client, endW, c.server, c.packets, size(c.bytes), historyW, c.history, outcome)
		case 1:
			row = fmt.Sprintf("%-*s %-*s %s", stateW, c.state, serverW, c.server, outcome)
		default:
			if c.outcome == "" {
				outcome = "→ " + c.server.String()
			}
			row = fmt.Sprintf("%-*s %s", stateW, c.state, outcome)
		}
		if i == m.convCursor && m.focused {
			row = m.styles.Selected.Render(common.Pad(row, m.width))
		} else if failedState(c.state) {
			row = m.styles.Failed.Render(row)
		}
		lines = append(lines, row)
	}
	return lines
}

// legendLines explains the state and history codes, wrapped to the pane: the states this
// capture's conversations are in first, then the history letters, then the other states.
func (m *Model) legendLines() []string {
	w := max(m.width, 20)
	convs, _, _ := m.sources[m.cur].snapshot()
	present := map[capture.State]bool{}
	for _, c := range convs {
		present[c.state] = true
	}
	var here, others []string
	for _, s := range stateMeaning {
		l := fmt.Sprintf("%-*s %s", stateW, s.state, s.text)
		if present[s.state] {
			here = append(here, l)
		} else {
			others = append(others, m.styles.Dim.Render(l))
		}
	}
	out := append(here, common.Wrap(historyLegend, w)...)
	out = append(out, common.Wrap("OUTCOME: the HTTP answer (a CONNECT's status, squid's error) or how the TLS handshake ended.", w)...)
	out = append(out, others...)
	m.scroll = min(m.scroll, max(len(out)-1, 0))
	return out[m.scroll:]
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
		var row string
		switch {
		case !pi.TCP:
			row = fmt.Sprintf("%7d %10.6f %s", num, float64(p.Time-t0)/1e9, pi.Info)
		case m.width < narrowPackets:
			// A narrow pane keeps what tells packets apart: the ports (the direction), the
			// flags in letters and what the packet says; the addresses are in its detail.
			row = fmt.Sprintf("%6d %d→%d [%s] %s", num, pi.Src.Port, pi.Dst.Port, flagLetters(pi.Flags), diagnose.Redact(pi.Info))
		default:
			row = fmt.Sprintf("%7d %10.6f %s → %s [%s] len=%d %s", num, float64(p.Time-t0)/1e9, pi.Src, pi.Dst, pi.Flags, pi.Len, diagnose.Redact(pi.Info))
		}
		if i == m.pktCursor && m.focused {
			row = m.styles.Selected.Render(common.Pad(row, m.width))
		}
		lines = append(lines, row)
	}
	return lines
}

// narrowPackets is the pane width below which a packet's row is written short.
const narrowPackets = 90

// flagLetters writes TCP flags as tcpdump does: "SYN, ACK" is "S.", "PSH, ACK" "P.", a bare ACK ".".
func flagLetters(flags string) string {
	var b strings.Builder
	ack := false
	for f := range strings.SplitSeq(flags, ", ") {
		switch f {
		case "SYN":
			b.WriteByte('S')
		case "FIN":
			b.WriteByte('F')
		case "RST":
			b.WriteByte('R')
		case "PSH":
			b.WriteByte('P')
		case "ACK":
			ack = true
		}
	}
	if ack {
		b.WriteByte('.')
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
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
