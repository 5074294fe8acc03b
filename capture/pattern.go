package capture

import (
	"fmt"
	"strings"
)

// maxTargets bounds the request targets remembered for the request pattern.
const maxTargets = 1024

// pattern follows how a reverse proxy's backend connections and its clients' requests fare over
// the whole capture, for the mod-proxy playbook's question: do all fail, do failures come in
// clusters, are they rare and isolated, or do they follow one kind of request?
type pattern struct {
	ok, failed     int
	run, longest   int // the current and longest runs of failures in a row
	firstFail      int64
	lastFail       int64
	lastFailAt     int64
	targets        map[string]*targetOutcome
	targetsDropped bool
}

type targetOutcome struct {
	ok, failed int
	pkt        int64
	at         int64
}

// attempt records one backend connection's outcome.
func (p *pattern) attempt(failed bool, pkt, at int64) {
	if !failed {
		p.ok++
		p.run = 0
		return
	}
	p.failed++
	p.run++
	p.longest = max(p.longest, p.run)
	if p.firstFail == 0 {
		p.firstFail = pkt
	}
	p.lastFail, p.lastFailAt = pkt, at
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
func (p *pattern) report(fs *findings) {
	switch {
	case p.failed >= 2 && p.ok == 0:
		fs.add("log.pattern.all-failing", p.lastFailAt, fmt.Sprintf("all %d backend connections the reverse proxy opened failed", p.failed), p.lastFail, p.firstFail)
	case p.failed >= 2 && p.longest >= 2:
		fs.add("log.pattern.clustered", p.lastFailAt, fmt.Sprintf("%d of %d backend connections failed, up to %d in a row, while others succeeded", p.failed, p.failed+p.ok, p.longest), p.lastFail, p.firstFail)
	case p.failed >= 1 && p.ok >= 5*p.failed:
		fs.add("log.pattern.sporadic", p.lastFailAt, fmt.Sprintf("%d isolated failures among %d backend connections", p.failed, p.failed+p.ok), p.lastFail, p.firstFail)
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
		fs.add("log.pattern.request-correlated", badOut.at, fmt.Sprintf("every one of %d failed requests was %s; %d other requests succeeded", badOut.failed, bad, okOthers), badOut.pkt)
	}
}
