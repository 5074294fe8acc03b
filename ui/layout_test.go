package ui

import "testing"

func TestShareAddsUp(t *testing.T) {
	tests := []struct {
		total   int
		weights []int
		want    []int
	}{
		{80, []int{1, 1}, []int{40, 40}},
		{81, []int{1, 1}, []int{40, 41}},
		{22, []int{3, 2}, []int{13, 9}},
		{5, []int{0, 1}, []int{2, 3}},
		{0, []int{1, 2}, []int{0, 0}},
	}
	for _, tt := range tests {
		got := share(tt.total, tt.weights)
		sum := 0
		for i := range got {
			sum += got[i]
			if got[i] != tt.want[i] {
				t.Errorf("share(%d, %v) = %v, want %v", tt.total, tt.weights, got, tt.want)
				break
			}
		}
		if sum != tt.total {
			t.Errorf("share(%d, %v) sums to %d", tt.total, tt.weights, sum)
		}
	}
}

// TestSwapAndGrow swaps hidden panes into the focused slot in registration order, and grows a
// slot within its bounds; the placed rectangles always cover the area exactly.
func TestSwapAndGrow(t *testing.T) {
	m := newTest(t, 100, 30)
	drive(m, keys("tab", "enter")...)
	s := m.inv
	shown := func() []string {
		var ids []string
		for _, sl := range s.layout.slots() {
			ids = append(ids, sl.pane)
		}
		return ids
	}
	if got := shown(); got[0] != "tree" || got[3] != "next" {
		t.Fatalf("layout %v", got)
	}
	s.setFocus(3)
	seen := map[string]bool{}
	for i := 0; i < len(s.panes); i++ {
		drive(m, keyPress("s"))
		id := shown()[3]
		seen[id] = true
		if s.focused().ID() != id {
			t.Errorf("focus on %s, slot shows %s", s.focused().ID(), id)
		}
		for _, other := range shown()[:3] {
			if other == id {
				t.Errorf("%s shown twice", id)
			}
		}
	}
	if len(seen) != len(s.panes)-3 {
		t.Errorf("swapping showed %v; want every pane not in another slot", seen)
	}
	for i := 0; i < 2*maxWeight; i++ {
		drive(m, keyPress("+"))
	}
	if w := s.layout.rows[1].slots[1].weight; w != maxWeight {
		t.Errorf("weight %d after growing, want the bound %d", w, maxWeight)
	}
	for i := 0; i < 2*maxWeight; i++ {
		drive(m, keyPress("-"))
	}
	if w := s.layout.rows[1].slots[1].weight; w != 1 {
		t.Errorf("weight %d after shrinking, want 1", w)
	}
	area := 0
	for _, r := range s.rects {
		area += r.w * r.h
	}
	if want := 100 * (30 - 3); area != want {
		t.Errorf("slots cover %d cells, want %d", area, want)
	}
}
