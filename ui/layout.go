package ui

// layout arranges a screen's panes: rows stacked top to bottom, each split into slots left to
// right. Weights share out the space, so the same layout fits any terminal; the operator changes
// them with the Grow and Shrink keys and swaps which pane a slot shows.
type layout struct {
	rows []row
}

// row is one band of the screen.
type row struct {
	weight int
	slots  []slot
}

// slot shows one pane, named by its ID.
type slot struct {
	pane   string
	weight int
}

// rect is where a slot landed on the screen, in cells.
type rect struct {
	x, y, w, h int
}

// maxWeight bounds Grow so a slot cannot squeeze its neighbours to nothing.
const maxWeight = 8

// slots lists the layout's slots in reading order (row by row, left to right): the focus order.
func (l *layout) slots() []*slot {
	var out []*slot
	for r := range l.rows {
		for s := range l.rows[r].slots {
			out = append(out, &l.rows[r].slots[s])
		}
	}
	return out
}

// shows reports whether some slot shows the pane.
func (l *layout) shows(id string) bool {
	for _, s := range l.slots() {
		if s.pane == id {
			return true
		}
	}
	return false
}

// place computes every slot's rectangle in an area of w×h cells, in slots() order.
func (l *layout) place(w, h int) []rect {
	var out []rect
	heights := share(h, rowWeights(l.rows))
	y := 0
	for r, rw := range l.rows {
		widths := share(w, slotWeights(rw.slots))
		x := 0
		for s := range rw.slots {
			out = append(out, rect{x: x, y: y, w: widths[s], h: heights[r]})
			x += widths[s]
		}
		y += heights[r]
	}
	return out
}

// grow changes the weight of the focused slot (and of its row) by d, within 1..maxWeight.
func (l *layout) grow(focus, d int) {
	i := 0
	for r := range l.rows {
		for s := range l.rows[r].slots {
			if i == focus {
				sl := &l.rows[r].slots[s]
				sl.weight = min(max(sl.weight+d, 1), maxWeight)
				if len(l.rows) > 1 {
					l.rows[r].weight = min(max(l.rows[r].weight+d, 1), maxWeight)
				}
				return
			}
			i++
		}
	}
}

func rowWeights(rows []row) []int {
	w := make([]int, len(rows))
	for i, r := range rows {
		w[i] = r.weight
	}
	return w
}

func slotWeights(slots []slot) []int {
	w := make([]int, len(slots))
	for i, s := range slots {
		w[i] = s.weight
	}
	return w
}

// share splits total cells by weights; rounding leftovers go to the last part, so the parts
// always add up to total exactly.
func share(total int, weights []int) []int {
	out := make([]int, len(weights))
	sum := 0
	for _, w := range weights {
		sum += max(w, 1)
	}
	used := 0
	for i, w := range weights {
		out[i] = total * max(w, 1) / sum
		used += out[i]
	}
	if len(out) > 0 {
		out[len(out)-1] += total - used
	}
	return out
}
