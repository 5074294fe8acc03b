package capture

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// maxTargets bounds the request targets remembered for the request pattern; maxAttempts the
// backend connections whose order in time is kept (beyond it only counts are).
const (
	maxTargets  = 1024
	maxAttempts = 100000
)

// pattern follows how a reverse proxy's backend connections and its clients' requests fare over
// the whole capture, for the mod-proxy playbook's question: do all fail, do failures come in
// clusters, are they rare and isolated, or do they follow one kind of request?
type pattern struct {
	ok, failed     int
	attempts       []attempt // in the order connections ended; sorted by start before use
	firstFail      int64
	lastFail       int64
	lastFailAt     int64
	targets        map[string]*targetOutcome
	targetsDropped bool
}

// attempt is one backend connection: when it started and whether it failed.
type attempt struct {
	start  int64
	failed bool
}

type targetOutcome struct {
	ok, failed int
	pkt        int64
	at         int64
}

// attempt records one backend connection's outcome.
func (p *pattern) attempt(failed bool, pkt, at int64) {
	if len(p.attempts) < maxAttempts {
		p.attempts = append(p.attempts, attempt{at, failed})
	}
	if !failed {
		p.ok++
		return
	}
	p.failed++
	if p.firstFail == 0 || pkt < p.firstFail {
		p.firstFail = pkt
	}
	if pkt > p.lastFail {
		p.lastFail, p.lastFailAt = pkt, at
	}
}

// longestRun returns the longest run of failed connections in a row, in order of their start.
func (p *pattern) longestRun() int {
	slices.SortStableFunc(p.attempts, func(a, b attempt) int { return cmp.Compare(a.start, b.start) })
	run, longest := 0, 0
	for _, a := range p.attempts {
		if a.failed {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// request records what a client saw for one request target.
func (p *pattern) request(method, target string, failed bool, pkt, at int64) {
	if i := strings.IndexByte(target, '?'); i >= 0 {
		target = target[:i]
	}
	key := method + " " + target
	if p.targets == nil {
		p.targets = map[string]*targetOutcome{}
	}
	o := p.targets[key]
	if o == nil {
		if len(p.targets) >= maxTargets {
			p.targetsDropped = true
			return
		}
		o = &targetOutcome{}
		p.targets[key] = o
	}
	if failed {
		o.failed++
		o.pkt, o.at = pkt, at
	} else {
		o.ok++
	}
}

// report emits the pattern signals once the capture is read.
//
// Failures are clustered when they come three or more in a row, or two in a row while more than
// a quarter of the connections fail; sporadic when at most a quarter fail and never more than two
// in a row (a path that drops one connection in eight puts two together now and then by chance).
func (p *pattern) report(fs *findings) {
	longest := p.longestRun()
	rare := 4*p.failed <= p.failed+p.ok
	switch {
	case p.failed >= 2 && p.ok == 0:
		fs.add("log.pattern.all-failing", p.lastFailAt, func() string {
			return fmt.Sprintf("all %d backend connections the reverse proxy opened failed", p.failed)
		}, p.lastFail, p.firstFail)
	case p.failed >= 2 && (longest >= 3 || longest >= 2 && !rare):
		fs.add("log.pattern.clustered", p.lastFailAt, func() string {
			return fmt.Sprintf("%d of %d backend connections failed, up to %d in a row, while others succeeded", p.failed, p.failed+p.ok, longest)
		}, p.lastFail, p.firstFail)
	case p.failed >= 1 && rare && p.ok >= 3:
		fs.add("log.pattern.sporadic", p.lastFailAt, func() string {
			return fmt.Sprintf("%d isolated failures among %d backend connections", p.failed, p.failed+p.ok)
		}, p.lastFail, p.firstFail)
	}
	if p.targetsDropped {
		return
	}
	var bad string
	var badOut *targetOutcome
	okOthers := 0
	for k, o := range p.targets {
		switch {
		case o.failed > 0 && badOut != nil:
			return // failures on more than one target: no single pattern
		case o.failed > 0:
			bad, badOut = k, o
		default:
			okOthers += o.ok
		}
	}
	if badOut != nil && badOut.failed >= 2 && badOut.ok == 0 && okOthers >= 2 {
		fs.add("log.pattern.request-correlated", badOut.at, func() string {
			return fmt.Sprintf("every one of %d failed requests was %s; %d other requests succeeded", badOut.failed, bad, okOthers)
		}, badOut.pkt)
	}
}
