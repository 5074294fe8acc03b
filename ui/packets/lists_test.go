package packets

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/hopscope/hopscope/capture"
	"github.com/hopscope/hopscope/ui/common"
)

// TestVisibleConvsWhileRead grows a capture's conversations in batches, as its reading finds
// them, and checks after each batch, for every filter and order, that the list kept between frames
// is the one a sort of them all gives (ties in the order found).
func TestVisibleConvsWhileRead(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	states := []capture.State{capture.StateSF, capture.StateREJ, capture.StateS0, capture.StateRSTO, capture.StateOTH}
	var batches [][]conv
	id := 0
	for range 12 {
		var b []conv
		for range rng.IntN(40) {
			id++
			// Few distinct values, so that ties are many.
			first := int64(rng.IntN(30))
			b = append(b, conv{id: id, state: states[rng.IntN(len(states))], first: first,
				packets: int64(rng.IntN(5)), bytes: int64(rng.IntN(5)), start: first, end: first + int64(rng.IntN(4))})
		}
		batches = append(batches, b)
	}
	for o := range outcomes {
		for k := range orders {
			s := &source{path: "x.pcap"}
			m := New(t.Context(), common.DefaultStyles(), common.DefaultKeyMap())
			m.sources, m.outcome, m.order = []*source{s}, o, k
			for n, b := range batches {
				s.convs = append(s.convs, b...)
				want := []conv{}
				for _, c := range s.convs {
					if keep := outcomes[o].states; keep == nil || slices.Contains(keep, c.state) {
						want = append(want, c)
					}
				}
				slices.SortStableFunc(want, orders[k].cmp)
				got := append([]conv{}, m.visibleConvs()...)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("batch %d, %s by %s: list differs from a sort of all %d", n, outcomes[o].name, orders[k].name, len(s.convs))
				}
				// A frame drawn with nothing new found takes the list as it is.
				if a, b := m.visibleConvs(), m.visibleConvs(); len(a) > 0 && &a[0] != &b[0] {
					t.Fatal("the list was built again with nothing new found")
				}
			}
		}
	}
}
