package diagnose

import "slices"

// maxKeys bounds the attempt keys remembered to recognise an attempt seen again in another input.
// Failing attempts matter most (their lost segments are the point of capturing both ends), so
// working ones stop being remembered first.
const (
	maxKeys        = 1 << 14
	maxWorkingKeys = 1 << 10
	// maxSightings bounds the attempts remembered to match a log line with the capture of the
	// same request; past it, new ones are counted without being matched.
	maxSightings = 1 << 16
)

// Incident groups the attempts of an investigation into hops.
type Incident struct {
	hops    []*Hop
	byKey   map[HopKey]*Hop
	keys    map[uint64]keptRef
	inputs  []string // the inputs attempts came from, for keptRef.input
	working int      // working attempts among keys
	// sightings counts, per hop, second and outcome, the attempts one kind of source (logs or
	// captures) reported that the other has not matched yet: a log line and the capture of the
	// same request are one attempt.
	sightings           map[sighting]int32
	logSeen, packetSeen bool
}

// sighting is the key that matches a log line with a captured connection on the same hop: the
// second it started in and its outcome. Logs rarely give more of a request (Apache's error lines
// name no path, access lines stamp whole seconds), so requests of the same second and outcome on
// a hop match in the order they come.
type sighting struct {
	hop    int32 // in Incident.hops; -1 for every front hop
	second int64
	failed bool
	log    bool // reported by a log (else by a capture)
}

// keptRef finds an attempt seen before: its hop and, when it was kept whole, where. Small, as
// there is one per attempt remembered.
type keptRef struct {
	hop    int32 // in Incident.hops
	index  int32 // in hop.Failing or hop.Working by failed; -1 when only counted
	input  uint16
	failed bool
}

// NewIncident returns an incident with no attempts.
func NewIncident() *Incident {
	return &Incident{byKey: map[HopKey]*Hop{}, keys: map[uint64]keptRef{}}
}

// Add folds in one attempt. The same attempt (by key) seen again in another input is merged into
// the first sighting rather than counted twice; seen again in the same input, it is a new one (a
// port reused for a new connection with the same sequence number is not told apart).
func (in *Incident) Add(a Attempt) {
	input := in.input(a.Wire.Input)
	if a.Key != 0 {
		if ref, ok := in.keys[a.Key]; ok && ref.input != input {
			in.merge(ref, &a)
			return
		}
	}
	h := in.byKey[a.Hop]
	if in.matched(h, &a) {
		// Seen already by the other kind of source: its signals count, the attempt does not.
		// (A log's front hop that every capture matched is never made.)
		if a.Failed && h != nil {
			h.failSignals(&a)
		}
		return
	}
	if h == nil {
		h = newHop(a.Hop)
		h.index = int32(len(in.hops))
		in.byKey[a.Hop] = h
		in.hops = append(in.hops, h)
	}
	in.remember(h, &a)
	kept := h.add(&a)
	if a.Key == 0 || len(in.keys) >= maxKeys || !a.Failed && in.working >= maxWorkingKeys {
		return
	}
	if !a.Failed {
		in.working++
	}
	in.keys[a.Key] = keptRef{hop: h.index, failed: a.Failed, index: int32(kept), input: input}
}

// matched reports whether an attempt from a log matches one a capture reported on the same hop
// (or the other way round), one second either side, and takes that one off the list. h is nil
// for a hop not seen yet.
func (in *Incident) matched(h *Hop, a *Attempt) bool {
	hop, ok := in.sightingHop(h, a)
	if !ok {
		return false
	}
	if a.Kind == FromLog {
		in.logSeen = true
	} else {
		in.packetSeen = true
	}
	if !in.logSeen || !in.packetSeen {
		return false
	}
	sec, log := a.At.Unix(), a.Kind == FromLog
	for _, d := range [3]int64{0, -1, 1} {
		k := sighting{hop: hop, second: sec + d, failed: a.Failed, log: !log}
		if n := in.sightings[k]; n > 0 {
			if n == 1 {
				delete(in.sightings, k)
			} else {
				in.sightings[k] = n - 1
			}
			return true
		}
	}
	return false
}

// remember notes an attempt that matched nothing, for the other kind of source to match.
func (in *Incident) remember(h *Hop, a *Attempt) {
	hop, ok := in.sightingHop(h, a)
	if !ok {
		return
	}
	if in.sightings == nil {
		in.sightings = map[sighting]int32{}
	}
	if len(in.sightings) < maxSightings {
		in.sightings[sighting{hop: hop, second: a.At.Unix(), failed: a.Failed, log: a.Kind == FromLog}]++
	}
}

// sightingHop is the hop by which an attempt is matched across kinds of source. Logs report a
// proxy's backend hops under the same key as a capture does. A front hop a log cannot name (the
// proxy's address is not in its access log): a request on it matches one on any front hop a
// capture saw. Other hops are not matched.
func (in *Incident) sightingHop(h *Hop, a *Attempt) (int32, bool) {
	if a.At.IsZero() || a.Kind != FromLog && a.Kind != FromPacket {
		return 0, false
	}
	switch a.Hop.Role {
	case HopFront:
		return -1, true
	case HopBackend:
		if h == nil {
			return 0, false // nothing to match yet; remember sees it again once made
		}
		return h.index, true
	}
	return 0, false
}

// input numbers an input by its name.
func (in *Incident) input(name string) uint16 {
	for i, n := range in.inputs {
		if n == name {
			return uint16(i)
		}
	}
	if len(in.inputs) == 1<<16-1 {
		return 1<<16 - 1
	}
	in.inputs = append(in.inputs, name)
	return uint16(len(in.inputs) - 1)
}

func (in *Incident) merge(ref keptRef, a *Attempt) {
	h := in.hops[ref.hop]
	if ref.index < 0 {
		// Only counted: a failure seen at the other end still makes it a failing attempt.
		if a.Failed && !ref.failed {
			h.Worked--
			h.Failed++
			h.phases[a.Phase]++
		}
		if a.Failed {
			h.failSignals(a)
		}
		return
	}
	list := h.Working
	if ref.failed {
		list = h.Failing
	}
	h.merge(&list[ref.index], a)
	if a.Failed && !ref.failed {
		ref.failed = true
		ref.index = int32(len(h.Failing) - 1)
		in.keys[a.Key] = ref
	}
}

// Hops returns every hop, those with the most failing attempts first, then by most worked; ties
// keep the order the hops were first seen in.
func (in *Incident) Hops() []*Hop {
	out := slices.Clone(in.hops)
	slices.SortStableFunc(out, func(a, b *Hop) int {
		if a.Failed != b.Failed {
			return b.Failed - a.Failed
		}
		if ra, rb := roleRank(a.Key.Role), roleRank(b.Key.Role); ra != rb {
			return ra - rb
		}
		return b.Worked - a.Worked
	})
	return out
}

// roleRank orders hops that failed as often. A proxy's backend hop comes before the front hop whose
// requests it served: the front's failures are the backend's seen one hop up, and the backend's
// own verdict is the sharper. A forward proxy's CONNECT hop comes before its connections to the
// targets, whose failures it explains (its status and error page say why).
func roleRank(r HopRole) int {
	return slices.Index([]HopRole{HopForwardProxy, HopBackend, HopFront, HopDirect, HopProxyTarget, HopCheck}, r)
}

// Empty reports whether no attempt was added.
func (in *Incident) Empty() bool { return len(in.hops) == 0 }

// Failing reports whether any attempt failed.
func (in *Incident) Failing() bool {
	for _, h := range in.hops {
		if h.Failed > 0 {
			return true
		}
	}
	return false
}
