package packets

import (
	"cmp"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/capture"
	"github.com/hopscope/hopscope/ui/common"
)

// maxConvScan bounds the packets looked at to list one conversation's packets: a conversation
// spread over more of the capture is listed in part.
const maxConvScan = 200000

// outcomes are the conversation filters, in the order the Outcome key cycles them.
var outcomes = []struct {
	name   string
	states []capture.State
}{
	{"all", nil},
	{"failed to connect", []capture.State{capture.StateS0, capture.StateREJ, capture.StateRSTOS0, capture.StateSH}},
	{"reset", []capture.State{capture.StateRSTO, capture.StateRSTR}},
	{"half closed or open", []capture.State{capture.StateS1, capture.StateS2, capture.StateS3}},
	{"closed normally", []capture.State{capture.StateSF}},
	{"midstream", []capture.State{capture.StateOTH}},
}

// orders are the conversation sort orders.
var orders = []struct {
	name string
	cmp  func(a, b conv) int
}{
	{"start", func(a, b conv) int { return cmp.Compare(a.first, b.first) }},
	{"packets", func(a, b conv) int { return cmp.Compare(b.packets, a.packets) }},
	{"bytes", func(a, b conv) int { return cmp.Compare(b.bytes, a.bytes) }},
	{"outcome", func(a, b conv) int { return cmp.Or(cmp.Compare(a.state, b.state), cmp.Compare(a.first, b.first)) }},
	{"duration", func(a, b conv) int { return cmp.Compare(b.end-b.start, a.end-a.start) }},
}

// visibleConvs returns the current capture's conversations, filtered and sorted. The list is kept
// between calls: the conversations found since are sorted on their own and merged in, so that a
// frame of a capture of a hundred thousand connections does not sort them all again while it is
// read. The caller must not modify it.
func (m *Model) visibleConvs() []conv {
	s := m.sources[m.cur]
	all, _, _ := s.snapshot()
	v := &m.visible
	if v.src != s || v.outcome != m.outcome || v.order != m.order || v.seen > len(all) {
		*v = visibleList{src: s, outcome: m.outcome, order: m.order}
	}
	if v.seen == len(all) {
		return v.list
	}
	keep := outcomes[m.outcome].states
	var fresh []conv
	for _, c := range all[v.seen:] {
		if keep == nil || slices.Contains(keep, c.state) {
			fresh = append(fresh, c)
		}
	}
	v.seen = len(all)
	if len(fresh) == 0 {
		return v.list
	}
	cmpConv := orders[m.order].cmp
	slices.SortStableFunc(fresh, cmpConv)
	// A stable merge: on a tie the conversation found first stays first, as a sort of the whole
	// list would leave it.
	merged := make([]conv, 0, len(v.list)+len(fresh))
	i, j := 0, 0
	for i < len(v.list) && j < len(fresh) {
		if cmpConv(fresh[j], v.list[i]) < 0 {
			merged = append(merged, fresh[j])
			j++
		} else {
			merged = append(merged, v.list[i])
			i++
		}
	}
	v.list = append(append(merged, v.list[i:]...), fresh[j:]...)
	return v.list
}

// visibleList is the conversations list as last shown: of which capture, filtered and sorted
// how, and how many of the capture's conversations it has taken in.
type visibleList struct {
	src            *source
	outcome, order int
	seen           int
	list           []conv
}

func (m *Model) keyConvs(msg tea.KeyPressMsg, k common.KeyMap, o KeyMap) {
	convs := m.visibleConvs()
	n := len(convs)
	if m.legend {
		// The moves scroll the legend; any other key leaves it, the legend key only closes it.
		switch {
		case key.Matches(msg, k.Up):
			m.scroll = max(m.scroll-1, 0)
			return
		case key.Matches(msg, k.Down):
			m.scroll++
			return
		}
		m.legend = false
		if key.Matches(msg, o.Legend) {
			return
		}
	}
	switch {
	case key.Matches(msg, o.Legend):
		m.legend, m.scroll = true, 0
	case key.Matches(msg, o.Outcome):
		m.outcome = (m.outcome + 1) % len(outcomes)
		m.convCursor = 0
	case key.Matches(msg, o.Sort):
		m.order = (m.order + 1) % len(orders)
	case key.Matches(msg, k.Up):
		m.convCursor--
	case key.Matches(msg, k.Down):
		m.convCursor++
	case key.Matches(msg, k.PageUp):
		m.convCursor -= m.height
	case key.Matches(msg, k.PageDown):
		m.convCursor += m.height
	case key.Matches(msg, k.Top):
		m.convCursor = 0
	case key.Matches(msg, k.Bottom):
		m.convCursor = n - 1
	case key.Matches(msg, k.Select) && n > 0:
		m.openConv(convs[min(max(m.convCursor, 0), n-1)])
	case key.Matches(msg, o.Follow) && n > 0:
		c := convs[min(max(m.convCursor, 0), n-1)]
		m.openConv(c)
		m.followStream()
	}
	m.convCursor = min(max(m.convCursor, 0), max(n-1, 0))
}

// openConv lists one conversation's packets.
func (m *Model) openConv(c conv) {
	m.stopFilter()
	m.conv, m.mode, m.pktCursor, m.pktOffset = &c, modePackets, 0, 0
	m.convPackets = m.convPackets[:0]
	f := m.sources[m.cur].fileOf()
	if f == nil {
		return
	}
	for n := c.first; n <= c.last && n-c.first < maxConvScan; n++ {
		p, err := f.Packet(n)
		if err != nil {
			break
		}
		pi := capture.Describe(&p)
		if pi.TCP && (pi.Src == c.client && pi.Dst == c.server || pi.Src == c.server && pi.Dst == c.client) {
			m.convPackets = append(m.convPackets, n)
		}
	}
}

// listed returns how many packets the list holds and the number of the i-th (from 0).
func (m *Model) listed() (int64, func(i int64) int64) {
	if m.filtered && m.run != nil {
		matches, _, _, _ := m.run.snapshot()
		return int64(len(matches)), func(i int64) int64 { return matches[i] }
	}
	if m.conv != nil {
		return int64(len(m.convPackets)), func(i int64) int64 { return m.convPackets[i] }
	}
	f := m.sources[m.cur].fileOf()
	if f == nil {
		return 0, nil
	}
	return f.Index.Len(), func(i int64) int64 { return i + 1 }
}

func (m *Model) keyPackets(msg tea.KeyPressMsg, k common.KeyMap, o KeyMap) {
	n, nth := m.listed()
	switch {
	case key.Matches(msg, k.Up):
		m.pktCursor--
	case key.Matches(msg, k.Down):
		m.pktCursor++
	case key.Matches(msg, k.PageUp):
		m.pktCursor -= int64(m.height)
	case key.Matches(msg, k.PageDown):
		m.pktCursor += int64(m.height)
	case key.Matches(msg, k.Top):
		m.pktCursor = 0
	case key.Matches(msg, k.Bottom):
		m.pktCursor = n - 1
	case key.Matches(msg, k.Select) && n > 0:
		m.detail, m.mode, m.back, m.scroll = nth(min(max(m.pktCursor, 0), n-1)), modeDetail, modePackets, 0
	case key.Matches(msg, o.Follow) && m.conv != nil:
		m.followStream()
	case key.Matches(msg, o.Follow) && n > 0:
		m.followPacket(nth(min(max(m.pktCursor, 0), n-1)))
		return
	}
	m.pktCursor = min(max(m.pktCursor, 0), max(n-1, 0))
}
