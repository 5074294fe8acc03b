package capture

// bucket is one slice of the flow table: its connections by how recently they were active, the
// closed ones waiting to retire, and those that have not opened.
type bucket struct {
	head, tail *Flow   // by when they last moved (see touch), the least recent first
	closedQ    []*Flow // closed connections in the order they closed, to be retired
	unopened   []*Flow // connections not opened, in the order they appeared (some since opened)
	nUnopened  int     // how many of unopened have still not opened
}

// addUnopened counts a new connection among those not opened.
func (bk *bucket) addUnopened(f *Flow) {
	f.unopened = true
	bk.nUnopened++
	bk.unopened = append(bk.unopened, f)
	if len(bk.unopened) > 2*bk.nUnopened+64 {
		// Most have opened or ended since they came: keep the queue the size of what it holds.
		live := bk.unopened[:0]
		for _, f := range bk.unopened {
			if f.unopened && !f.done {
				live = append(live, f)
			}
		}
		clear(bk.unopened[len(live):])
		bk.unopened = live
	}
}

// push adds a connection as the most recently active.
func (bk *bucket) push(f *Flow) {
	f.prev, f.next = bk.tail, nil
	if bk.tail != nil {
		bk.tail.next = f
	} else {
		bk.head = f
	}
	bk.tail = f
}

// unlink takes a connection out of the activity order.
func (bk *bucket) unlink(f *Flow) {
	if f.prev != nil {
		f.prev.next = f.next
	} else if bk.head == f {
		bk.head = f.next
	}
	if f.next != nil {
		f.next.prev = f.prev
	} else if bk.tail == f {
		bk.tail = f.prev
	}
	f.prev, f.next = nil, nil
}

// touchEvery is how far a connection's End may run ahead of its place in its bucket's order
// before it is moved: most connections last less and never move, and a sweep, which looks at
// connections idle for tens of seconds, loses nothing by it.
const touchEvery = 1e9

// touch moves a connection whose End advanced to the most recent end of the order.
func (bk *bucket) touch(f *Flow) {
	f.touched = f.End
	if bk.tail == f {
		return
	}
	bk.unlink(f)
	bk.push(f)
}
